// Vendor headers on real scanner files (../shared/data; skipped when absent): Siemens CSA
// headers of a Trio mosaic DWI, the mosaic's tiles, positions and gradients against Debian's
// dcm2niix run here, and the per-frame diffusion of a Siemens XA30 enhanced DWI against
// dcm2niix's reference .bval/.bvec.
#include <QtTest>

#include <algorithm>
#include <cstring>

#include <dcmtk/config/osconfig.h>
#include <dcmtk/dcmdata/dcdeftag.h>
#include <dcmtk/dcmdata/dcfilefo.h>
#include <dcmtk/dcmdata/dcitem.h>
#include <dcmtk/dcmdata/dcsequen.h>

#include "Csa.h"
#include "CsaTestUtil.h"
#include "DcmUtil.h"
#include "ExternalTools.h"
#include "PrivateTags.h"
#include "TestData.h"
#include "Vendor.h"

using namespace fw;
using namespace fw::dicom::detail;
namespace fs = std::filesystem;

namespace {

QString q(const fs::path& p) { return QString::fromStdString(p.string()); }
QString str(const core::Vec3& v) { return QString::fromStdString(core::toString(v, 6)); }

void run(const QString& program, const QStringList& args) {
  const auto r = test::runTool(program, args);
  if (r.exitCode != 0) throw std::runtime_error((program + " failed: " + r.output).toStdString());
}

std::unique_ptr<DcmFileFormat> load(const fs::path& file) {
  auto f = std::make_unique<DcmFileFormat>();
  if (f->loadFile(file.c_str()).bad()) throw std::runtime_error("cannot load " + file.string());
  return f;
}

std::vector<double> numbers(DcmItem& item, const DcmTagKey& tag, unsigned long count) {
  std::vector<double> v;
  for (unsigned long i = 0; i < count; ++i)
    if (auto d = getDouble(item, tag, i)) v.push_back(*d);
  return v;
}

std::vector<std::uint8_t> csaBytes(DcmItem& ds, std::uint8_t offset) {
  DcmElement* e = findPrivate(ds, 0x0029, "SIEMENS CSA HEADER", offset);
  const std::uint8_t* data = nullptr;
  std::size_t size = 0;
  if (!e || !elementBytes(*e, data, size) || !data) return {};
  return {data, data + size};
}

// The FSL .bvec of a gradient (patient LPS): components along the NIfTI voxel axes, the first
// negated when the affine's determinant is positive.
core::Vec3 fslBvec(const core::Vec3& gLps, const core::Vec3 axesLps[3], double det) {
  core::Vec3 b{core::dot(gLps, axesLps[0]), core::dot(gLps, axesLps[1]), core::dot(gLps, axesLps[2])};
  if (det > 0) b.x = -b.x;
  return b;
}

}  // namespace

class VendorRealDataTest : public QObject {
  Q_OBJECT
 private slots:
  void initTestCase();
  void csaRealHeaders();
  void csaFuzzReal();
  void mosaicAgainstDcm2niix();
  void siemensPrivateFallback();
  void xa30EnhancedDiffusion();

 private:
  fs::path m_minis, m_xa30, m_scratch, m_b0, m_b1000;
  QString m_dcm2niix;
};

void VendorRealDataTest::initTestCase() {
  m_minis = test::requireSharedData("unit_minis/siemens_dwi_1000.dcm.gz").parent_path();
  m_xa30 = test::requireSharedData("mr_session_xa30/xa30_enhanced_dicom.tar.xz").parent_path();
  test::requireSharedData("mr_session_xa30/dcm2niix_ref.tar.xz");
  m_dcm2niix = test::requireTool("dcm2niix");
  m_scratch = test::scratchDir("vendor_realdata");
  // Decompressed copies in the build tree (gzip -dc, never touching the shared folder).
  for (const char* name : {"siemens_dwi_0", "siemens_dwi_1000"}) {
    QProcess p;
    p.setStandardOutputFile(q(m_scratch / (std::string(name) + ".dcm")));
    p.start("gzip", {"-dc", q(m_minis / (std::string(name) + ".dcm.gz"))});
    QVERIFY(p.waitForFinished(60000) && p.exitCode() == 0);
  }
  m_b0 = m_scratch / "siemens_dwi_0.dcm";
  m_b1000 = m_scratch / "siemens_dwi_1000.dcm";
}

