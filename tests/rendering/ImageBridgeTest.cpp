// The ITK->VTK bridge keeps geometry: a world point maps to the same voxel value through VTK's
// own geometry (direction-aware vtkImageData, and the grid image + user matrix used by the
// volume mapper) as through ITK's TransformPhysicalPointToIndex.
#include <QtTest>

#include <vtkImageData.h>
#include <vtkMatrix4x4.h>

#include <random>

#include "fw/core/Volume.h"
#include "fw/rendering/ImageBridge.h"

using namespace fw;
using namespace fw::core;

class ImageBridgeTest : public QObject {
  Q_OBJECT
 private slots:
  void obliqueGeometryAgrees_data();
  void obliqueGeometryAgrees();
  void sharesBufferAndKeepsVolumeAlive();
};

void ImageBridgeTest::obliqueGeometryAgrees_data() {
  QTest::addColumn<int>("pixelType");
  QTest::newRow("int16") << 0;
  QTest::newRow("uint16") << 1;
  QTest::newRow("float32") << 2;
}

template <class ImageT>
static VolumePtr makeVolume(const ImageGeometry& g) {
  auto img = allocateImage<ImageT>(g);
  auto* p = img->GetBufferPointer();
  for (std::size_t n = 0; n < g.voxelCount(); ++n) p[n] = static_cast<typename ImageT::PixelType>((n * 7919) % 3001);
  return std::make_shared<Volume>(img);
}

void ImageBridgeTest::obliqueGeometryAgrees() {
  QFETCH(int, pixelType);
  const ImageGeometry g({23, 17, 11}, {0.7, 1.1, 2.5}, {-40, 25, 80}, Mat3::rotation({0.3, -1, 0.5}, 0.7));
  VolumePtr volume = pixelType == 0 ? makeVolume<ImageI16>(g) : pixelType == 1 ? makeVolume<ImageU16>(g) : makeVolume<ImageF32>(g);
  const auto vtk = rendering::toVtkImage(volume);

  auto itkValueAt = [&](const Vec3& w, bool& inside) -> double {
    return std::visit(
        [&](const auto& img) -> double {
          typename std::remove_reference_t<decltype(*img)>::PointType pt;
          pt[0] = w.x; pt[1] = w.y; pt[2] = w.z;
          typename std::remove_reference_t<decltype(*img)>::IndexType idx;
          inside = img->TransformPhysicalPointToIndex(pt, idx);
          return inside ? static_cast<double>(img->GetPixel(idx)) : 0.0;
        },
        volume->image());
  };

  std::mt19937 rng(7);
  int checked = 0;
  for (int trial = 0; trial < 2000; ++trial) {
    // Points in and around the volume.
    std::uniform_real_distribution<double> u(-1.0, 1.0);
    const Vec3 idx{u(rng) * 14 + 11, u(rng) * 11 + 8, u(rng) * 7 + 5};
    const Vec3 w = g.indexToWorld(idx);
    bool inside = false;
    const double itkValue = itkValueAt(w, inside);
    if (!inside) continue;
    // 1. direction-aware vtkImageData
    double ijk[3];
    vtk.image->TransformPhysicalPointToContinuousIndex(w.x, w.y, w.z, ijk);
    int v[3];
    for (int a = 0; a < 3; ++a) v[a] = static_cast<int>(std::floor(ijk[a] + 0.5));
    const double vtkValue = vtk.image->GetScalarComponentAsDouble(v[0], v[1], v[2], 0);
    QCOMPARE(vtkValue, itkValue);
    // 2. grid image + gridToWorld (what the volume mapper uses)
    vtkNew<vtkMatrix4x4> worldToGrid;
    vtkMatrix4x4::Invert(vtk.gridToWorld, worldToGrid);
    double in[4] = {w.x, w.y, w.z, 1}, out[4];
    worldToGrid->MultiplyPoint(in, out);
    int g2[3];
    for (int a = 0; a < 3; ++a) g2[a] = static_cast<int>(std::floor(out[a] / vtk.gridImage->GetSpacing()[a] + 0.5));
    QCOMPARE(vtk.gridImage->GetScalarComponentAsDouble(g2[0], g2[1], g2[2], 0), itkValue);
    // 3. and our own Volume lookup agrees
    QCOMPARE(*volume->valueAtWorld(w), itkValue);
    ++checked;
  }
  QVERIFY2(checked > 500, "too few points inside the volume were checked");
}

void ImageBridgeTest::sharesBufferAndKeepsVolumeAlive() {
  const ImageGeometry g({4, 4, 4}, {1, 1, 1}, {}, Mat3::identity());
  auto vol = makeVolume<ImageI16>(g);
  std::weak_ptr<const Volume> weak = vol;
  vtkSmartPointer<vtkImageData> image;
  {
    auto vtk = rendering::toVtkImage(vol);
    QCOMPARE(vtk.image->GetScalarPointer(), const_cast<void*>(vol->rawData()));  // no copy
    image = vtk.gridImage;
  }
  vol.reset();
  QVERIFY2(!weak.expired(), "VTK still uses the pixels, so the volume must stay alive");
  image = nullptr;
  QVERIFY2(weak.expired(), "the volume must be released with the last VTK reference");
}

QTEST_GUILESS_MAIN(ImageBridgeTest)
#include "ImageBridgeTest.moc"
