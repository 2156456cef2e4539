#pragma once
// One slice view's picture: the base volume resampled on the view plane through the cursor,
// and the crosshair. Owns its VTK props and adds them to a renderer it is given; knows nothing
// of Qt widgets. Orientation letters and corner text are drawn by the ui layer with Qt's fonts
// (ui::ViewAnnotations), which have glyphs for every script. The 2D scene is laid out in
// "view coordinates": X = world . right, Y = world . up (mm), so the camera pans and zooms in mm.
#include <array>
#include <string>
#include <vector>

#include <vtkSmartPointer.h>

#include "fw/core/Volume.h"
#include "fw/rendering/FusionSampler.h"
#include "fw/rendering/SliceSampler.h"
#include "fw/rendering/ViewOrientation.h"

class vtkActor;
class vtkImageActor;
class vtkImageData;
class vtkLineSource;
class vtkRenderer;

namespace fw::rendering {

class SliceRepresentation {
 public:
  explicit SliceRepresentation(ViewOrientation orientation);
  ~SliceRepresentation();
  SliceRepresentation(const SliceRepresentation&) = delete;
  SliceRepresentation& operator=(const SliceRepresentation&) = delete;

  void attach(vtkRenderer* renderer);
  ViewOrientation orientation() const { return m_orientation; }
  const ViewFrame& frame() const { return m_frame; }

  // Shows `volume` (may be null: empty view) through `cursor` with the given window.
  void update(const core::VolumePtr& volume, const core::Vec3& cursor, double window, double level);

  // A registration's moving volume fused over the slice (moving null: none). Takes effect at
  // the next update(). `revision` must change whenever the transform does: the moving slice is
  // resampled only when the plane, the volume or the revision changes, and recoloured when the
  // settings change.
  struct Fusion {
    core::VolumePtr moving;
    registration::Transform transform;
    std::uint64_t revision = 0;
    FusionSettings settings;
  };
  void setFusion(const Fusion& fusion);
  // A colour volume: `volume` of update() is its luminance (grid, slice numbers) and the slice
  // shows these red, green, blue channels (0..255) as stored, ignoring window/level. All null:
  // a grey volume. Takes effect at the next update().
  void setColourChannels(const std::array<core::VolumePtr, 3>& rgb);
  // The moving volume's values on the current slice grid (empty without fusion), and the
  // RGBA pixels shown (row-major from the bottom-left), for tests.
  const std::vector<float>& movingValues() const { return m_movingValues; }
  const std::vector<std::uint8_t>& pixels() const { return m_rgba; }

  // View coordinates <-> world. toWorld keeps the cursor's depth along the normal.
  void toView(const core::Vec3& world, double& x, double& y) const;
  core::Vec3 toWorld(double x, double y) const;
  // View-coordinate bounds of the current slice image (xmin, xmax, ymin, ymax).
  bool imageBounds(double bounds[4]) const;
  // Slice number (1-based) and count along the normal, for corner text and tests.
  int sliceNumber() const { return m_sliceNumber; }
  int sliceCount() const { return m_sliceCount; }
  // The resampled values of the current slice, row-major from the bottom-left (for tests).
  const std::vector<float>& sliceValues() const { return m_values; }
  const SliceGrid& grid() const { return m_grid; }

 private:
  void updateCrosshair();
  void colourSlice(bool newPlane, double window, double level);
  void colourChannelsSlice(bool newPlane);

  ViewOrientation m_orientation;
  ViewFrame m_frame;
  core::VolumePtr m_volume;
  core::Vec3 m_cursor;
  SliceGrid m_grid;
  std::vector<float> m_values;
  std::vector<std::uint8_t> m_rgba;
  // What the current pixels were made from, to skip re-sampling when only the crosshair moves.
  core::VolumePtr m_sampledVolume;
  double m_sampledDepth = 0, m_sampledWindow = 0, m_sampledLevel = 0;
  int m_sliceNumber = 0;
  int m_sliceCount = 0;
  Fusion m_fusion;
  std::vector<float> m_movingValues;
  bool m_fusionResample = false, m_fusionRecolour = false;
  std::array<core::VolumePtr, 3> m_rgb;
  std::vector<float> m_channelValues[3];

  vtkSmartPointer<vtkImageData> m_image;
  vtkSmartPointer<vtkImageActor> m_imageActor;
  vtkSmartPointer<vtkLineSource> m_hLine, m_vLine;
  vtkSmartPointer<vtkActor> m_hActor, m_vActor;
};

}  // namespace fw::rendering
