// Vendor header knowledge on data made here (runs everywhere): the Siemens CSA parser on both
// formats and on hostile bytes, private elements stored typed or as raw bytes, diffusion of
// the standard attributes, Siemens, GE (dcm2niix's frame rule), Philips and enhanced functional
// groups, and the mosaic layout. The real-data checks against dcm2niix are in
// VendorRealDataTest.cpp.
#include <QtTest>

#include <cstring>
#include <random>

#include <dcmtk/config/osconfig.h>
#include <dcmtk/dcmdata/dcdeftag.h>
#include <dcmtk/dcmdata/dcitem.h>
#include <dcmtk/dcmdata/dcsequen.h>
#include <dcmtk/dcmdata/dcvrcs.h>
#include <dcmtk/dcmdata/dcvrds.h>
#include <dcmtk/dcmdata/dcvrfd.h>
#include <dcmtk/dcmdata/dcvrfl.h>
#include <dcmtk/dcmdata/dcvris.h>
#include <dcmtk/dcmdata/dcvrlo.h>
#include <dcmtk/dcmdata/dcvrobow.h>
#include <dcmtk/dcmdata/dcvrus.h>

#include "Csa.h"
#include "CsaTestUtil.h"
#include "PrivateTags.h"
#include "Vendor.h"

using namespace fw;
using namespace fw::dicom::detail;

namespace {

// Puts a typed element (string value, DCMTK parses it by the VR).
void putTyped(DcmItem& item, Uint16 g, Uint16 e, DcmEVR vr, const std::string& value) {
  DcmTag tag(g, e, DcmVR(vr));
  DcmElement* el = nullptr;
  switch (vr) {
    case EVR_LO: el = new DcmLongString(tag); break;
    case EVR_CS: el = new DcmCodeString(tag); break;
    case EVR_DS: el = new DcmDecimalString(tag); break;
    case EVR_IS: el = new DcmIntegerString(tag); break;
    case EVR_FD: el = new DcmFloatingPointDouble(tag); break;
    case EVR_FL: el = new DcmFloatingPointSingle(tag); break;
    case EVR_US: el = new DcmUnsignedShort(tag); break;
    default: QFAIL("unsupported VR in test");
  }
  QVERIFY(el->putString(value.c_str()).good());
  QVERIFY(item.insert(el, true).good());
}

// Puts raw bytes as UN, as DCMTK reads private elements of implicit VR files it has no
// dictionary entry for.
void putRaw(DcmItem& item, Uint16 g, Uint16 e, const void* data, std::size_t size) {
  auto* el = new DcmOtherByteOtherWord(DcmTag(g, e, DcmVR(EVR_UN)));
  QVERIFY(el->putUint8Array(static_cast<const Uint8*>(data), static_cast<unsigned long>(size)).good());
  QVERIFY(item.insert(el, true).good());
}
void putRawText(DcmItem& item, Uint16 g, Uint16 e, std::string text) {
  if (text.size() % 2) text += ' ';
  putRaw(item, g, e, text.data(), text.size());
}
template <typename T>
void putRawNumbers(DcmItem& item, Uint16 g, Uint16 e, std::vector<T> values) {
  putRaw(item, g, e, values.data(), values.size() * sizeof(T));
}

void putOrientation(DcmItem& ds, const core::Vec3& row, const core::Vec3& col) {
  char buf[256];
  std::snprintf(buf, sizeof buf, "%.8g\\%.8g\\%.8g\\%.8g\\%.8g\\%.8g", row.x, row.y, row.z, col.x, col.y, col.z);
  QVERIFY(ds.putAndInsertString(DCM_ImageOrientationPatient, buf).good());
}

bool near(const core::Vec3& a, const core::Vec3& b, double tol = 1e-6) { return core::norm(a - b) < tol; }
QString str(const core::Vec3& v) { return QString::fromStdString(core::toString(v, 6)); }

#define VERIFY_VEC(got, expected, tol)                                                                    \
  QVERIFY2(near(got, expected, tol), qPrintable(QString("got %1, expected %2").arg(str(got), str(expected))))

// A GE DWI item: GEMS_PARM_01 b-value, GEMS_ACQU_01 gradient, typed (DS/IS) or raw (UN).
void makeGe(DcmItem& ds, const std::string& bField, const core::Vec3& g, bool raw, const char* position = "HFS",
            const char* phase = "COL") {
  QVERIFY(ds.putAndInsertString(DCM_Manufacturer, "GE MEDICAL SYSTEMS").good());
  QVERIFY(ds.putAndInsertString(DCM_PatientPosition, position).good());
  QVERIFY(ds.putAndInsertString(DCM_InPlanePhaseEncodingDirection, phase).good());
  // Block 0x11 on purpose: the creator's block is looked up, not assumed to be 0x10.
  putTyped(ds, 0x0019, 0x0011, EVR_LO, "GEMS_ACQU_01");
  putTyped(ds, 0x0043, 0x0010, EVR_LO, "GEMS_PARM_01");
  const std::string comps[3] = {std::to_string(g.x), std::to_string(g.y), std::to_string(g.z)};
  for (int i = 0; i < 3; ++i) {
    const auto e = static_cast<Uint16>(0x11BB + i);
    if (raw)
      putRawText(ds, 0x0019, e, comps[i]);
    else
      putTyped(ds, 0x0019, e, EVR_DS, comps[i]);
  }
  if (raw)
    putRawText(ds, 0x0043, 0x1039, bField);
  else
    putTyped(ds, 0x0043, 0x1039, EVR_IS, bField);
}

void makePhilips(DcmItem& ds, float b, const core::Vec3& g, const char* direction, bool raw) {
  QVERIFY(ds.putAndInsertString(DCM_Manufacturer, "Philips Medical Systems").good());
  putTyped(ds, 0x2001, 0x0010, EVR_LO, "Philips Imaging DD 001");
  putTyped(ds, 0x2005, 0x0010, EVR_LO, "Philips MR Imaging DD 001");
  const float comps[3] = {float(g.x), float(g.y), float(g.z)};
  if (raw) {
    putRawNumbers<float>(ds, 0x2001, 0x1003, {b});
    putRawText(ds, 0x2001, 0x1004, direction);
    for (int i = 0; i < 3; ++i) putRawNumbers<float>(ds, 0x2005, static_cast<Uint16>(0x10B0 + i), {comps[i]});
  } else {
    putTyped(ds, 0x2001, 0x1003, EVR_FL, std::to_string(b));
    putTyped(ds, 0x2001, 0x1004, EVR_CS, direction);
    for (int i = 0; i < 3; ++i) putTyped(ds, 0x2005, static_cast<Uint16>(0x10B0 + i), EVR_FL, std::to_string(comps[i]));
  }
}

// An enhanced MR functional-group item with an MR Diffusion Sequence.
DcmItem* addDiffusionGroup(DcmItem& group, const char* directionality, std::optional<double> b,
                           std::optional<core::Vec3> g) {
  DcmItem* mr = nullptr;
  if (group.findOrCreateSequenceItem(DCM_MRDiffusionSequence, mr, 0).bad()) return nullptr;
  mr->putAndInsertString(DCM_DiffusionDirectionality, directionality);
  if (b) mr->putAndInsertFloat64(DCM_DiffusionBValue, *b);
  if (g) {
    DcmItem* dir = nullptr;
    if (mr->findOrCreateSequenceItem(DCM_DiffusionGradientDirectionSequence, dir, 0).bad()) return nullptr;
    const Float64 v[3] = {g->x, g->y, g->z};
    if (dir->putAndInsertFloat64Array(DCM_DiffusionGradientOrientation, v, 3).bad()) return nullptr;
  }
  return mr;
}

const core::Vec3 kAxialRow{1, 0, 0}, kAxialCol{0, 1, 0};

}  // namespace