void VendorRealDataTest::csaRealHeaders() {
  auto f = load(m_b1000);
  auto* ds = f->getDataset();
  const auto image = readCsa(*ds, CsaKind::Image);
  QVERIFY(image);
  QVERIFY2(image->size() > 50, qPrintable(QString::number(image->size())));
  QCOMPARE(csaNumber(*image, "B_value").value_or(-1), 1000.0);
  QCOMPARE(csaNumber(*image, "NumberOfImagesInMosaic").value_or(-1), 48.0);
  const auto normal = csaNumbers(*image, "SliceNormalVector", 3);
  QVERIFY(normal);
  // Perpendicular to Image Orientation (Patient) 1\0\0\0\0.999986\-0.005236.
  const core::Vec3 n{(*normal)[0], (*normal)[1], (*normal)[2]};
  QVERIFY(std::abs(core::norm(n) - 1) < 1e-4);
  QVERIFY(std::abs(core::dot(n, {0, 0.999986, -0.005236})) < 1e-4);
  // The CSA gradient equals the SIEMENS MR HEADER copy (0019,xx0E), stored as raw doubles.
  const auto g = csaNumbers(*image, "DiffusionGradientDirection", 3);
  QVERIFY(g);
  DcmElement* priv = findPrivate(*ds, 0x0019, "SIEMENS MR HEADER", 0x0E);
  QVERIFY(priv);
  const auto pg = elementNumbers(*priv, RawAs::FD);
  QCOMPARE(pg.size(), std::size_t(3));
  for (int i = 0; i < 3; ++i) QVERIFY(std::abs((*g)[i] - pg[i]) < 1e-6);
  const auto series = readCsa(*ds, CsaKind::Series);
  QVERIFY(series);
  const auto phoenix = csaString(*series, "MrPhoenixProtocol");
  QVERIFY(phoenix && phoenix->find("ASCCONV BEGIN") != std::string::npos);
}

void VendorRealDataTest::csaFuzzReal() {
  auto f = load(m_b1000);
  for (std::uint8_t offset : {std::uint8_t(0x10), std::uint8_t(0x20)}) {
    const auto good = csaBytes(*f->getDataset(), offset);
    QVERIFY(good.size() > 1000);
    const auto full = parseCsa(good.data(), good.size());
    QVERIFY(full);
    // Every prefix of the image header (every 7th of the larger series header): a subset of the
    // intact header's tags with their intact values, never a read past the prefix.
    const std::size_t step = offset == 0x10 ? 1 : 7;
    for (std::size_t n = 0; n <= good.size(); n += step) {
      std::unique_ptr<std::uint8_t[]> exact(new std::uint8_t[n ? n : 1]);
      std::memcpy(exact.get(), good.data(), n);
      const auto csa = parseCsa(exact.get(), n);
      if (!csa) continue;
      for (const auto& [name, values] : *csa) {
        QVERIFY2(full->count(name) && full->at(name) == values,
                 qPrintable(QString("prefix %1: tag %2 differs").arg(n).arg(name.c_str())));
      }
    }
    const auto stats = test::fuzzCsa(good, offset == 0x10 ? 5000 : 1000, 1234u + offset);
    qInfo("CSA %s header (%zu bytes): %zu mutations, %zu still parse, %.1f us each",
          offset == 0x10 ? "image" : "series", good.size(), stats.runs, stats.parsed, stats.microsecondsEach);
  }
}

