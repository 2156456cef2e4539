// Our own NIfTI-1 writer (3D/4D, dcm2niix voxel order) and FSL gradient tables: headers parsed
// by hand (NiftiHeader.h), read back through ITK (readImageVolumes), atomic writes, refusals,
// and DWI NIfTI + .bval/.bvec read back into LPS gradients.
#include <QtTest>

#include <cmath>
#include <fstream>
#include <random>

#include "NiftiHeader.h"
#include "TestData.h"
#include "fw/core/Error.h"
#include "fw/core/Volume.h"
#include "fw/io/Diffusion.h"
#include "fw/io/ImageFile.h"
#include "fw/io/Nifti.h"

using namespace fw::core;
namespace fs = std::filesystem;
namespace io = fw::io;

namespace {

// Oblique, anisotropic, right-handed; values encode (i, j, k, volume).
const ImageGeometry kGrid({7, 6, 5}, {0.75, 1.25, 2.5}, {12.5, -30.25, 40.75}, Mat3::rotation({0.2, 1.0, 0.3}, 0.35));

template <class ImageT>
VolumePtr makeVolume(const ImageGeometry& g, int volume, double scale = 1.0) {
  auto img = allocateImage<ImageT>(g);
  const auto& n = g.size();
  for (std::size_t k = 0; k < n[2]; ++k)
    for (std::size_t j = 0; j < n[1]; ++j)
      for (std::size_t i = 0; i < n[0]; ++i)
        img->GetBufferPointer()[i + n[0] * (j + n[1] * k)] =
            static_cast<typename ImageT::PixelType>(scale * double(i + 10 * j + 100 * k + 1000 * volume) - 7);
  return std::make_shared<Volume>(img);
}

std::string readAll(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

std::size_t filesIn(const fs::path& dir) {
  std::size_t n = 0;
  for (const auto& e : fs::directory_iterator(dir)) n += e.is_regular_file() ? 1 : 0;
  return n;
}

void compareAffine(const std::array<double, 16>& a, const std::array<double, 16>& b, double tol) {
  for (int i = 0; i < 12; ++i)
    QVERIFY2(std::abs(a[i] - b[i]) < tol, qPrintable(QString("affine element %1: %2 vs %3").arg(i).arg(a[i]).arg(b[i])));
}

void compareGeometry(const ImageGeometry& a, const ImageGeometry& b, double tol) {
  QCOMPARE(a.size(), b.size());
  for (int i = 0; i < 3; ++i) {
    QVERIFY(std::abs(a.spacing()[i] - b.spacing()[i]) <= tol);
    QVERIFY(std::abs(a.origin()[i] - b.origin()[i]) <= tol);
    for (int j = 0; j < 3; ++j) QVERIFY(std::abs(a.direction()(i, j) - b.direction()(i, j)) <= tol);
  }
}

// Every voxel of `read` (in the file's grid) has the value of the source voxel at the same
// world position.
void compareByWorld(const Volume& read, const Volume& source) {
  const auto& g = read.geometry();
  const auto& n = g.size();
  for (std::size_t k = 0; k < n[2]; ++k)
    for (std::size_t j = 0; j < n[1]; ++j)
      for (std::size_t i = 0; i < n[0]; ++i) {
        const Vec3 idx = source.geometry().worldToIndex(g.indexToWorld({double(i), double(j), double(k)}));
        std::size_t v[3];
        for (int a = 0; a < 3; ++a) {
          QVERIFY(std::abs(idx[a] - std::round(idx[a])) < 1e-4);
          v[a] = static_cast<std::size_t>(std::lround(idx[a]));
        }
        QCOMPARE(read.valueAt(i, j, k), source.valueAt(v[0], v[1], v[2]));
      }
}

template <class F>
QString errorOf(F&& f) {
  try {
    f();
  } catch (const Error& e) {
    return QString::fromStdString(e.what());
  }
  return {};
}

}  // namespace

class NiftiWriterTest : public QObject {
  Q_OBJECT
 private slots:
  void dcm2niixGrid();
  void header3d_data();
  void header3d();
  void fourDWithTr();
  void nativeOrderRoundTrip();
  void mixedTypesBecomeFloat();
  void quaternionRoundTrip();
  void refusesAndLeavesNothing();
  void gradientTableConvention();
  void gradientTableFiles();
  void gradientTableErrors();
  void diffusionImageRoundTrip();
  void realDipyDwi();
};

void NiftiWriterTest::dcm2niixGrid() {
  const ImageGeometry f = io::niftiGrid(kGrid, true);
  // Same voxel centres, rows reversed: file (i, j', k) is volume (i, n1-1-j', k).
  for (std::size_t j = 0; j < 6; ++j) {
    const Vec3 a = f.indexToWorld({2, double(j), 3});
    const Vec3 b = kGrid.indexToWorld({2, double(5 - j), 3});
    QVERIFY(norm(a - b) < 1e-9);
  }
  // Slices already ascend along row x column: kept.
  QVERIFY(norm(f.direction().column(2) - kGrid.direction().column(2)) < 1e-12);
  // A grid whose slices descend is reversed along k too.
  const Mat3 d = kGrid.direction();
  const ImageGeometry down(kGrid.size(), kGrid.spacing(), kGrid.origin(),
                           Mat3::fromColumns(d.column(0), d.column(1), -d.column(2)));
  const ImageGeometry fd = io::niftiGrid(down, true);
  QVERIFY(dot(fd.direction().column(2), cross(d.column(0), d.column(1))) > 0.99);
  const Vec3 a = fd.indexToWorld({0, 0, 0}), b = down.indexToWorld({0, 5, 4});
  QVERIFY(norm(a - b) < 1e-9);
  // Not in dcm2niix order: unchanged.
  compareGeometry(io::niftiGrid(kGrid, false), kGrid, 0);
}

void NiftiWriterTest::header3d_data() {
  QTest::addColumn<int>("type");
  QTest::addColumn<QString>("name");
  QTest::newRow("int16 .nii") << 0 << "v.nii";
  QTest::newRow("uint16 .nii.gz") << 1 << "v.nii.gz";
  QTest::newRow("float32 .nii") << 2 << "v.nii";
}

void NiftiWriterTest::header3d() {
  QFETCH(int, type);
  QFETCH(QString, name);
  const auto dir = fw::test::scratchDir("nifti_header3d_" + std::to_string(type));
  const fs::path path = dir / name.toStdString();
  VolumePtr v = type == 0 ? makeVolume<ImageI16>(kGrid, 0) : type == 1 ? makeVolume<ImageU16>(kGrid, 1) : makeVolume<ImageF32>(kGrid, 0, 0.25);
  io::writeNifti({v}, path);
  const auto h = fw::test::parseNiftiHeader(path);
  QCOMPARE(h.dim[0], std::int16_t(3));
  QCOMPARE(h.dim[1], std::int16_t(7));
  QCOMPARE(h.dim[2], std::int16_t(6));
  QCOMPARE(h.dim[3], std::int16_t(5));
  const std::int16_t codes[3] = {4, 512, 16}, bits[3] = {16, 16, 32};
  QCOMPARE(h.datatype, codes[type]);
  QCOMPARE(h.bitpix, bits[type]);
  QCOMPARE(h.sformCode, std::int16_t(1));
  QCOMPARE(h.qformCode, std::int16_t(1));
  QCOMPARE(h.sclSlope, 1.0f);
  QCOMPARE(h.voxOffset, 352.0f);
  const std::string raw = fw::test::readFilePrefix(path, 348);
  QCOMPARE(int(static_cast<unsigned char>(raw[123])), 10);  // mm and s
  // sform and qform: RAS of the dcm2niix-order grid, to float precision.
  const auto expected = rasAffine(io::niftiGrid(kGrid, true));
  compareAffine(h.sform(), expected, 1e-4);
  compareAffine(h.qform(), expected, 1e-4);
  for (int a = 0; a < 3; ++a) QVERIFY(std::abs(h.pixdim[a + 1] - kGrid.spacing()[a]) < 1e-6);
  // Read back through ITK: the file's grid, the same voxel values at the same places.
  const auto read = io::readImageVolumes(path);
  QCOMPARE(read.size(), std::size_t(1));
  compareGeometry(read.front()->geometry(), io::niftiGrid(kGrid, true), 1e-4);
  QCOMPARE(read.front()->pixelType(), v->pixelType());
  compareByWorld(*read.front(), *v);
  // The 3D reader agrees.
  compareByWorld(*io::readImageFile(path), *v);
}

void NiftiWriterTest::fourDWithTr() {
  const auto dir = fw::test::scratchDir("nifti_4d");
  std::vector<VolumePtr> vols;
  for (int t = 0; t < 4; ++t) vols.push_back(makeVolume<ImageU16>(kGrid, t));
  io::NiftiWriteOptions o;
  o.repetitionTimeS = 2.5;
  o.description = "BOLD test";
  const fs::path path = dir / "bold.nii.gz";
  io::writeNifti(vols, path, o);
  const auto h = fw::test::parseNiftiHeader(path);
  QCOMPARE(h.dim[0], std::int16_t(4));
  QCOMPARE(h.dim[4], std::int16_t(4));
  QCOMPARE(h.pixdim[4], 2.5f);
  QCOMPARE(fw::test::readFilePrefix(path, 348).substr(148, 9), std::string("BOLD test"));
  const auto info = io::readImageInfo(path);
  QCOMPARE(info.dimensions, 4u);
  QCOMPARE(info.size[3], std::size_t(4));
  const auto read = io::readImageVolumes(path);
  QCOMPARE(read.size(), std::size_t(4));
  for (int t = 0; t < 4; ++t) compareByWorld(*read[t], *vols[t]);
}

void NiftiWriterTest::nativeOrderRoundTrip() {
  const auto dir = fw::test::scratchDir("nifti_native");
  const auto v = makeVolume<ImageI16>(kGrid, 2);
  io::NiftiWriteOptions o;
  o.dcm2niixLayout = false;
  io::writeNifti({v}, dir / "n.nii", o);
  const auto read = io::readImageFile(dir / "n.nii");
  compareGeometry(read->geometry(), kGrid, 1e-4);
  for (std::size_t i = 0; i < kGrid.voxelCount(); ++i)
    QCOMPARE(static_cast<const std::int16_t*>(read->rawData())[i], static_cast<const std::int16_t*>(v->rawData())[i]);
}

void NiftiWriterTest::mixedTypesBecomeFloat() {
  const auto dir = fw::test::scratchDir("nifti_mixed");
  const std::vector<VolumePtr> vols{makeVolume<ImageI16>(kGrid, 0), makeVolume<ImageF32>(kGrid, 1, 0.5)};
  io::writeNifti(vols, dir / "m.nii");
  QCOMPARE(fw::test::parseNiftiHeader(dir / "m.nii").datatype, std::int16_t(16));
  const auto read = io::readImageVolumes(dir / "m.nii");
  QCOMPARE(read.size(), std::size_t(2));
  compareByWorld(*read[0], *vols[0]);
  compareByWorld(*read[1], *vols[1]);
}

void NiftiWriterTest::quaternionRoundTrip() {
  std::mt19937 rng(7);
  std::uniform_real_distribution<double> u(-1, 1);
  for (int n = 0; n < 200; ++n) {
    Mat3 r = Mat3::rotation(normalized({u(rng), u(rng), u(rng)}), 3.2 * u(rng));
    const bool reflect = n % 2 == 1;
    if (reflect)
      for (int i = 0; i < 3; ++i) r(i, 2) = -r(i, 2);
    const auto q = io::niftiQuaternion(r);
    QCOMPARE(q.qfac, reflect ? -1.0 : 1.0);
    const Mat3 back = io::niftiQuaternionMatrix(q);
    for (int i = 0; i < 3; ++i)
      for (int j = 0; j < 3; ++j) QVERIFY2(std::abs(back(i, j) - r(i, j)) < 1e-9, qPrintable(QString("case %1").arg(n)));
  }
  // A sheared (tilted) matrix gives the nearest rotation, which is orthonormal.
  const Mat3 shear = Mat3::fromColumns({1, 0, 0}, {0, 1, 0}, normalized({0, 0.3, 1}));
  const Mat3 r = io::niftiQuaternionMatrix(io::niftiQuaternion(shear));
  const Mat3 rtr = r.transposed() * r;
  for (int i = 0; i < 3; ++i)
    for (int j = 0; j < 3; ++j) QVERIFY(std::abs(rtr(i, j) - (i == j ? 1.0 : 0.0)) < 1e-9);
}

void NiftiWriterTest::refusesAndLeavesNothing() {
  const auto dir = fw::test::scratchDir("nifti_refuse");
  const auto v = makeVolume<ImageI16>(kGrid, 0);
  const fs::path path = dir / "exists.nii";
  { std::ofstream(path) << "precious"; }
  QString e = errorOf([&] { io::writeNifti({v}, path); });
  QVERIFY2(e.contains("exists.nii") && e.contains("already exists"), qPrintable(e));
  QCOMPARE(readAll(path), std::string("precious"));
  io::NiftiWriteOptions o;
  o.overwrite = true;
  io::writeNifti({v}, path, o);
  QCOMPARE(fw::test::parseNiftiHeader(path).dim[1], std::int16_t(7));
  // Wrong names, missing folder, different grids: errors that name the file, nothing written.
  e = errorOf([&] { io::writeNifti({v}, dir / "v.nrrd"); });
  QVERIFY2(e.contains("v.nrrd") && e.contains(".nii"), qPrintable(e));
  e = errorOf([&] { io::writeNifti({v}, dir / "absent" / "v.nii"); });
  QVERIFY2(e.contains("does not exist"), qPrintable(e));
  const ImageGeometry other({7, 6, 4}, kGrid.spacing(), kGrid.origin(), kGrid.direction());
  e = errorOf([&] { io::writeNifti({v, makeVolume<ImageI16>(other, 1)}, dir / "two.nii"); });
  QVERIFY2(e.contains("two.nii") && e.contains("grid"), qPrintable(e));
  e = errorOf([&] { io::writeNifti({}, dir / "none.nii"); });
  QVERIFY2(e.contains("none.nii"), qPrintable(e));
  // Cancelled mid-way: no file, no temporary.
  struct CancelAt : ProgressSink {
    bool report(double f, std::string_view) override { return f < 0.4; }
  } cancel;
  std::vector<VolumePtr> many(4, v);
  bool cancelled = false;
  try {
    io::writeNifti(many, dir / "cancelled.nii.gz", {}, cancel);
  } catch (const Cancelled&) {
    cancelled = true;
  }
  QVERIFY(cancelled);
  QVERIFY(!fs::exists(dir / "cancelled.nii.gz"));
  QCOMPARE(filesIn(dir), std::size_t(1));  // exists.nii only
}

void NiftiWriterTest::gradientTableConvention() {
  // dcm2niix/FSL: components along the file's voxel axes, x negated when det > 0.
  const ImageGeometry f = io::niftiGrid(kGrid, true);
  const Vec3 g = normalized({0.3, -0.5, 0.8});
  const auto t = io::fslGradients({0, 1000, 1000}, {std::nullopt, g, std::nullopt}, f);
  QCOMPARE(t.bValues, (std::vector<double>{0, 1000, 1000}));
  QVERIFY((t.vectors[0]) == (Vec3{0, 0, 0}));
  QVERIFY((t.vectors[2]) == (Vec3{0, 0, 0}));  // b > 0 without a direction (trace): zeros
  const double det = f.direction().determinant();
  Vec3 expected{dot(g, f.direction().column(0)), dot(g, f.direction().column(1)), dot(g, f.direction().column(2))};
  if (det > 0) expected.x = -expected.x;
  QVERIFY(norm(t.vectors[1] - expected) < 1e-12);
  QVERIFY(det < 0);  // the dcm2niix grid of a right-handed volume is left-handed in LPS
  // Back to LPS, for both handednesses.
  auto back = io::gradientsLps(t, f);
  QVERIFY(norm(back[1] - g) < 1e-12);
  QVERIFY((back[0]) == (Vec3{0, 0, 0}));
  const auto t2 = io::fslGradients({1000}, {g}, kGrid);
  QVERIFY(std::abs(t2.vectors[0].x + dot(g, kGrid.direction().column(0))) < 1e-12);  // det > 0: x negated
  QVERIFY(norm(io::gradientsLps(t2, kGrid)[0] - g) < 1e-12);
  QVERIFY(!errorOf([] { io::fslGradients({0, 1}, {std::nullopt}, kGrid); }).isEmpty());
}

void NiftiWriterTest::gradientTableFiles() {
  const auto dir = fw::test::scratchDir("nifti_bvec");
  io::GradientTable t;
  t.bValues = {0, 1000, 2500};
  t.vectors = {{0, 0, 0}, normalized({1, 2, 3}), normalized({-0.3, 0.1, -0.9})};
  const fs::path nii = dir / "dwi.nii.gz";
  QCOMPARE(io::bvalPathFor(nii), dir / "dwi.bval");
  QCOMPARE(io::bvecPathFor(nii), dir / "dwi.bvec");
  io::writeGradientTable(t, io::bvalPathFor(nii), io::bvecPathFor(nii));
  QCOMPARE(readAll(dir / "dwi.bval"), std::string("0 1000 2500\n"));
  const auto r = io::readGradientTable(dir / "dwi.bval", dir / "dwi.bvec");
  QCOMPARE(r.bValues, t.bValues);
  for (int v = 0; v < 3; ++v) QVERIFY(norm(r.vectors[v] - t.vectors[v]) < 1e-7);
  // Existing files are kept unless overwriting is asked for.
  QString e = errorOf([&] { io::writeGradientTable(t, dir / "dwi.bval", dir / "dwi.bvec"); });
  QVERIFY2(e.contains("dwi.bval") && e.contains("already exists"), qPrintable(e));
  io::writeGradientTable(t, dir / "dwi.bval", dir / "dwi.bvec", true);
  QCOMPARE(filesIn(dir), std::size_t(2));
  // N rows of 3 is accepted too (N = 3 is read as FSL's 3 rows of N).
  { std::ofstream(dir / "t.bvec") << "0 0 0\n1 0 0\n0 0.6 0.8\n0 -1 0\n"; }
  { std::ofstream(dir / "t.bval") << "0\n1000\n1000\n1000\n"; }
  const auto tr = io::readGradientTable(dir / "t.bval", dir / "t.bvec");
  QCOMPARE(tr.vectors.size(), std::size_t(4));
  QVERIFY((tr.vectors[2]) == (Vec3{0, 0.6, 0.8}));
}

void NiftiWriterTest::gradientTableErrors() {
  const auto dir = fw::test::scratchDir("nifti_bvec_bad");
  { std::ofstream(dir / "a.bval") << "0 1000 1000\n"; }
  { std::ofstream(dir / "a.bvec") << "0 1 0\n0 0 1\n"; }
  QString e = errorOf([&] { io::readGradientTable(dir / "a.bval", dir / "a.bvec"); });
  QVERIFY2(e.contains("a.bvec") && e.contains("3 rows of 3"), qPrintable(e));
  { std::ofstream(dir / "b.bvec") << "0 1 x\n0 0 1\n0 0 0\n"; }
  e = errorOf([&] { io::readGradientTable(dir / "a.bval", dir / "b.bvec"); });
  QVERIFY2(e.contains("b.bvec") && e.contains("'x'"), qPrintable(e));
  { std::ofstream(dir / "c.bvec") << "0 2 0\n0 0 1\n0 0 0\n"; }
  e = errorOf([&] { io::readGradientTable(dir / "a.bval", dir / "c.bvec"); });
  QVERIFY2(e.contains("c.bvec") && e.contains("length"), qPrintable(e));
  e = errorOf([&] { io::readGradientTable(dir / "missing.bval", dir / "a.bvec"); });
  QVERIFY2(e.contains("missing.bval") && e.contains("not found"), qPrintable(e));
  // NaN directions: accepted (as zero) for b=0, an error for b > 0.
  { std::ofstream(dir / "nan.bvec") << "nan 1 nan\nnan 0 nan\nnan 0 nan\n"; }
  { std::ofstream(dir / "z.bval") << "0 1000 0\n"; }
  QVERIFY(io::readGradientTable(dir / "z.bval", dir / "nan.bvec").vectors[0] == (Vec3{0, 0, 0}));
  e = errorOf([&] { io::readGradientTable(dir / "a.bval", dir / "nan.bvec"); });
  QVERIFY2(e.contains("nan.bvec") && e.contains("NaN"), qPrintable(e));
  { std::ofstream(dir / "neg.bval") << "0 -5 10\n"; }
  e = errorOf([&] { io::readGradientTable(dir / "neg.bval", dir / "a.bvec"); });
  QVERIFY2(e.contains("neg.bval") && e.contains("negative"), qPrintable(e));
}

void NiftiWriterTest::diffusionImageRoundTrip() {
  const auto dir = fw::test::scratchDir("nifti_dwi");
  std::vector<VolumePtr> vols;
  std::vector<double> b{0, 1000, 1000, 2000};
  std::vector<std::optional<Vec3>> g{std::nullopt, Vec3{1, 0, 0}, normalized({0, 1, 1}), normalized({-1, 2, -3})};
  for (int t = 0; t < 4; ++t) vols.push_back(makeVolume<ImageU16>(kGrid, t));
  const fs::path path = dir / "dwi.nii.gz";
  io::writeNifti(vols, path);
  const auto grid = io::niftiGrid(kGrid, true);
  io::writeGradientTable(io::fslGradients(b, g, grid), io::bvalPathFor(path), io::bvecPathFor(path));
  const auto d = io::readDiffusionImage(path);
  QCOMPARE(d.volumes.size(), std::size_t(4));
  QCOMPARE(d.table.bValues, b);
  QVERIFY((d.gradients[0]) == (Vec3{0, 0, 0}));
  for (int t = 1; t < 4; ++t)
    QVERIFY2(norm(d.gradients[t] - *g[t]) < 1e-6, qPrintable(QString::fromStdString(toString(d.gradients[t], 6))));
  compareByWorld(*d.volumes[3], *vols[3]);
  // Counts that disagree, or a missing .bvec, are errors naming the files.
  io::writeGradientTable(io::fslGradients({0, 1000}, {std::nullopt, Vec3{1, 0, 0}}, grid), io::bvalPathFor(path),
                         io::bvecPathFor(path), true);
  QString e = errorOf([&] { io::readDiffusionImage(path); });
  QVERIFY2(e.contains("dwi.nii.gz") && e.contains("4 volumes") && e.contains("dwi.bval"), qPrintable(e));
  fs::remove(dir / "dwi.bvec");
  e = errorOf([&] { io::readDiffusionImage(path); });
  QVERIFY2(e.contains("dwi.bvec"), qPrintable(e));
}

void NiftiWriterTest::realDipyDwi() {
  // DIPY's small_64D: a real DWI patch with its FSL table (shared data, optional here).
  const fs::path path = fw::test::sharedData() / "unit_minis" / "small_64D.nii";
  if (!fs::exists(path)) QSKIP("shared data unit_minis not present");
  const auto d = io::readDiffusionImage(path);
  QCOMPARE(d.volumes.size(), std::size_t(65));
  QCOMPARE(d.volumes.front()->geometry().size(), (std::array<std::size_t, 3>{10, 10, 10}));
  QCOMPARE(d.table.bValues.size(), std::size_t(65));
  std::size_t zeros = 0;
  for (std::size_t v = 0; v < 65; ++v) {
    if (d.table.bValues[v] < 1) ++zeros;
    const double len = norm(d.gradients[v]);
    QVERIFY(len < 1e-6 || std::abs(len - 1) < 1e-3);
  }
  QVERIFY(zeros >= 1);
}

QTEST_GUILESS_MAIN(NiftiWriterTest)
#include "NiftiWriterTest.moc"