class VendorTest : public QObject {
  Q_OBJECT
 private slots:
  void csaBothFormats();
  void csaHostileInput();
  void csaFuzzSynthetic();
  void privateElementsTypedAndRaw();
  void standardDiffusion();
  void siemensCsaAndPrivateDiffusion();
  void geDiffusion();
  void philipsDiffusion();
  void functionalGroupDiffusion();
  void mosaicLayout();
  void mosaicTileExtraction();
  void philipsPreciseScaling();
};

void VendorTest::csaBothFormats() {
  const std::vector<test::CsaTag> tags = {
      {"ImagedNucleus", "SH", 2, {"1H", "", "", ""}},  // 4 items: the old format subtracts 4
      {"NumberOfImagesInMosaic", "US", 1, {"48"}},
      {"SliceNormalVector", "FD", 3, {"0.0", "0.005236", "0.999986", "", "", ""}},
      {"B_value", "IS", 1, {"1000"}},
      {"Empty", "SH", 0, {}},
      {"Multi", "DS", 0, {"1.5", "2.5"}},  // vm 0: as many values as items
  };
  for (bool csa2 : {true, false}) {
    const auto bytes = test::encodeCsa(tags, csa2);
    const auto csa = parseCsa(bytes.data(), bytes.size());
    QVERIFY2(csa, csa2 ? "SV10" : "old format");
    QCOMPARE(csa->size(), tags.size());
    QCOMPARE(csaString(*csa, "ImagedNucleus").value_or(""), std::string("1H"));
    QCOMPARE(csaNumber(*csa, "NumberOfImagesInMosaic").value_or(0), 48.0);
    const auto n = csaNumbers(*csa, "SliceNormalVector", 3);
    QVERIFY(n && n->size() == 3);
    QCOMPARE((*n)[2], 0.999986);
    QCOMPARE(csa->at("SliceNormalVector").size(), std::size_t(3));  // the empty items are not values
    QVERIFY(!csaNumbers(*csa, "SliceNormalVector", 4));
    QVERIFY(csa->at("Empty").empty());
    QVERIFY(!csaString(*csa, "Empty"));
    QCOMPARE(csa->at("Multi"), (std::vector<std::string>{"1.5", "2.5"}));
    QVERIFY(!csaString(*csa, "Absent"));
  }
  // Not a CSA header at all.
  const std::string text = "this is not a CSA header, just text of some length";
  QVERIFY(!parseCsa(reinterpret_cast<const std::uint8_t*>(text.data()), text.size()));
  QVERIFY(!parseCsa(nullptr, 100));
}

