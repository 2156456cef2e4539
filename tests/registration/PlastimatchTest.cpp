// A second, independent reader of our transform files (issue 4): plastimatch, with its own
// transform loader and warper, warps the moving image through the .tfm (and the .h5 chain with a
// displacement field) that we write, and the result must equal our own resampling on the fixed
// grid. Oblique grids with different spacings and origins, and a transform that is far from
// its own inverse, so a tool that read our files as moving -> fixed, or in RAS, would fail.
// Exits 77 (skipped) with a message when plastimatch is not installed.
#include <QtTest>

#include <QProcess>
#include <QStandardPaths>
#include <cmath>
#include <cstdio>
#include <vector>

#include "TestData.h"
#include "fw/io/ImageFile.h"
#include "fw/registration/Resample.h"
#include "fw/registration/Transform.h"
#include "fw/registration/TransformIO.h"

using namespace fw;
namespace fs = std::filesystem;

namespace {

// A smooth, asymmetric pattern in LPS world millimetres: two blobs and a ramp.
double pattern(const core::Vec3& p) {
  auto blob = [&](core::Vec3 c, double r) { return std::exp(-core::dot(p - c, p - c) / (2 * r * r)); };
  return 800 * blob({-4, 22, -12}, 7) + 500 * blob({8, 30, -4}, 5) + 2 * (p.x + 20) + (p.z + 30);
}

core::VolumePtr makeVolume(const core::ImageGeometry& g) {
  auto img = core::allocateImage<core::ImageF32>(g);
  float* px = img->GetBufferPointer();
  const auto& n = g.size();
  for (std::size_t k = 0; k < n[2]; ++k)
    for (std::size_t j = 0; j < n[1]; ++j)
      for (std::size_t i = 0; i < n[0]; ++i)
        *px++ = static_cast<float>(pattern(g.indexToWorld({double(i), double(j), double(k)})));
  return std::make_shared<core::Volume>(img, core::Modality::MR);
}

struct Comparison {
  std::size_t voxels = 0;    // fixed voxels compared (mapped well inside the moving grid)
  double maxDiff = 0;        // plastimatch vs ours
  double meanDiff = 0;
  double meanIdentity = 0;   // plastimatch vs ours with the identity: what the transform changes
  double meanInverse = 0;    // plastimatch vs ours with the inverse: a reader with the opposite convention
};

// The line of plastimatch's output that says why it failed.
QString plastimatchReason(const QString& log) {
  for (const QString& line : log.split('\n')) {
    const QString l = line.trimmed();
    if (l.startsWith("Description:") || l.startsWith("Sorry") || l.contains("rror")) return l;
  }
  return log.trimmed().right(300);
}

QString describe(const Comparison& c) {
  return QString("%1 voxels: max |plastimatch - ours| %2, mean %3; mean vs identity %4, vs inverse %5")
      .arg(c.voxels)
      .arg(c.maxDiff)
      .arg(c.meanDiff)
      .arg(c.meanIdentity)
      .arg(c.meanInverse);
}

}  // namespace

class PlastimatchTest : public QObject {
  Q_OBJECT
 private slots:
  void initTestCase();
  void rigidTfmWarpsAsOurs();  // and an affine
  void affineAndFieldChainH5WarpsAsOurs();

 private:
  // Runs plastimatch warp on moving.nii.gz with `xf`; false with the output in `log`.
  bool warp(const fs::path& xf, const fs::path& out, QString& log);
  Comparison compare(const fs::path& warped, const registration::Transform& t, const registration::Transform& inverse);

  QString m_plastimatch;
  fs::path m_dir;
  core::VolumePtr m_fixed, m_moving;
};

void PlastimatchTest::initTestCase() {
  m_plastimatch = QStandardPaths::findExecutable("plastimatch");
  QVERIFY(!m_plastimatch.isEmpty());  // main() skips before this when it is missing
  m_dir = fw::test::scratchDir("plastimatch");
  // Fixed: oblique (10 degrees about an oblique axis), anisotropic. Moving: another obliquity,
  // other spacing and origin, larger so that the transformed fixed grid stays mostly inside.
  m_fixed = makeVolume(core::ImageGeometry({36, 34, 26}, {1.2, 1.0, 1.5}, {-22.5, 6.25, -32},
                                           core::Mat3::rotation(core::normalized({1, 2, 3}), 0.17)));
  m_moving = makeVolume(core::ImageGeometry({52, 50, 40}, {1.1, 1.3, 1.25}, {-40, -8, -52},
                                            core::Mat3::rotation(core::normalized({-2, 1, 1}), 0.12)));
  io::writeImageFile(*m_fixed, m_dir / "fixed.nii.gz");
  io::writeImageFile(*m_moving, m_dir / "moving.nii.gz");
}

