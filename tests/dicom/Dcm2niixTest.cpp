// dcm2niix (the reference DICOM-to-NIfTI converter) reads our series as we meant them: every
// NIfTI voxel maps through its sform to the same LPS point and value as in the volume we
// wrote, DWI b-values and gradient vectors come out in FSL's convention, BOLD volumes keep
// their order and TR.
#include <QJsonDocument>
#include <QJsonObject>
#include <QtTest>

#include "DicomTestUtil.h"
#include "ExternalTools.h"
#include "TestData.h"

using namespace fw;

namespace {

struct Converted {
  test::Nifti nifti;
  std::filesystem::path base;  // out folder / "out"
  QString log;
};

// Voxel (i,j,k) of a NIfTI -> LPS mm.
core::Vec3 niftiToLps(const test::Nifti& n, double i, double j, double k) {
  const core::Vec3 ras{n.srow[0] * i + n.srow[1] * j + n.srow[2] * k + n.srow[3],
                       n.srow[4] * i + n.srow[5] * j + n.srow[6] * k + n.srow[7],
                       n.srow[8] * i + n.srow[9] * j + n.srow[10] * k + n.srow[11]};
  return core::rasToLps(ras);
}

}  // namespace

class Dcm2niixTest : public QObject {
  Q_OBJECT
 private slots:
  void initTestCase() { m_tool = test::requireTool("dcm2niix"); }
  void ctGeometryAndValues();
  void mrFloatValues();
  void dwiBvalBvec();
  void boldOrderAndTr();

 private:
  Converted convert(const test::WrittenSeries& w, const std::string& name);
  // Every NIfTI voxel centre lies on a voxel centre of the written grid (1e-3 voxel) and has
  // the written value (within tolerance), volume by volume.
  void compareVoxels(const Converted& c, const test::WrittenSeries& w, double tolerance);
  QString m_tool;
};

Converted Dcm2niixTest::convert(const test::WrittenSeries& w, const std::string& name) {
  const auto out = test::scratchDir("dcm2niix_out_" + name);
  const auto r = test::runTool(m_tool, {"-z", "n", "-b", "y", "-o", QString::fromStdString(out.string()), "-f", "out",
                                        QString::fromStdString(w.folder.string())});
  Converted c;
  c.log = r.output;
  c.base = out / "out";
  if (r.exitCode != 0 || !std::filesystem::exists(out / "out.nii"))
    throw std::runtime_error("dcm2niix failed:\n" + r.output.toStdString());
  c.nifti = test::readNifti(out / "out.nii");
  return c;
}

void Dcm2niixTest::compareVoxels(const Converted& c, const test::WrittenSeries& w, double tolerance) {
  const auto& n = c.nifti;
  const auto& g = w.volumes.front()->geometry();
  QCOMPARE(n.dim[0] * n.dim[1] * n.dim[2], g.voxelCount());
  QCOMPARE(n.dim[3], w.volumes.size());
  QVERIFY(n.sformCode > 0);
  double worstIndex = 0, worstValue = 0;
  for (std::size_t t = 0; t < n.dim[3]; ++t)
    for (std::size_t k = 0; k < n.dim[2]; ++k)
      for (std::size_t j = 0; j < n.dim[1]; ++j)
        for (std::size_t i = 0; i < n.dim[0]; ++i) {
          const core::Vec3 idx = g.worldToIndex(niftiToLps(n, double(i), double(j), double(k)));
          std::size_t v[3];
          for (int a = 0; a < 3; ++a) {
            const double r = std::round(idx[a]);
            worstIndex = std::max(worstIndex, std::abs(idx[a] - r));
            QVERIFY2(r >= 0 && r < double(g.size()[a]), "NIfTI voxel outside the written grid");
            v[a] = static_cast<std::size_t>(r);
          }
          worstValue = std::max(worstValue, std::abs(n.at(i, j, k, t) - w.volumes[t]->valueAt(v[0], v[1], v[2])));
        }
  QVERIFY2(worstIndex < 1e-3, qPrintable(QString("voxel centres differ by %1 voxel").arg(worstIndex)));
  QVERIFY2(worstValue <= tolerance, qPrintable(QString("values differ by %1").arg(worstValue)));
}