void VendorTest::csaHostileInput() {
  const std::vector<test::CsaTag> tags = {{"First", "IS", 1, {"7"}}, {"Second", "IS", 1, {"8"}},
                                         {"Third", "LO", 3, {"text", "more", "last"}}};
  const auto good = test::encodeCsa(tags, true);
  auto parse = [](std::vector<std::uint8_t> b) {
    // An exact-size heap copy, so a read past the end is caught by ASan.
    std::unique_ptr<std::uint8_t[]> copy(new std::uint8_t[b.size() ? b.size() : 1]);
    if (!b.empty()) std::memcpy(copy.get(), b.data(), b.size());
    return parseCsa(copy.get(), b.size());
  };
  const std::size_t tag0 = 16, tag1 = tag0 + 84 + 16 + 4, tag2 = tag1 + 84 + 16 + 4;
  auto put32 = [](std::vector<std::uint8_t>& b, std::size_t at, std::uint32_t v) {
    for (int i = 0; i < 4; ++i) b[at + i] = std::uint8_t(v >> (8 * i));
  };
  {  // a huge tag count: not a header
    auto b = good;
    put32(b, 8, 0xFFFFFFFFu);
    QVERIFY(!parse(b));
    put32(b, 8, 0);
    QVERIFY(!parse(b));
  }
  {  // a tag count larger than the data: the tags that are there
    auto b = good;
    put32(b, 8, 900);
    const auto csa = parse(b);
    QVERIFY(csa && csa->size() == 3);
  }
  {  // a huge item count in the second tag: the first tag survives, nothing is allocated by it
    auto b = good;
    put32(b, tag1 + 76, 0x7FFFFFFF);
    const auto csa = parse(b);
    QVERIFY(csa);
    QCOMPARE(csa->size(), std::size_t(1));
    QCOMPARE(csaNumber(*csa, "First").value_or(0), 7.0);
    put32(b, tag1 + 76, 0x80000000u);  // negative
    QCOMPARE(parse(b)->size(), std::size_t(1));
  }
  {  // an item length past the end in the third tag: the first two survive
    auto b = good;
    put32(b, tag2 + 84 + 4, 0x7FFFFFF0);
    const auto csa = parse(b);
    QVERIFY(csa);
    QCOMPARE(csa->size(), std::size_t(2));
    QCOMPARE(csaNumber(*csa, "Second").value_or(0), 8.0);
    put32(b, tag2 + 84 + 4, 0xFFFFFFFFu);  // -1
    QCOMPARE(parse(b)->size(), std::size_t(2));
  }
  {  // a name without its terminating NUL: 64 characters, no read beyond the field
    auto b = good;
    std::memset(b.data() + tag0, 'A', 64);
    const auto csa = parse(b);
    QVERIFY(csa);
    QVERIFY(csa->count(std::string(64, 'A')));
  }
  {  // a value without NUL and no padding at the very end of the data
    std::vector<test::CsaTag> t = {{"Last", "LO", 1, {"abcdefg"}}};
    auto b = test::encodeCsa(t, true);
    b.pop_back();            // drop the NUL: the value now ends the buffer, unterminated
    put32(b, 16 + 84 + 4, 7);  // and its length says so
    const auto csa = parse(b);
    QVERIFY(csa);
    QCOMPARE(csaString(*csa, "Last").value_or(""), std::string("abcdefg"));
  }
  // Every truncation: never more than the intact header's tags, each with its intact values.
  const auto full = *parse(good);
  for (std::size_t n = 0; n <= good.size(); ++n) {
    const auto csa = parse({good.begin(), good.begin() + long(n)});
    if (!csa) continue;
    for (const auto& [name, values] : *csa) {
      QVERIFY2(full.count(name), qPrintable(QString("truncated at %1: invented tag").arg(n)));
      QVERIFY2(full.at(name) == values, qPrintable(QString("truncated at %1: %2 changed").arg(n).arg(name.c_str())));
    }
  }
}

void VendorTest::csaFuzzSynthetic() {
  std::vector<test::CsaTag> tags;
  for (int i = 0; i < 40; ++i)
    tags.push_back({"Tag" + std::to_string(i), "DS", i % 3 == 0 ? 0 : 3, {"1.5", "-2", std::to_string(i)}});
  for (bool csa2 : {true, false}) {
    const auto good = test::encodeCsa(tags, csa2);
    const auto stats = test::fuzzCsa(good, 4000, csa2 ? 17u : 18u);
    QVERIFY(stats.parsed > 0);  // some mutations leave a header
    qInfo("%s: %zu mutations, %zu still parse, %.1f us each", csa2 ? "SV10" : "old", stats.runs, stats.parsed,
          stats.microsecondsEach);
  }
}