bool PlastimatchTest::warp(const fs::path& xf, const fs::path& out, QString& log) {
  QProcess p;
  p.setProcessChannelMode(QProcess::MergedChannels);
  p.start(m_plastimatch, {"warp", "--input", QString::fromStdString((m_dir / "moving.nii.gz").string()), "--xf",
                          QString::fromStdString(xf.string()), "--fixed",
                          QString::fromStdString((m_dir / "fixed.nii.gz").string()), "--output-img",
                          QString::fromStdString(out.string()), "--output-type", "float", "--interpolation",
                          "linear"});
  p.closeWriteChannel();  // after an error plastimatch waits for a key on stdin: give it EOF
  const bool finished = p.waitForFinished(300000);
  log = QString::fromLocal8Bit(p.readAll());
  if (!finished) {
    p.kill();
    log += "\n(plastimatch did not finish in 300 s)";
    return false;
  }
  return p.exitStatus() == QProcess::NormalExit && p.exitCode() == 0 && fs::exists(out);
}

Comparison PlastimatchTest::compare(const fs::path& warped, const registration::Transform& t,
                                    const registration::Transform& inverse) {
  const core::VolumePtr theirs = io::readImageFile(warped);
  const auto& g = m_fixed->geometry();
  const auto& tg = theirs->geometry();
  Comparison c;
  if (tg.size() != g.size() || core::norm(tg.origin() - g.origin()) > 1e-3) return c;
  const core::VolumePtr ours = registration::resample(*m_moving, g, t);
  const core::VolumePtr still = registration::resample(*m_moving, g, registration::Transform{});
  const core::VolumePtr reversed = registration::resample(*m_moving, g, inverse);
  const auto& mg = m_moving->geometry();
  const auto& n = g.size();
  double sum = 0, sumIdentity = 0, sumInverse = 0;
  for (std::size_t k = 0; k < n[2]; ++k)
    for (std::size_t j = 0; j < n[1]; ++j)
      for (std::size_t i = 0; i < n[0]; ++i) {
        // Only where every reading lands a voxel inside the moving grid: borders and outside
        // values are each tool's own choice.
        const core::Vec3 p = g.indexToWorld({double(i), double(j), double(k)});
        bool inside = true;
        for (const core::Vec3& q : {t.apply(p), p, inverse.apply(p)}) {
          const core::Vec3 idx = mg.worldToIndex(q);
          for (int a = 0; a < 3; ++a) inside = inside && idx[a] >= 1 && idx[a] <= double(mg.size()[a]) - 2;
        }
        if (!inside) continue;
        const double v = theirs->valueAt(i, j, k);
        const double d = std::abs(v - ours->valueAt(i, j, k));
        c.maxDiff = std::max(c.maxDiff, d);
        sum += d;
        sumIdentity += std::abs(v - still->valueAt(i, j, k));
        sumInverse += std::abs(v - reversed->valueAt(i, j, k));
        ++c.voxels;
      }
  if (c.voxels) {
    c.meanDiff = sum / c.voxels;
    c.meanIdentity = sumIdentity / c.voxels;
    c.meanInverse = sumInverse / c.voxels;
  }
  return c;
}

