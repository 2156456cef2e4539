// Transform math (compose, inverse, then(), displacement field interpolation), ITK transform
// files (round trips, the kinds we write, errors that name the file), and resampling against
// analytic values (a linear ramp through a rotation, the phantom CT through a voxel shift).
#include <QtTest>

#include <cstdio>
#include <fstream>
#include <sstream>

#include "TestData.h"
#include "fw/core/Error.h"
#include "fw/phantom/SampleStudy.h"
#include "fw/registration/Accuracy.h"
#include "fw/registration/Resample.h"
#include "fw/registration/TransformIO.h"

using namespace fw;
using namespace fw::registration;
using core::Vec3;

namespace {

bool near(const Vec3& a, const Vec3& b, double tol) { return core::norm(a - b) <= tol; }

// d(p) = (0.1 x, -0.05 y + 1, 0.02 z) on a 5x4x3 grid with 2 mm voxels, oblique direction.
std::shared_ptr<const DisplacementField> linearField() {
  const core::Mat3 dir = core::Mat3::rotation(core::normalized({1, 2, 3}), 0.3);
  core::ImageGeometry g({5, 4, 3}, {2, 2, 2}, {-3, 1, 2}, dir);
  std::vector<float> xyz(3 * g.voxelCount());
  for (std::size_t k = 0; k < 3; ++k)
    for (std::size_t j = 0; j < 4; ++j)
      for (std::size_t i = 0; i < 5; ++i) {
        const Vec3 p = g.indexToWorld({double(i), double(j), double(k)});
        const std::size_t v = 3 * (i + 5 * (j + 4 * k));
        xyz[v] = float(0.1 * p.x);
        xyz[v + 1] = float(-0.05 * p.y + 1);
        xyz[v + 2] = float(0.02 * p.z);
      }
  return std::make_shared<const DisplacementField>(g, xyz);
}

std::string slurp(const std::filesystem::path& p) {
  std::ifstream in(p);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

core::VolumePtr rampVolume(const core::ImageGeometry& g) {
  auto img = core::allocateImage<core::ImageF32>(g);
  float* d = img->GetBufferPointer();
  for (std::size_t k = 0; k < g.size()[2]; ++k)
    for (std::size_t j = 0; j < g.size()[1]; ++j)
      for (std::size_t i = 0; i < g.size()[0]; ++i) {
        const Vec3 p = g.indexToWorld({double(i), double(j), double(k)});
        d[i + g.size()[0] * (j + g.size()[1] * k)] = float(2.0 * p.x - 0.5 * p.y + 1.5 * p.z + 7);
      }
  auto v = std::make_shared<core::Volume>(img, core::Modality::MR);
  v->setName("ramp");
  return v;
}

}  // namespace

class TransformTest : public QObject {
  Q_OBJECT
 private slots:
  void affineInverseAndCompose() {
    const Affine a = Affine::rigid({10, -5, 20}, {3, -4, 5}, {10, 20, 30});
    const Affine b = Affine::rigid({-3, 7, 1}, {1, 2, 3});
    QVERIFY(a.isRigid());
    const Vec3 p{12.5, -7.25, 40};
    QVERIFY(near((a * a.inverse()).apply(p), p, 1e-9));
    QVERIFY(near((a * b).apply(p), a.apply(b.apply(p)), 1e-9));
    // Rotation about the centre keeps the centre fixed (before the translation).
    QVERIFY(near(a.apply({10, 20, 30}), Vec3{13, 16, 35}, 1e-9));
    Affine shear = Affine::identity();
    shear.matrix(0, 1) = 0.2;
    QVERIFY(!shear.isRigid());
    Affine singular = Affine::identity();
    singular.matrix(2, 2) = 0;
    QVERIFY_EXCEPTION_THROWN(singular.inverse(), core::Error);
  }

  void thenAppliesFirstThenNext() {
    const Transform t1(Affine::rigid({0, 0, 90}, {0, 0, 0}));
    const Transform t2(Affine::rigid({0, 0, 0}, {10, 0, 0}));
    const Vec3 p{1, 0, 0};
    // Rotate (1,0,0) by 90 degrees about z -> (0,1,0), then translate -> (10,1,0).
    QVERIFY(near(t1.then(t2).apply(p), Vec3{10, 1, 0}, 1e-9));
    QVERIFY(near(t2.then(t1).apply(p), Vec3{0, 11, 0}, 1e-9));
    QCOMPARE(t1.then(t2).stages().size(), std::size_t(1));  // adjacent affines merge
    const Transform chain = t1.then(Transform(linearField())).then(t2);
    QCOMPARE(chain.stages().size(), std::size_t(3));
    QVERIFY(!chain.asAffine());
    const Vec3 q{0.5, 2, 3};
    QVERIFY(near(chain.apply(q), t2.apply(linearField()->apply(t1.apply(q))), 1e-9));
    QVERIFY(Transform().isIdentity());
  }