void VendorTest::privateElementsTypedAndRaw() {
  for (bool raw : {false, true}) {
    DcmItem ds;
    putTyped(ds, 0x0019, 0x0010, EVR_LO, "OTHER CREATOR");
    putTyped(ds, 0x0019, 0x0012, EVR_LO, " SIEMENS MR HEADER ");
    putTyped(ds, 0x0019, 0x100C, EVR_IS, "999");  // the other creator's element: not ours
    if (raw) {
      putRawText(ds, 0x0019, 0x120C, "1000");
      putRawNumbers<double>(ds, 0x0019, 0x120E, {0.6, 0.0, -0.8});
      putRawNumbers<std::uint16_t>(ds, 0x0019, 0x120A, {48});
    } else {
      putTyped(ds, 0x0019, 0x120C, EVR_IS, "1000");
      putTyped(ds, 0x0019, 0x120E, EVR_FD, "0.6\\0.0\\-0.8");
      putTyped(ds, 0x0019, 0x120A, EVR_US, "48");
    }
    DcmElement* b = findPrivate(ds, 0x0019, "SIEMENS MR HEADER", 0x0C);
    QVERIFY(b);
    QCOMPARE(elementNumbers(*b, RawAs::Text), std::vector<double>{1000});
    DcmElement* g = findPrivate(ds, 0x0019, "SIEMENS MR HEADER", 0x0E);
    QVERIFY(g);
    QCOMPARE(elementNumbers(*g, RawAs::FD), (std::vector<double>{0.6, 0.0, -0.8}));
    DcmElement* n = findPrivate(ds, 0x0019, "SIEMENS MR HEADER", 0x0A);
    QVERIFY(n);
    QCOMPARE(elementNumbers(*n, RawAs::US), std::vector<double>{48});
    QVERIFY(!findPrivate(ds, 0x0019, "SIEMENS MR HEADER", 0x0B));
    QVERIFY(!findPrivate(ds, 0x0019, "ABSENT", 0x0C));
    QVERIFY(!findPrivate(ds, 0x0021, "SIEMENS MR HEADER", 0x0C));
  }
  // Odd byte counts and non-numbers: what parses, nothing invented.
  DcmItem ds;
  putTyped(ds, 0x0011, 0x0010, EVR_LO, "X");
  putRaw(ds, 0x0011, 0x1001, "\x01\x00\x02", 3);  // DCMTK pads the value to 4 bytes
  putRawText(ds, 0x0011, 0x1002, "12\\abc\\3");
  QCOMPARE(elementNumbers(*findPrivate(ds, 0x0011, "X", 0x01), RawAs::US), (std::vector<double>{1, 2}));
  QCOMPARE(elementNumbers(*findPrivate(ds, 0x0011, "X", 0x01), RawAs::FD), std::vector<double>{});
  QCOMPARE(elementNumbers(*findPrivate(ds, 0x0011, "X", 0x02), RawAs::Text), std::vector<double>{12});
}

void VendorTest::standardDiffusion() {
  DcmItem ds;
  QVERIFY(ds.putAndInsertFloat64(DCM_DiffusionBValue, 800).good());
  QVERIFY(ds.putAndInsertString(DCM_DiffusionGradientOrientation, "0\\2\\2").good());
  auto d = readDiffusion(ds, "ACME", kAxialRow, kAxialCol);
  QCOMPARE(d.bValue.value_or(-1), 800.0);
  QVERIFY(d.gradientLps);
  VERIFY_VEC(*d.gradientLps, core::normalized({0, 1, 1}), 1e-12);  // made unit
  QCOMPARE(d.source, std::string("standard"));
  QVERIFY(!d.isotropic);

  QVERIFY(ds.putAndInsertString(DCM_DiffusionDirectionality, "ISOTROPIC").good());
  d = readDiffusion(ds, "ACME", kAxialRow, kAxialCol);
  QVERIFY(d.isotropic && !d.gradientLps);

  DcmItem b0;
  QVERIFY(b0.putAndInsertFloat64(DCM_DiffusionBValue, 0).good());
  QVERIFY(b0.putAndInsertString(DCM_DiffusionGradientOrientation, "1\\0\\0").good());
  d = readDiffusion(b0, "ACME", kAxialRow, kAxialCol);
  QCOMPARE(d.bValue.value_or(-1), 0.0);
  QVERIFY(!d.gradientLps && !d.isotropic);

  DcmItem none;
  d = readDiffusion(none, "SIEMENS", kAxialRow, kAxialCol);
  QVERIFY(!d.bValue && !d.gradientLps && d.source.empty());
}

void VendorTest::siemensCsaAndPrivateDiffusion() {
  const core::Vec3 g = core::normalized({0.3, -0.5, 0.81});
  for (int variant = 0; variant < 3; ++variant) {  // 0: CSA, 1: private typed, 2: private raw
    DcmItem ds;
    if (variant == 0) {
      const auto csa = test::encodeCsa({{"B_value", "IS", 1, {"1000"}},
                                        {"DiffusionGradientDirection", "FD", 3,
                                         {std::to_string(g.x), std::to_string(g.y), std::to_string(g.z)}}},
                                       true);
      putTyped(ds, 0x0029, 0x0010, EVR_LO, "SIEMENS CSA HEADER");
      putRaw(ds, 0x0029, 0x1010, csa.data(), csa.size());
    } else {
      putTyped(ds, 0x0019, 0x0010, EVR_LO, "SIEMENS MR HEADER");
      if (variant == 1) {
        putTyped(ds, 0x0019, 0x100C, EVR_IS, "1000");
        putTyped(ds, 0x0019, 0x100E, EVR_FD,
                 std::to_string(g.x) + "\\" + std::to_string(g.y) + "\\" + std::to_string(g.z));
      } else {
        putRawText(ds, 0x0019, 0x100C, "1000");
        putRawNumbers<double>(ds, 0x0019, 0x100E, {g.x, g.y, g.z});
      }
    }
    const auto d = readDiffusion(ds, "SIEMENS", kAxialRow, kAxialCol);
    QCOMPARE(d.bValue.value_or(-1), 1000.0);
    QVERIFY(d.gradientLps);
    VERIFY_VEC(*d.gradientLps, g, 1e-5);
    QCOMPARE(d.source, std::string(variant == 0 ? "Siemens CSA" : "Siemens"));
  }
  // A trace image: b > 0 and no direction.
  DcmItem trace;
  putTyped(trace, 0x0019, 0x0010, EVR_LO, "SIEMENS MR HEADER");
  putTyped(trace, 0x0019, 0x100C, EVR_IS, "1000");
  const auto d = readDiffusion(trace, "SIEMENS", kAxialRow, kAxialCol);
  QVERIFY(d.isotropic && !d.gradientLps);
}