void VendorRealDataTest::mosaicAgainstDcm2niix() {
  // dcm2niix writes .bval/.bvec only for 3 or more volumes: b0, b1000 and a copy of b1000 as a
  // third acquisition.
  const auto in = m_scratch / "mosaic_in";
  fs::create_directories(in);
  fs::copy_file(m_b0, in / "a.dcm", fs::copy_options::overwrite_existing);
  fs::copy_file(m_b1000, in / "b.dcm", fs::copy_options::overwrite_existing);
  {
    auto f = load(m_b1000);
    auto* ds = f->getDataset();
    QVERIFY(ds->putAndInsertString(DCM_InstanceNumber, "3").good());
    QVERIFY(ds->putAndInsertString(DCM_AcquisitionNumber, "3").good());
    QVERIFY(ds->putAndInsertString(DCM_SOPInstanceUID, "1.3.12.2.1107.5.2.32.35119.20100114203013").good());
    QVERIFY(ds->putAndInsertString(DCM_AcquisitionTime, "203013.000000").good());
    QVERIFY(f->saveFile((in / "c.dcm").c_str()).good());
  }
  const auto out = m_scratch / "mosaic_out";
  fs::create_directories(out);
  run(m_dcm2niix, {"-z", "n", "-f", "dwi", "-o", q(out), q(in)});
  const auto nii = test::readNifti(out / "dwi.nii");
  const auto bval = test::readTable(out / "dwi.bval");
  const auto bvec = test::readTable(out / "dwi.bvec");
  QCOMPARE(nii.dim[3], std::size_t(3));
  QVERIFY(bval.size() == 1 && bval[0].size() == 3 && bvec.size() == 3);

  const auto& s = nii.srow;
  auto niftiToLps = [&](double i, double j, double k) {
    return core::rasToLps({s[0] * i + s[1] * j + s[2] * k + s[3], s[4] * i + s[5] * j + s[6] * k + s[7],
                           s[8] * i + s[9] * j + s[10] * k + s[11]});
  };
  core::Vec3 axes[3];
  for (int a = 0; a < 3; ++a) axes[a] = core::normalized(core::rasToLps({s[a], s[4 + a], s[8 + a]}));
  const double det = core::Mat3::fromColumns({s[0], s[4], s[8]}, {s[1], s[5], s[9]}, {s[2], s[6], s[10]}).determinant();

  const fs::path files[3] = {in / "a.dcm", in / "b.dcm", in / "c.dcm"};
  double worstPosition = 0, worstBvec = 0;
  for (std::size_t v = 0; v < 3; ++v) {
    auto f = load(files[v]);
    auto* ds = f->getDataset();
    const auto rows = getUShort(*ds, DCM_Rows).value_or(0), cols = getUShort(*ds, DCM_Columns).value_or(0);
    const auto m = readMosaic(*ds, rows, cols);
    QVERIFY(m);
    QCOMPARE(m->tileCount, std::size_t(48));
    QCOMPARE(m->tilesPerRow, std::size_t(7));
    QCOMPARE(m->tileRows, nii.dim[1]);
    QCOMPARE(m->tileColumns, nii.dim[0]);
    QCOMPARE(m->sliceSpacing, 3.0);
    QVERIFY(m->normalFromCsa);

    const auto iop = numbers(*ds, DCM_ImageOrientationPatient, 6);
    const auto ipp = numbers(*ds, DCM_ImagePositionPatient, 3);
    const auto ps = numbers(*ds, DCM_PixelSpacing, 2);
    QVERIFY(iop.size() == 6 && ipp.size() == 3 && ps.size() == 2);
    const core::Vec3 row{iop[0], iop[1], iop[2]}, col{iop[3], iop[4], iop[5]};

    // Geometry: our tile pixel (c, r) of tile k is dcm2niix's voxel (c, tileRows-1-r, k)
    // (dcm2niix stores rows bottom-up).
    for (std::size_t k = 0; k < m->tileCount; ++k) {
      const core::Vec3 p = mosaicTilePosition(*m, {ipp[0], ipp[1], ipp[2]}, row, col, ps[0], ps[1], k);
      const double lastR = double(m->tileRows - 1), lastC = double(m->tileColumns - 1);
      const core::Vec3 ours[2] = {p, p + row * (ps[1] * lastC) + col * (ps[0] * lastR)};
      const core::Vec3 theirs[2] = {niftiToLps(0, lastR, double(k)), niftiToLps(lastC, 0, double(k))};
      for (int c = 0; c < 2; ++c) {
        const double err = core::norm(ours[c] - theirs[c]);
        worstPosition = std::max(worstPosition, err);
        QVERIFY2(err < 0.01, qPrintable(QString("volume %1 tile %2: %3 vs dcm2niix %4")
                                            .arg(v)
                                            .arg(k)
                                            .arg(str(ours[c]), str(theirs[c]))));
      }
    }

    // Pixels: every tile equals dcm2niix's slice.
    const Uint16* pixels = nullptr;
    QVERIFY(ds->findAndGetUint16Array(DCM_PixelData, pixels).good() && pixels);
    std::vector<std::uint16_t> tile(m->tileRows * m->tileColumns);
    std::size_t mismatches = 0;
    for (std::size_t k = 0; k < m->tileCount; ++k) {
      extractMosaicTile(*m, reinterpret_cast<const std::uint8_t*>(pixels), cols, 2, k,
                        reinterpret_cast<std::uint8_t*>(tile.data()));
      for (std::size_t r = 0; r < m->tileRows; ++r)
        for (std::size_t c = 0; c < m->tileColumns; ++c)
          if (double(tile[r * m->tileColumns + c]) != nii.at(c, m->tileRows - 1 - r, k, v)) ++mismatches;
    }
    QCOMPARE(mismatches, std::size_t(0));

    // Diffusion: b-value and the gradient in dcm2niix's FSL frame.
    const auto d = readDiffusion(*ds, getStringOr(*ds, DCM_Manufacturer), row, col);
    QVERIFY(d.bValue);
    QCOMPARE(*d.bValue, bval[0][v]);
    QCOMPARE(d.source, std::string("Siemens CSA"));
    const core::Vec3 expected{bvec[0][v], bvec[1][v], bvec[2][v]};
    const core::Vec3 got = d.gradientLps ? fslBvec(*d.gradientLps, axes, det) : core::Vec3{};
    const double err = core::norm(got - expected);
    worstBvec = std::max(worstBvec, err);
    QVERIFY2(err < 1e-3, qPrintable(QString("volume %1: bvec %2, dcm2niix %3").arg(v).arg(str(got), str(expected))));
    QCOMPARE(d.gradientLps.has_value(), *d.bValue > 0);
  }
  qInfo("mosaic vs dcm2niix: worst tile corner %.2g mm, worst bvec %.2g", worstPosition, worstBvec);
}