  void displacementFieldInterpolation() {
    const auto f = linearField();
    // Trilinear interpolation of a linear function is exact inside the grid.
    const Vec3 inside = f->grid().indexToWorld({1.3, 2.6, 0.7});
    const Vec3 d = f->displacementAt(inside);
    QVERIFY(near(d, Vec3{0.1 * inside.x, -0.05 * inside.y + 1, 0.02 * inside.z}, 1e-5));
    // Outside: clamped to the nearest border voxel.
    const Vec3 border = f->grid().indexToWorld({4, 0, 2});
    const Vec3 beyond = f->grid().indexToWorld({9, -3, 5});
    QVERIFY(near(f->displacementAt(beyond), f->displacementAt(border), 1e-6));
    QVERIFY_EXCEPTION_THROWN(DisplacementField(f->grid(), std::vector<float>(5)), core::Error);
  }

  void affineFileRoundTrip() {
    const auto dir = test::scratchDir("transform_io_affine");
    Affine a = Affine::rigid({12, -8, 3}, {-20.5, 14.25, 3.125}, {1, 2, 3});
    a.matrix(0, 1) += 0.05;  // affine, not rigid
    for (const char* name : {"a.tfm", "a.txt", "a.h5", "a.mat"}) {
      const auto file = dir / name;
      writeTransform(Transform(a), file);
      const auto back = readTransform(file).asAffine();
      QVERIFY2(back, name);
      for (int r = 0; r < 3; ++r) {
        for (int c = 0; c < 3; ++c) QVERIFY(std::abs(back->matrix(r, c) - a.matrix(r, c)) < 1e-12);
        QVERIFY(std::abs(back->translation[r] - a.translation[r]) < 1e-10);
      }
    }
    // What other tools read: an ITK text file with an AffineTransform_double_3_3.
    const std::string text = slurp(dir / "a.tfm");
    QVERIFY2(text.find("#Insight Transform File V1.0") != std::string::npos, text.c_str());
    QVERIFY(text.find("Transform: AffineTransform_double_3_3") != std::string::npos);
    // No temporary files left beside the outputs.
    int files = 0;
    for (const auto& e : std::filesystem::directory_iterator(dir)) {
      QVERIFY2(e.path().filename().string()[0] != '.', e.path().c_str());
      ++files;
    }
    QCOMPARE(files, 4);
    // Identity round trips too.
    writeTransform(Transform(), dir / "id.tfm");
    QVERIFY(readTransform(dir / "id.tfm").asAffine()->isRigid(1e-12));
  }

  void chainWithFieldRoundTrip() {
    const auto dir = test::scratchDir("transform_io_chain");
    const Transform chain = Transform(Affine::rigid({5, 0, -3}, {1, 2, 3}))
                                .then(Transform(linearField()))
                                .then(Transform(Affine::rigid({0, 10, 0}, {-4, 0, 2})));
    for (const char* name : {"chain.h5", "chain.tfm"}) {
      writeTransform(chain, dir / name);
      const Transform back = readTransform(dir / name);
      QCOMPARE(back.stages().size(), std::size_t(3));
      for (const Vec3& p : {Vec3{0, 0, 0}, Vec3{2, 3, 4}, Vec3{-10, 5, 20}, Vec3{100, -50, 3}})
        QVERIFY2(near(back.apply(p), chain.apply(p), 1e-4), name);
    }
    const std::string text = slurp(dir / "chain.tfm");
    QVERIFY(text.find("CompositeTransform_double_3_3") != std::string::npos);
    QVERIFY(text.find("DisplacementFieldTransform_double_3_3") != std::string::npos);
    // ITK order: the composite's first listed transform is applied last (our last stage).
    const auto first = text.find("AffineTransform_double_3_3");
    const auto field = text.find("DisplacementFieldTransform_double_3_3");
    QVERIFY(first != std::string::npos && first < field);
  }

  void badTransformFilesNameTheFile() {
    const auto dir = test::scratchDir("transform_io_bad");
    auto expectError = [](const std::filesystem::path& file, const char* words) {
      try {
        readTransform(file);
        QFAIL(qPrintable(QString("no error for ") + file.c_str()));
      } catch (const core::Error& e) {
        const std::string what = e.what();
        QVERIFY2(what.find(file.string()) != std::string::npos, what.c_str());
        QVERIFY2(what.find(words) != std::string::npos, what.c_str());
      }
    };
    expectError(dir / "missing.tfm", "does not exist");
    { std::ofstream(dir / "empty.tfm"); }
    expectError(dir / "empty.tfm", "empty");
    { std::ofstream(dir / "junk.tfm") << "#Insight Transform File V1.0\nTransform: Nonsense\n"; }
    expectError(dir / "junk.tfm", "not a readable ITK transform file");
    { std::ofstream(dir / "cut.tfm") << "#Insight Transform File V1.0\n#Transform 0\nTransform: "
                                        "AffineTransform_double_3_3\nParameters: 1 0 0\n"; }
    expectError(dir / "cut.tfm", "transform file");
    { std::ofstream(dir / "x.nii") << "not a transform"; }
    expectError(dir / "x.nii", "unknown transform file type");
    QVERIFY_EXCEPTION_THROWN(writeTransform(Transform(), dir / "nofolder" / "a.tfm"), core::Error);
    QVERIFY(!std::filesystem::exists(dir / "nofolder"));
  }