void VendorTest::geDiffusion() {
  // Expected values from dcm2niix's geCorrectBvecs, brought from its NIfTI frame (row, -col,
  // normal) into LPS: axial -x row - y col + z n; sagittal x row + y col - z n; coronal
  // -x row + y col + z n; row phase encoding first maps (x, y, z) to (y, -x, z).
  const core::Vec3 raw{0.6, 0.0, 0.8};
  struct Case {
    const char* name;
    core::Vec3 row, col;
    const char* phase;
    core::Vec3 expected;
  };
  const Case cases[] = {
      {"axial COL", {1, 0, 0}, {0, 1, 0}, "COL", {-0.6, 0, 0.8}},
      {"axial ROW", {1, 0, 0}, {0, 1, 0}, "ROW", {0, 0.6, 0.8}},
      {"sagittal COL", {0, 1, 0}, {0, 0, -1}, "COL", {0.8, 0.6, 0}},
      {"coronal COL", {1, 0, 0}, {0, 0, -1}, "COL", {-0.6, 0.8, 0}},
  };
  for (const auto& c : cases) {
    for (bool rawBytes : {false, true}) {
      DcmItem ds;
      makeGe(ds, "1000000750\\8\\0\\0", raw, rawBytes, "HFS", c.phase);
      const auto d = readDiffusion(ds, "GE MEDICAL SYSTEMS", c.row, c.col);
      QVERIFY2(d.bValue && std::abs(*d.bValue - 750) < 1e-9, c.name);  // the 1e9 offset removed
      QVERIFY2(d.gradientLps, c.name);
      QVERIFY2(near(*d.gradientLps, c.expected, 1e-6),
               qPrintable(QString("%1: got %2, expected %3").arg(c.name, str(*d.gradientLps), str(c.expected))));
      QCOMPARE(d.source, std::string("GE"));
    }
  }
  {  // b-value without the offset; a vector shorter than unit scales b by its squared length
    DcmItem ds;
    makeGe(ds, "1000\\8\\0\\0", {0.3, 0.0, 0.4}, false);
    const auto d = readDiffusion(ds, "GE MEDICAL SYSTEMS", kAxialRow, kAxialCol);
    QVERIFY(d.bValue && std::abs(*d.bValue - 250) < 1e-9);
    VERIFY_VEC(*d.gradientLps, (core::Vec3{-0.6, 0, 0.8}), 1e-9);
  }
  {  // not head first supine: dcm2niix gives no direction, nor do we
    DcmItem ds;
    makeGe(ds, "1000", raw, false, "FFS");
    const auto d = readDiffusion(ds, "GE MEDICAL SYSTEMS", kAxialRow, kAxialCol);
    QCOMPARE(d.bValue.value_or(-1), 1000.0);
    QVERIFY(!d.gradientLps && !d.isotropic);
  }
  {  // unknown phase-encoding direction: no direction
    DcmItem ds;
    makeGe(ds, "1000", raw, false, "HFS", "");
    QVERIFY(!readDiffusion(ds, "GE MEDICAL SYSTEMS", kAxialRow, kAxialCol).gradientLps);
  }
  {  // b = 0: no direction even when a vector is stored
    DcmItem ds;
    makeGe(ds, "1000000000\\8\\0\\0", raw, true);
    const auto d = readDiffusion(ds, "GE MEDICAL SYSTEMS", kAxialRow, kAxialCol);
    QCOMPARE(d.bValue.value_or(-1), 0.0);
    QVERIFY(!d.gradientLps);
  }
}

void VendorTest::philipsDiffusion() {
  const core::Vec3 g = core::normalized({-0.2, 0.7, 0.6});
  for (bool raw : {false, true}) {
    DcmItem ds;
    makePhilips(ds, 1000, g, "O", raw);
    auto d = readDiffusion(ds, "Philips Medical Systems", kAxialRow, kAxialCol);
    QCOMPARE(d.bValue.value_or(-1), 1000.0);
    QVERIFY(d.gradientLps && !d.isotropic);
    VERIFY_VEC(*d.gradientLps, g, 1e-6);
    QCOMPARE(d.source, std::string("Philips"));

    DcmItem iso;  // the isotropic trace image of the series: flagged, no direction
    makePhilips(iso, 1000, {0, 0, 0}, "I", raw);
    d = readDiffusion(iso, "Philips Medical Systems", kAxialRow, kAxialCol);
    QVERIFY(d.isotropic && !d.gradientLps);
    QCOMPARE(d.bValue.value_or(-1), 1000.0);

    DcmItem isoWithVector;  // 'I' wins over a stored vector
    makePhilips(isoWithVector, 1000, g, "I", raw);
    QVERIFY(readDiffusion(isoWithVector, "PHILIPS", kAxialRow, kAxialCol).isotropic);

    DcmItem b0;
    makePhilips(b0, 0, {0, 0, 0}, "N", raw);
    d = readDiffusion(b0, "Philips Medical Systems", kAxialRow, kAxialCol);
    QCOMPARE(d.bValue.value_or(-1), 0.0);
    QVERIFY(!d.gradientLps && !d.isotropic);
  }
}