void VendorRealDataTest::siemensPrivateFallback() {
  // Without its CSA header, the same b-value and gradient from (0019,xx0C)/(0019,xx0E).
  auto f = load(m_b1000);
  auto* ds = f->getDataset();
  const core::Vec3 row{1, 0, 0}, col{0, 0.999986, -0.005236};
  const auto withCsa = readDiffusion(*ds, "SIEMENS", row, col);
  DcmElement* csa = findPrivate(*ds, 0x0029, "SIEMENS CSA HEADER", 0x10);
  QVERIFY(csa);
  delete ds->remove(csa);
  QVERIFY(!readCsa(*ds, CsaKind::Image));
  const auto without = readDiffusion(*ds, "SIEMENS", row, col);
  QCOMPARE(without.source, std::string("Siemens"));
  QCOMPARE(without.bValue.value_or(-1), withCsa.bValue.value_or(-2));
  QVERIFY(without.gradientLps && withCsa.gradientLps);
  QVERIFY(core::norm(*without.gradientLps - *withCsa.gradientLps) < 1e-6);
  // The mosaic count from (0019,xx0A) (raw US), the normal from the orientation.
  const auto m = readMosaic(*ds, 896, 896);
  QVERIFY(m && m->tileCount == 48 && !m->normalFromCsa);
}