  void resampleRampThroughRotation() {
    const core::ImageGeometry mg({40, 36, 30}, {1.0, 1.2, 1.5}, {-20, -18, -20},
                                 core::Mat3::rotation(core::normalized({0.2, 1, 0.1}), 0.2));
    const core::VolumePtr ramp = rampVolume(mg);
    const core::ImageGeometry grid({30, 30, 20}, {0.9, 0.9, 1.1}, {-30, -12, -20},
                                   core::Mat3::identity());
    const Affine a = Affine::rigid({4, -6, 9}, {1.5, -2, 0.5}, {0, 0, 0});
    const auto out = resample(*ramp, grid, Transform(a), Interpolation::Linear, -1000.0);
    QCOMPARE(out->geometry().size(), grid.size());
    QCOMPARE(out->pixelType(), core::PixelType::Float32);
    std::size_t checked = 0, outside = 0;
    for (std::size_t k = 0; k < 20; ++k)
      for (std::size_t j = 0; j < 30; ++j)
        for (std::size_t i = 0; i < 30; ++i) {
          const Vec3 q = a.apply(grid.indexToWorld({double(i), double(j), double(k)}));
          const Vec3 c = mg.worldToIndex(q);
          const double v = out->valueAt(i, j, k);
          if (c.x < 0 || c.y < 0 || c.z < 0 || c.x > 39 || c.y > 35 || c.z > 29) {
            QCOMPARE(v, -1000.0);
            ++outside;
            continue;
          }
          const double expect = 2.0 * q.x - 0.5 * q.y + 1.5 * q.z + 7;
          QVERIFY2(std::abs(v - expect) < 1e-3, qPrintable(QString("%1 vs %2").arg(v).arg(expect)));
          ++checked;
        }
    QVERIFY(checked > 10000);
    QVERIFY(outside > 100);
    // The same through a displacement-field chain (the general path) agrees with apply().
    const Transform chain = Transform(a).then(Transform(linearField()));
    const auto out2 = resample(*ramp, grid, chain, Interpolation::Linear, -1000.0);
    const Vec3 q = chain.apply(grid.indexToWorld({15, 15, 10}));
    QVERIFY(std::abs(out2->valueAt(15, 15, 10) - (2.0 * q.x - 0.5 * q.y + 1.5 * q.z + 7)) < 1e-3);
  }

  void resamplePhantomCtByWholeVoxels() {
    const core::VolumePtr ct = phantom::makeCt();
    const auto& g = ct->geometry();
    // Shift by exactly (3, -2, 1) voxels along the grid axes: nearest and linear both give the
    // CT's own voxel values, and int16 HU stays int16 with name and modality.
    const Vec3 shift = g.indexToWorld({3, -2, 1}) - g.indexToWorld({0, 0, 0});
    Affine a;
    a.translation = shift;
    for (Interpolation mode : {Interpolation::Nearest, Interpolation::Linear}) {
      const auto out = resample(*ct, g, Transform(a), mode);
      QCOMPARE(out->pixelType(), ct->pixelType());
      QCOMPARE(out->modality(), ct->modality());
      for (std::size_t k = 0; k + 1 < g.size()[2]; k += 7)
        for (std::size_t j = 2; j < g.size()[1]; j += 11)
          for (std::size_t i = 0; i + 3 < g.size()[0]; i += 13)
            QCOMPARE(out->valueAt(i, j, k), ct->valueAt(i + 3, j - 2, k + 1));
      QCOMPARE(out->valueAt(g.size()[0] - 1, 0, 0), ct->valueRange().first);  // outside: minimum
    }
    core::JobControl cancel;
    cancel.requestCancel();
    QVERIFY_EXCEPTION_THROWN(resample(*ct, g, Transform(a), Interpolation::Linear, {}, cancel),
                             core::Cancelled);
  }

  void treHelpers() {
    const Transform truth(Affine::rigid({0, 0, 0}, {1, 0, 0}));
    const Transform est(Affine::rigid({0, 0, 0}, {1, 0, 0.5}));
    const Tre tre = targetRegistrationError(est, truth, {{0, 0, 0}, {10, 0, 0}});
    QCOMPARE(tre.points, std::size_t(2));
    QVERIFY(std::abs(tre.mean - 0.5) < 1e-12 && std::abs(tre.max - 0.5) < 1e-12);
    QVERIFY_EXCEPTION_THROWN(targetRegistrationError(est, truth, {}), core::Error);
    const core::VolumePtr ct = phantom::makeCt();
    const auto pts = pointsInBody(*ct, 200, 5);
    QCOMPARE(pts.size(), std::size_t(200));
    for (const Vec3& p : pts) {
      const auto v = ct->valueAtWorld(p);
      QVERIFY(v && *v > -400);  // inside the head, not in air
    }
    QVERIFY(pointsInBody(*ct, 200, 5)[17] == pts[17]);  // deterministic
  }
};

QTEST_GUILESS_MAIN(TransformTest)
#include "TransformTest.moc"