void VendorTest::functionalGroupDiffusion() {
  const core::Vec3 g = core::normalized({0.1, 0.2, -0.9});
  {
    DcmItem group;
    QVERIFY(addDiffusionGroup(group, "DIRECTIONAL", 2500.0, g));
    const auto d = readDiffusionFromFunctionalGroup(group);
    QCOMPARE(d.bValue.value_or(-1), 2500.0);
    QVERIFY(d.gradientLps && !d.isotropic);
    VERIFY_VEC(*d.gradientLps, g, 1e-12);
    QCOMPARE(d.source, std::string("standard"));
  }
  {  // BMATRIX with the direction given (Siemens XA)
    DcmItem group;
    QVERIFY(addDiffusionGroup(group, "BMATRIX", 2500.0, g));
    VERIFY_VEC(*readDiffusionFromFunctionalGroup(group).gradientLps, g, 1e-12);
  }
  {  // BMATRIX with only the b-matrix: the direction of b g g^T
    DcmItem group;
    DcmItem* mr = addDiffusionGroup(group, "BMATRIX", 1000.0, std::nullopt);
    QVERIFY(mr);
    DcmItem* m = nullptr;
    QVERIFY(mr->findOrCreateSequenceItem(DCM_DiffusionBMatrixSequence, m, 0).good());
    const double b = 1000;
    m->putAndInsertFloat64(DCM_DiffusionBValueXX, b * g.x * g.x);
    m->putAndInsertFloat64(DCM_DiffusionBValueXY, b * g.x * g.y);
    m->putAndInsertFloat64(DCM_DiffusionBValueXZ, b * g.x * g.z);
    m->putAndInsertFloat64(DCM_DiffusionBValueYY, b * g.y * g.y);
    m->putAndInsertFloat64(DCM_DiffusionBValueYZ, b * g.y * g.z);
    m->putAndInsertFloat64(DCM_DiffusionBValueZZ, b * g.z * g.z);
    const auto d = readDiffusionFromFunctionalGroup(group);
    QVERIFY(d.gradientLps);
    QVERIFY2(std::abs(std::abs(core::dot(*d.gradientLps, g)) - 1) < 1e-9, qPrintable(str(*d.gradientLps)));
  }
  {  // ISOTROPIC trace: flagged, no direction (the vector is ignored)
    DcmItem group;
    QVERIFY(addDiffusionGroup(group, "ISOTROPIC", 2500.0, g));
    const auto d = readDiffusionFromFunctionalGroup(group);
    QVERIFY(d.isotropic && !d.gradientLps);
    QCOMPARE(d.bValue.value_or(-1), 2500.0);
  }
  {  // NONE with b = 0
    DcmItem group;
    QVERIFY(addDiffusionGroup(group, "NONE", 0.0, std::nullopt));
    const auto d = readDiffusionFromFunctionalGroup(group);
    QCOMPARE(d.bValue.value_or(-1), 0.0);
    QVERIFY(!d.gradientLps && !d.isotropic);
  }
  {  // NONE without a b-value (an FA map): no b-value is invented
    DcmItem group;
    QVERIFY(addDiffusionGroup(group, "NONE", std::nullopt, std::nullopt));
    const auto d = readDiffusionFromFunctionalGroup(group);
    QVERIFY(!d.bValue && !d.gradientLps && !d.isotropic);
  }
  {  // no MR Diffusion Sequence
    DcmItem group;
    const auto d = readDiffusionFromFunctionalGroup(group);
    QVERIFY(!d.bValue && !d.gradientLps && d.source.empty());
  }
}

