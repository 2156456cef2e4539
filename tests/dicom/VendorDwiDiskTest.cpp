// GE and Philips DWI series on disk (issue 3): a 3-volume DWI series written by writeSeries has
// its standard diffusion attributes replaced by the vendor's private tags, the way the scanners
// write them, in Explicit VR (typed private elements) and Implicit VR (DCMTK then reads them as
// UN bytes); scan + loadSeries must give back the b-values and LPS gradients written, and
// `fusion-cli convert` a .bval/.bvec with them (FSL convention, through the NIfTI grid).
//   GE: (0043,1039) "GEMS_PARM_01" b-value (with the 1e9 offset of newer software) \8\0\0;
//       (0019,10BB/BC/BD) "GEMS_ACQU_01" gradient in GE's frame, which for an axial head-first
//       supine image with column phase encoding is (-x, -y, z) of LPS (dcm2niix's geCorrectBvecs,
//       see VendorTest::geDiffusion).
//   Philips: (2001,1003) "Philips Imaging DD 001" b-value (FL), (2001,1004) direction
//       ("O" oblique / "N" none); (2005,10B0/B1/B2) "Philips MR Imaging DD 001" gradient (FL),
//       read as LPS (as VendorTest::philipsDiffusion).
#include <QtTest>

#include <cmath>
#include <cstdio>

#include <dcmtk/config/osconfig.h>
#include <dcmtk/dcmdata/dcdatset.h>
#include <dcmtk/dcmdata/dcdeftag.h>
#include <dcmtk/dcmdata/dcfilefo.h>
#include <dcmtk/dcmdata/dcvrds.h>
#include <dcmtk/dcmdata/dcvrfl.h>
#include <dcmtk/dcmdata/dcvris.h>
#include <dcmtk/dcmdata/dcvrlo.h>
#include <dcmtk/dcmdata/dcvrcs.h>

#include "DicomTestUtil.h"
#include "ExternalTools.h"
#include "TestData.h"
#include "fw/dicom/Scan.h"
#include "fw/dicom/SeriesReader.h"
#include "fw/io/Diffusion.h"
#include "fw/io/Nifti.h"

using namespace fw;
namespace fs = std::filesystem;

namespace {

void putTyped(DcmItem& item, Uint16 g, Uint16 e, DcmEVR vr, const std::string& value) {
  const DcmTag tag(g, e, DcmVR(vr));
  DcmElement* el = nullptr;
  switch (vr) {
    case EVR_LO: el = new DcmLongString(tag); break;
    case EVR_CS: el = new DcmCodeString(tag); break;
    case EVR_DS: el = new DcmDecimalString(tag); break;
    case EVR_IS: el = new DcmIntegerString(tag); break;
    default: el = new DcmFloatingPointSingle(tag); break;
  }
  if (el->putString(value.c_str()).bad() || item.insert(el, true).bad())
    throw std::runtime_error("cannot put a private element");
}

std::string num(double v) {
  char b[32];
  std::snprintf(b, sizeof b, "%.6f", v);
  return b;
}

enum class Vendor { GE, Philips };

// Rewrites the files of a written DWI series with the vendor's private diffusion tags.
void toVendor(const std::vector<fs::path>& files, Vendor vendor, E_TransferSyntax syntax) {
  for (const auto& file : files) {
    DcmFileFormat ff;
    if (ff.loadFile(file.c_str()).bad()) throw std::runtime_error("cannot read " + file.string());
    DcmDataset& ds = *ff.getDataset();
    Float64 b = 0;
    ds.findAndGetFloat64(DCM_DiffusionBValue, b);
    core::Vec3 g;
    for (unsigned long i = 0; i < 3; ++i) {
      Float64 c = 0;
      if (ds.findAndGetFloat64(DCM_DiffusionGradientOrientation, c, i).good()) g[static_cast<int>(i)] = c;
    }
    for (const DcmTagKey& key : {DCM_DiffusionBValue, DCM_DiffusionGradientOrientation, DCM_DiffusionDirectionality})
      ds.findAndDeleteElement(key, true, true);
    if (vendor == Vendor::GE) {
      ds.putAndInsertString(DCM_Manufacturer, "GE MEDICAL SYSTEMS");
      ds.putAndInsertString(DCM_PatientPosition, "HFS");
      ds.putAndInsertString(DCM_InPlanePhaseEncodingDirection, "COL");
      putTyped(ds, 0x0019, 0x0010, EVR_LO, "GEMS_ACQU_01");
      putTyped(ds, 0x0043, 0x0010, EVR_LO, "GEMS_PARM_01");
      const core::Vec3 ge{-g.x, -g.y, g.z};  // axial HFS, COL phase encoding
      for (int i = 0; i < 3; ++i) putTyped(ds, 0x0019, static_cast<Uint16>(0x10BB + i), EVR_DS, num(ge[i]));
      putTyped(ds, 0x0043, 0x1039, EVR_IS, std::to_string(1000000000 + std::lround(b)) + "\\8\\0\\0");
    } else {
      ds.putAndInsertString(DCM_Manufacturer, "Philips Medical Systems");
      putTyped(ds, 0x2001, 0x0010, EVR_LO, "Philips Imaging DD 001");
      putTyped(ds, 0x2005, 0x0010, EVR_LO, "Philips MR Imaging DD 001");
      putTyped(ds, 0x2001, 0x1003, EVR_FL, num(b));
      putTyped(ds, 0x2001, 0x1004, EVR_CS, b > 0 ? "O" : "N");
      for (int i = 0; i < 3; ++i) putTyped(ds, 0x2005, static_cast<Uint16>(0x10B0 + i), EVR_FL, num(g[i]));
    }
    if (ff.saveFile(file.c_str(), syntax).bad()) throw std::runtime_error("cannot write " + file.string());
  }
}

const double kB[3] = {0, 1000, 1500};
const core::Vec3 kG[3] = {{0, 0, 0}, core::normalized({0.2, -0.5, 0.8}), core::normalized({-0.7, 0.1, 0.3})};

}  // namespace