void Dcm2niixTest::ctGeometryAndValues() {
  const auto w = test::writeCtSeries(test::scratchDir("dcm2niix_ct") / "ct");
  const auto c = convert(w, "ct");
  compareVoxels(c, w, 0.0);
  // The NIfTI affine is ours up to dcm2niix's row flip: same spacing and axis directions.
  const auto ras = core::rasAffine(w.volumes.front()->geometry());
  for (int col = 0; col < 3; ++col) {
    const core::Vec3 a{c.nifti.srow[col], c.nifti.srow[4 + col], c.nifti.srow[8 + col]};
    const core::Vec3 b{ras[col], ras[4 + col], ras[8 + col]};
    QVERIFY2(core::norm(a - b) < 1e-4 || core::norm(a + b) < 1e-4,
             qPrintable(QString("axis %1: %2 vs %3").arg(col).arg(core::toString(a, 5).c_str(), core::toString(b, 5).c_str())));
  }
}

void Dcm2niixTest::mrFloatValues() {
  const auto w = test::writeMrSeries(test::scratchDir("dcm2niix_mr") / "mr");
  const auto c = convert(w, "mr");
  const auto [lo, hi] = w.volumes.front()->valueRange();
  // Half a 16-bit step, plus NIfTI's float32 scl_slope/scl_inter.
  compareVoxels(c, w, 0.5 * (hi - lo) / 65535.0 * 1.01 + 1e-3);
}

void Dcm2niixTest::dwiBvalBvec() {
  const auto w = test::writeDwiSeries(test::scratchDir("dcm2niix_dwi") / "dwi");
  const auto c = convert(w, "dwi");
  compareVoxels(c, w, 0.0);

  const auto bval = test::readTable(c.base.string() + ".bval");
  const auto bvec = test::readTable(c.base.string() + ".bvec");
  QVERIFY2(bval.size() == 1 && bvec.size() == 3, qPrintable("no .bval/.bvec from dcm2niix:\n" + c.log));
  QCOMPARE(bval[0].size(), w.frames.size());
  for (const auto& row : bvec) QCOMPARE(row.size(), w.frames.size());

  // FSL convention: components along the NIfTI voxel axes, x negated when the affine's
  // determinant is positive (radiological storage).
  const auto& s = c.nifti.srow;
  core::Vec3 axes[3];
  for (int a = 0; a < 3; ++a) axes[a] = core::normalized(core::rasToLps({s[a], s[4 + a], s[8 + a]}));
  const double det = core::Mat3::fromColumns({s[0], s[4], s[8]}, {s[1], s[5], s[9]}, {s[2], s[6], s[10]}).determinant();
  for (std::size_t v = 0; v < w.frames.size(); ++v) {
    const auto& f = w.frames[v];
    QCOMPARE(bval[0][v], *f.bValue);
    core::Vec3 expected{0, 0, 0};
    if (f.gradientLps && *f.bValue > 0) {
      for (int a = 0; a < 3; ++a) expected[a] = core::dot(*f.gradientLps, axes[a]);
      if (det > 0) expected.x = -expected.x;
    }
    const core::Vec3 got{bvec[0][v], bvec[1][v], bvec[2][v]};
    QVERIFY2(core::norm(got - expected) < 1e-4,
             qPrintable(QString("volume %1: bvec %2, expected %3")
                            .arg(v)
                            .arg(core::toString(got, 5).c_str(), core::toString(expected, 5).c_str())));
  }
}

void Dcm2niixTest::boldOrderAndTr() {
  const auto w = test::writeBoldSeries(test::scratchDir("dcm2niix_bold") / "bold");
  const auto c = convert(w, "bold");
  compareVoxels(c, w, 0.0);
  QFile json(QString::fromStdString(c.base.string() + ".json"));
  QVERIFY(json.open(QIODevice::ReadOnly));
  const auto obj = QJsonDocument::fromJson(json.readAll()).object();
  QCOMPARE(obj.value("RepetitionTime").toDouble(), 2.0);
  QCOMPARE(obj.value("EchoTime").toDouble(), 0.03);
}

QTEST_GUILESS_MAIN(Dcm2niixTest)
#include "Dcm2niixTest.moc"