void VendorRealDataTest::xa30EnhancedDiffusion() {
  const auto dir = m_scratch / "xa30";
  fs::create_directories(dir);
  run("tar", {"xJf", q(m_xa30 / "xa30_enhanced_dicom.tar.xz"), "-C", q(dir), "10_DWI_dir80_PA", "11_DWI_dir80_PA",
              "12_DWI_dir80_PA", "16_DWI_dir80_PA"});
  run("tar", {"xJf", q(m_xa30 / "dcm2niix_ref.tar.xz"), "-C", q(dir), "10_DWI_dir80_PA.bval", "10_DWI_dir80_PA.bvec"});
  const auto bval = test::readTable(dir / "10_DWI_dir80_PA.bval");
  const auto bvec = test::readTable(dir / "10_DWI_dir80_PA.bvec");
  QVERIFY(bval.size() == 1 && bvec.size() == 3);

  // Every per-frame group of every file; one file per volume, in file-name order as dcm2niix.
  auto framesOf = [&](const fs::path& file, std::vector<Diffusion>& out, core::Vec3& row, core::Vec3& col) {
    auto f = load(file);
    DcmSequenceOfItems* perFrame = nullptr;
    if (f->getDataset()->findAndGetSequence(DCM_PerFrameFunctionalGroupsSequence, perFrame).bad() || !perFrame)
      throw std::runtime_error("no per-frame groups in " + file.string());
    for (unsigned long i = 0; i < perFrame->card(); ++i) out.push_back(readDiffusionFromFunctionalGroup(*perFrame->getItem(i)));
    DcmItem* shared = nullptr;
    DcmItem* orient = nullptr;
    if (f->getDataset()->findAndGetSequenceItem(DCM_SharedFunctionalGroupsSequence, shared, 0).good() &&
        shared->findAndGetSequenceItem(DCM_PlaneOrientationSequence, orient, 0).good()) {
      const auto iop = numbers(*orient, DCM_ImageOrientationPatient, 6);
      if (iop.size() == 6) row = {iop[0], iop[1], iop[2]}, col = {iop[3], iop[4], iop[5]};
    }
  };
  std::vector<fs::path> files;
  for (const auto& e : fs::directory_iterator(dir / "10_DWI_dir80_PA")) files.push_back(e.path());
  std::sort(files.begin(), files.end());
  QCOMPARE(files.size(), bval[0].size());
  double worst = 0;
  for (std::size_t v = 0; v < files.size(); ++v) {
    std::vector<Diffusion> frames;
    core::Vec3 row{1, 0, 0}, col{0, 1, 0};
    framesOf(files[v], frames, row, col);
    QVERIFY(!frames.empty());
    // dcm2niix's NIfTI axes for these axial frames: row, -column, normal (rows bottom-up,
    // slices along the normal), determinant negative: no FSL flip.
    const core::Vec3 axes[3] = {row, -col, core::cross(row, col)};
    for (const auto& d : frames) {
      QVERIFY(d.bValue);
      QCOMPARE(*d.bValue, bval[0][v]);
      QCOMPARE(d.source, std::string("standard"));
      QVERIFY(!d.isotropic);
      const core::Vec3 got = d.gradientLps ? fslBvec(*d.gradientLps, axes, -1) : core::Vec3{};
      const core::Vec3 expected{bvec[0][v], bvec[1][v], bvec[2][v]};
      worst = std::max(worst, core::norm(got - expected));
      QVERIFY2(core::norm(got - expected) < 1e-3,
               qPrintable(QString("volume %1: %2 vs dcm2niix %3").arg(v).arg(str(got), str(expected))));
    }
  }
  qInfo("XA30 enhanced DWI: %zu volumes, worst bvec difference %.2g", files.size(), worst);

  auto firstFileOf = [&](const char* series) {
    std::vector<fs::path> v;
    for (const auto& e : fs::directory_iterator(dir / series)) v.push_back(e.path());
    std::sort(v.begin(), v.end());
    return v.at(0);
  };
  core::Vec3 row, col;
  std::vector<Diffusion> adc, trace, b0;
  framesOf(firstFileOf("11_DWI_dir80_PA"), adc, row, col);    // ADC: ISOTROPIC, no b-value
  framesOf(firstFileOf("12_DWI_dir80_PA"), trace, row, col);  // TRACEW: ISOTROPIC, b 2500
  framesOf(firstFileOf("16_DWI_dir80_PA"), b0, row, col);     // TENSOR_B0: NONE, b 0
  for (const auto& d : adc) QVERIFY(d.isotropic && !d.gradientLps && !d.bValue);
  for (const auto& d : trace) QVERIFY(d.isotropic && !d.gradientLps && d.bValue == 2500.0);
  for (const auto& d : b0) QVERIFY(!d.isotropic && !d.gradientLps && d.bValue == 0.0);
}

QTEST_GUILESS_MAIN(VendorRealDataTest)
#include "VendorRealDataTest.moc"