class VendorDwiDiskTest : public QObject {
  Q_OBJECT
 private slots:
  void dwi_data();
  void dwi();
};

void VendorDwiDiskTest::dwi_data() {
  QTest::addColumn<int>("vendor");
  QTest::addColumn<bool>("implicitVr");
  QTest::newRow("GE explicit VR") << int(Vendor::GE) << false;
  QTest::newRow("GE implicit VR (UN)") << int(Vendor::GE) << true;
  QTest::newRow("Philips explicit VR") << int(Vendor::Philips) << false;
  QTest::newRow("Philips implicit VR (UN)") << int(Vendor::Philips) << true;
}

void VendorDwiDiskTest::dwi() {
  QFETCH(int, vendor);
  QFETCH(bool, implicitVr);
  const std::string tag = std::string(vendor == int(Vendor::GE) ? "ge" : "philips") + (implicitVr ? "-implicit" : "-explicit");
  const fs::path root = test::scratchDir("dicom_vendor_dwi_" + tag);
  // Axial, head first supine: the frame GE's convention above is stated for.
  const core::ImageGeometry grid({16, 12, 4}, {1.5, 1.5, 3}, {-12, -9, 20}, core::Mat3::identity());
  std::vector<core::VolumePtr> volumes;
  std::vector<dicom::FrameInfo> frames(3);
  for (int v = 0; v < 3; ++v) {
    volumes.push_back(test::makeDwiVolume(grid, v));
    frames[static_cast<std::size_t>(v)].bValue = kB[v];
    if (v > 0) frames[static_cast<std::size_t>(v)].gradientLps = kG[v];
  }
  dicom::SeriesWriteOptions o;
  o.modality = core::Modality::MR;
  o.identity = test::testIdentity("DWI " + tag, 9);
  o.scanningSequence = "EP";
  o.sequenceVariant = "SK\\SP";
  o.repetitionTimeMs = 3000;
  o.echoTimeMs = 80;
  const auto files = dicom::writeSeries(volumes, frames, o, root / "dicom", core::NullProgress::instance());
  toVendor(files, Vendor(vendor), implicitVr ? EXS_LittleEndianImplicit : EXS_LittleEndianExplicit);

  const auto scan = dicom::scan(root / "dicom", core::NullProgress::instance());
  QCOMPARE(scan.series.size(), std::size_t(1));
  const auto& entry = scan.series.front();
  QCOMPARE(int(entry.kind), int(dicom::SeriesKind::Diffusion));
  QCOMPARE(entry.volumeCount, std::size_t(3));
  const auto loaded = dicom::loadSeries(entry, core::NullProgress::instance());
  QCOMPARE(loaded.meta.size(), std::size_t(3));
  for (std::size_t v = 0; v < 3; ++v) {
    const auto& m = loaded.meta[v];
    QVERIFY2(m.bValue && std::abs(*m.bValue - kB[v]) < 1e-3,
             qPrintable(QString("volume %1: b %2, written %3").arg(v).arg(m.bValue.value_or(-1)).arg(kB[v])));
    if (v == 0) {
      QVERIFY(!m.gradient);
    } else {
      QVERIFY2(m.gradient && core::norm(*m.gradient - kG[v]) < 1e-5,
               qPrintable(QString("volume %1: gradient %2, written %3")
                              .arg(v)
                              .arg(QString::fromStdString(m.gradient ? core::toString(*m.gradient, 5) : "none"))
                              .arg(QString::fromStdString(core::toString(kG[v], 5)))));
    }
  }

  // fusion-cli convert: .bval equal, .bvec the written gradients in the NIfTI grid (read back
  // with io::gradientsLps, whose FSL convention test_dicom_dcm2niix_equivalence checks against
  // dcm2niix's .bvec).
  const fs::path nii = root / "dwi.nii";
  const auto r = test::runTool(FW_FUSION_CLI, {"convert", QString::fromStdString((root / "dicom").string()), "-o",
                                               QString::fromStdString(nii.string())});
  QVERIFY2(r.exitCode == 0, qPrintable(r.output));
  const auto table = io::readGradientTable(io::bvalPathFor(nii), io::bvecPathFor(nii));
  QCOMPARE(table.bValues.size(), std::size_t(3));
  const auto lps = io::gradientsLps(table, io::niftiGrid(loaded.volumes.front()->geometry(), true));
  for (std::size_t v = 0; v < 3; ++v) {
    QVERIFY2(std::abs(table.bValues[v] - kB[v]) < 1e-3, qPrintable(QString("bval %1: %2").arg(v).arg(table.bValues[v])));
    QVERIFY2(core::norm(lps[v] - kG[v]) < 1e-4,
             qPrintable(QString("bvec %1 in LPS: %2, written %3")
                            .arg(v)
                            .arg(QString::fromStdString(core::toString(lps[v], 5)))
                            .arg(QString::fromStdString(core::toString(kG[v], 5)))));
  }
}

QTEST_GUILESS_MAIN(VendorDwiDiskTest)
#include "VendorDwiDiskTest.moc"