void VendorTest::mosaicLayout() {
  const core::Vec3 row = core::normalized({1, 0.1, 0}), col = core::normalized(core::cross({0, 0, 1}, row));
  const core::Vec3 n = core::cross(row, col);
  auto make = [&](DcmItem& ds, const char* type, std::optional<int> csaCount, std::optional<int> privateCount,
                  std::optional<core::Vec3> csaNormal) {
    QVERIFY(ds.putAndInsertString(DCM_ImageType, type).good());
    putOrientation(ds, row, col);
    QVERIFY(ds.putAndInsertString(DCM_SpacingBetweenSlices, "3.5").good());
    QVERIFY(ds.putAndInsertString(DCM_SliceThickness, "3").good());
    std::vector<test::CsaTag> tags;
    if (csaCount) tags.push_back({"NumberOfImagesInMosaic", "US", 1, {std::to_string(*csaCount)}});
    if (csaNormal)
      tags.push_back({"SliceNormalVector", "FD", 3,
                      {std::to_string(csaNormal->x), std::to_string(csaNormal->y), std::to_string(csaNormal->z)}});
    if (!tags.empty()) {
      const auto csa = test::encodeCsa(tags, true);
      putTyped(ds, 0x0029, 0x0010, EVR_LO, "SIEMENS CSA HEADER");
      putRaw(ds, 0x0029, 0x1010, csa.data(), csa.size());
    }
    if (privateCount) {
      putTyped(ds, 0x0019, 0x0010, EVR_LO, "SIEMENS MR HEADER");
      putRawNumbers<std::uint16_t>(ds, 0x0019, 0x100A, {std::uint16_t(*privateCount)});
    }
  };
  {  // CSA count, CSA normal (reversed: Siemens stores slices along it, whichever way it points)
    DcmItem ds;
    make(ds, "ORIGINAL\\PRIMARY\\M\\ND\\MOSAIC", 10, std::nullopt, -n);
    const auto m = readMosaic(ds, 256, 256);
    QVERIFY(m);
    QCOMPARE(m->tileCount, std::size_t(10));
    QCOMPARE(m->tilesPerRow, std::size_t(4));
    QCOMPARE(m->tileRows, std::size_t(64));
    QCOMPARE(m->tileColumns, std::size_t(64));
    QVERIFY(m->normalFromCsa);
    VERIFY_VEC(m->normal, -n, 1e-5);
    QCOMPARE(m->sliceSpacing, 3.5);

    // dcm2niix: the frame corner moves by (frame - tile) / 2 pixels; tile k is k spacings on.
    const core::Vec3 ipp{-100, -120, 30};
    const double psRow = 2.0, psCol = 1.5;  // Pixel Spacing [0] (between rows), [1] (between columns)
    for (std::size_t k : {std::size_t(0), std::size_t(9)}) {
      const auto p = mosaicTilePosition(*m, ipp, row, col, psRow, psCol, k);
      const core::Vec3 expected = ipp + row * (psCol * (256 - 64) / 2.0) + col * (psRow * (256 - 64) / 2.0) +
                                  (-n) * (3.5 * double(k));
      VERIFY_VEC(p, expected, 1e-9);
    }
  }
  {  // (0019,100A) count, no CSA normal: cross(row, col); non-square tile counts
    DcmItem ds;
    make(ds, "ORIGINAL\\PRIMARY\\MOSAIC", std::nullopt, 48, std::nullopt);
    const auto m = readMosaic(ds, 896, 896);
    QVERIFY(m);
    QCOMPARE(m->tileCount, std::size_t(48));
    QCOMPARE(m->tilesPerRow, std::size_t(7));
    QCOMPARE(m->tileRows, std::size_t(128));
    QVERIFY(!m->normalFromCsa);
    VERIFY_VEC(m->normal, n, 1e-6);
  }
  {  // a CSA normal in the image plane is not believed
    DcmItem ds;
    make(ds, "ORIGINAL\\PRIMARY\\MOSAIC", 4, std::nullopt, row);
    const auto m = readMosaic(ds, 128, 128);
    QVERIFY(m && !m->normalFromCsa);
    VERIFY_VEC(m->normal, n, 1e-6);
  }
  {  // a MOSAIC frame that is not a whole number of tiles (unit_minis/0.dcm: 256x256, 48 tiles):
     // tiles of floor(256 / 7) = 36, placed as dcm2niix, (frame - frame / 7) / 2 pixels in
    DcmItem ds;
    make(ds, "ORIGINAL\\PRIMARY\\DIFFUSION\\NONE\\ND\\MOSAIC", 48, std::nullopt, std::nullopt);
    const auto m = readMosaic(ds, 256, 256);
    QVERIFY(m);
    QCOMPARE(m->tilesPerRow, std::size_t(7));
    QCOMPARE(m->tileRows, std::size_t(36));
    QCOMPARE(m->tileColumns, std::size_t(36));
    QCOMPARE(m->frameRows, std::size_t(256));
    const core::Vec3 ipp{-805, -825, -75};
    const auto p = mosaicTilePosition(*m, ipp, row, col, 1.8, 1.7, 0);
    VERIFY_VEC(p, ipp + row * (1.7 * (256 - 256 / 7.0) / 2.0) + col * (1.8 * (256 - 256 / 7.0) / 2.0), 1e-9);
  }
  {  // not mosaics: no count, a count of 1 without MOSAIC, frame not divisible, hostile counts
    DcmItem a;
    make(a, "ORIGINAL\\PRIMARY\\MOSAIC", std::nullopt, std::nullopt, std::nullopt);
    QVERIFY(!readMosaic(a, 256, 256));
    DcmItem b;
    make(b, "ORIGINAL\\PRIMARY\\M", 1, std::nullopt, std::nullopt);
    QVERIFY(!readMosaic(b, 256, 256));
    DcmItem c;
    make(c, "ORIGINAL\\PRIMARY\\M", 10, std::nullopt, std::nullopt);
    QVERIFY(!readMosaic(c, 250, 256));  // 250 rows do not split in 4, and no MOSAIC in Image Type
    DcmItem d;
    make(d, "ORIGINAL\\PRIMARY\\MOSAIC", 65535, std::nullopt, std::nullopt);
    QVERIFY(!readMosaic(d, 256, 256));
    QVERIFY(!readMosaic(d, 0, 0));
    DcmItem e;
    make(e, "ORIGINAL\\PRIMARY\\MOSAIC", 0, std::nullopt, std::nullopt);
    QVERIFY(!readMosaic(e, 256, 256));
  }
}