void PlastimatchTest::rigidTfmWarpsAsOurs() {
  // 6-9 degrees and 3-5 mm about a point off the centre: T and T^-1 differ by millimetres. Then
  // the same with scales and a shear (an affine result, 12 dof).
  const registration::Affine rigid = registration::Affine::rigid({6, -4, 9}, {4.5, -3, 3.5}, {-5, 20, -10});
  registration::Affine affine = rigid;
  affine.matrix = rigid.matrix * core::Mat3::fromColumns({1.06, 0.03, 0}, {0, 0.95, -0.04}, {0.02, 0, 1.03});
  for (const auto& [name, a] : {std::pair{"rigid", rigid}, std::pair{"affine", affine}}) {
    const registration::Transform t(a);
    const fs::path tfm = m_dir / (std::string(name) + ".tfm");
    const fs::path out = m_dir / (std::string("warped_") + name + ".nii.gz");
    registration::writeTransform(t, tfm);
    QString log;
    QVERIFY2(warp(tfm, out, log), qPrintable(log));
    const Comparison c = compare(out, t, registration::Transform(a.inverse()));
    std::printf("%s .tfm: %s\n", name, qPrintable(describe(c)));
    QVERIFY2(c.voxels > 5000, qPrintable(describe(c)));
    // Both are trilinear on the same samples: equal up to float rounding.
    QVERIFY2(c.maxDiff < 0.05, qPrintable(describe(c)));
    // The comparison can tell conventions apart: the identity and the inverse are far off.
    QVERIFY2(c.meanIdentity > 20 && c.meanInverse > 20, qPrintable(describe(c)));
  }
}

void PlastimatchTest::affineAndFieldChainH5WarpsAsOurs() {
  // A deformable result as our engine writes it: an affine stage, then a smooth displacement
  // field (up to 3 mm) on a grid in the fixed world.
  const registration::Affine a = registration::Affine::rigid({3, 5, -4}, {-2, 3.5, 2}, {0, 15, -15});
  const core::ImageGeometry fg({24, 24, 20}, {2.0, 2.0, 2.5}, {-30, -5, -40}, core::Mat3::identity());
  std::vector<float> xyz;
  xyz.reserve(fg.voxelCount() * 3);
  for (std::size_t k = 0; k < fg.size()[2]; ++k)
    for (std::size_t j = 0; j < fg.size()[1]; ++j)
      for (std::size_t i = 0; i < fg.size()[0]; ++i) {
        const core::Vec3 p = fg.indexToWorld({double(i), double(j), double(k)});
        xyz.push_back(static_cast<float>(3 * std::sin(p.y / 9)));
        xyz.push_back(static_cast<float>(2 * std::cos(p.z / 11)));
        xyz.push_back(static_cast<float>(1.5 * std::sin(p.x / 7)));
      }
  const registration::Transform t =
      registration::Transform(a).then(registration::Transform(std::make_shared<registration::DisplacementField>(fg, xyz)));
  // Our deformable results are an ITK composite transform, in .h5 (what we recommend) or .tfm.
  QStringList refusals;
  fs::path warped;
  for (const char* name : {"chain.h5", "chain.tfm"}) {
    const fs::path file = m_dir / name;
    registration::writeTransform(t, file);
    const fs::path out = m_dir / (std::string("warped_") + name + ".nii.gz");
    QString log;
    if (warp(file, out, log)) {
      warped = out;
      break;
    }
    refusals << QString("%1: %2").arg(name, plastimatchReason(log));
  }
  if (warped.empty()) {
    // Not a failure of ours (test_registration_transform reads both back through ITK), but no
    // second opinion either: say plainly what plastimatch does with the files.
    QSKIP(qPrintable("plastimatch reads no ITK composite transform (affine + displacement field): " +
                     refusals.join("; ")));
  }
  // The field has no closed-form inverse; the affine inverse alone stands in for "the opposite
  // convention" (it is still millimetres away).
  const Comparison c = compare(warped, t, registration::Transform(a.inverse()));
  std::printf("affine + field %s: %s\n", warped.filename().c_str(), qPrintable(describe(c)));
  QVERIFY2(c.voxels > 3000, qPrintable(describe(c)));
  QVERIFY2(c.maxDiff < 0.05, qPrintable(describe(c)));
  QVERIFY2(c.meanIdentity > 20 && c.meanInverse > 20, qPrintable(describe(c)));
}

int main(int argc, char** argv) {
  QCoreApplication app(argc, argv);
  if (QStandardPaths::findExecutable("plastimatch").isEmpty()) {
    std::fprintf(stderr,
                 "SKIP: plastimatch not found on PATH; it is the independent reader of our transform files "
                 "(Debian package plastimatch, installed by packaging/setup-debian.sh)\n");
    return 77;
  }
  PlastimatchTest test;
  return QTest::qExec(&test, argc, argv);
}

#include "PlastimatchTest.moc"