void VendorTest::mosaicTileExtraction() {
  MosaicLayout m;
  m.tileCount = 5;
  m.tilesPerRow = 3;
  m.tileRows = 4;
  m.tileColumns = 6;
  const std::size_t cols = 18, rows = 12;
  std::vector<std::uint16_t> frame(rows * cols);
  for (std::size_t y = 0; y < rows; ++y)
    for (std::size_t x = 0; x < cols; ++x) frame[y * cols + x] = std::uint16_t(1000 * (y / 4 * 3 + x / 6) + (y % 4) * 10 + x % 6);
  for (std::size_t t = 0; t < m.tileCount; ++t) {
    std::vector<std::uint16_t> tile(m.tileRows * m.tileColumns, 0xFFFF);
    extractMosaicTile(m, reinterpret_cast<const std::uint8_t*>(frame.data()), cols, 2, t,
                      reinterpret_cast<std::uint8_t*>(tile.data()));
    for (std::size_t y = 0; y < m.tileRows; ++y)
      for (std::size_t x = 0; x < m.tileColumns; ++x)
        QCOMPARE(tile[y * m.tileColumns + x], std::uint16_t(1000 * t + y * 10 + x));
  }
  {  // a frame with padding columns and rows (20 x 13): tiles still cut at the frame's line stride
    const std::size_t pc = 20, pr = 13;
    std::vector<std::uint16_t> padded(pr * pc, 0xEEEE);
    for (std::size_t y = 0; y < rows; ++y)
      for (std::size_t x = 0; x < cols; ++x) padded[y * pc + x] = frame[y * cols + x];
    for (std::size_t t = 0; t < m.tileCount; ++t) {
      std::vector<std::uint16_t> tile(m.tileRows * m.tileColumns, 0xFFFF);
      extractMosaicTile(m, reinterpret_cast<const std::uint8_t*>(padded.data()), pc, 2, t,
                        reinterpret_cast<std::uint8_t*>(tile.data()));
      for (std::size_t y = 0; y < m.tileRows; ++y)
        for (std::size_t x = 0; x < m.tileColumns; ++x)
          QCOMPARE(tile[y * m.tileColumns + x], std::uint16_t(1000 * t + y * 10 + x));
    }
  }
  std::vector<std::uint16_t> untouched(m.tileRows * m.tileColumns, 7);
  extractMosaicTile(m, reinterpret_cast<const std::uint8_t*>(frame.data()), cols, 2, 9,
                    reinterpret_cast<std::uint8_t*>(untouched.data()));
  QCOMPARE(untouched.front(), std::uint16_t(7));
}

void VendorTest::philipsPreciseScaling() {
  auto make = [](DcmItem& ds, const char* maker, std::optional<float> ss) {
    QVERIFY(ds.putAndInsertString(DCM_Manufacturer, maker).good());
    putTyped(ds, 0x2005, 0x0010, EVR_LO, "Philips MR Imaging DD 001");
    if (ss) putTyped(ds, 0x2005, 0x100E, EVR_FL, std::to_string(*ss));
  };
  {  // Rescale Slope/Intercept present: FP = (SV * RS + RI) / (RS * SS)
    DcmItem ds;
    make(ds, "Philips Medical Systems", 0.25f);
    QVERIFY(ds.putAndInsertString(DCM_RescaleSlope, "2").good());
    QVERIFY(ds.putAndInsertString(DCM_RescaleIntercept, "-10").good());
    const auto p = philipsPreciseScale(ds);
    QVERIFY(p);
    QCOMPARE(p->slope, 4.0);        // 1 / SS
    QCOMPARE(p->intercept, -20.0);  // RI / (RS * SS)
    QCOMPARE(100 * p->slope + p->intercept, (100 * 2.0 - 10) / (2.0 * 0.25));
  }
  {  // no Rescale Slope: the Real World Value Mapping item's slope and intercept (the BOLD case)
    DcmItem ds;
    make(ds, "Philips Medical Systems", 0.5f);
    DcmItem* item = nullptr;
    QVERIFY(ds.findOrCreateSequenceItem(DCM_RealWorldValueMappingSequence, item, 0).good() && item);
    QVERIFY(item->putAndInsertFloat64(DCM_RealWorldValueSlope, 4.0).good());
    QVERIFY(item->putAndInsertFloat64(DCM_RealWorldValueIntercept, 8.0).good());
    const auto p = philipsPreciseScale(ds);
    QVERIFY(p);
    QCOMPARE(p->slope, 2.0);
    QCOMPARE(p->intercept, 4.0);  // 8 / (4 * 0.5)
  }
  {  // not applied: another maker, no or a zero scale slope
    DcmItem a, b, c;
    make(a, "SIEMENS", 0.25f);
    make(b, "Philips Medical Systems", std::nullopt);
    make(c, "Philips Medical Systems", 0.0f);
    QVERIFY(!philipsPreciseScale(a));
    QVERIFY(!philipsPreciseScale(b));
    QVERIFY(!philipsPreciseScale(c));
  }
}

QTEST_GUILESS_MAIN(VendorTest)
#include "VendorTest.moc"
