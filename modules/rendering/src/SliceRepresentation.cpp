#include "fw/rendering/SliceRepresentation.h"

#include <vtkActor.h>
#include <vtkImageActor.h>
#include <vtkImageData.h>
#include <vtkImageMapper3D.h>
#include <vtkImageProperty.h>
#include <vtkLineSource.h>
#include <vtkPolyDataMapper.h>
#include <vtkProperty.h>
#include <vtkRenderer.h>
#include <vtkUnsignedCharArray.h>
#include <vtkPointData.h>

#include <cmath>
#include <cstring>

namespace fw::rendering {

namespace {
// Colours that tell the three planes apart, used for the crosshair lines of the *other*
// planes (as in Slicer: axial red, sagittal yellow, coronal green).
void colourFor(ViewOrientation o, double rgb[3]) {
  switch (o) {
    case ViewOrientation::Axial: rgb[0] = 0.95; rgb[1] = 0.3; rgb[2] = 0.3; return;
    case ViewOrientation::Coronal: rgb[0] = 0.3; rgb[1] = 0.85; rgb[2] = 0.3; return;
    case ViewOrientation::Sagittal: rgb[0] = 0.95; rgb[1] = 0.85; rgb[2] = 0.25; return;
  }
}

ViewOrientation planeAlong(const core::Vec3& normal) {
  if (std::abs(normal.z) > 0.5) return ViewOrientation::Axial;
  if (std::abs(normal.y) > 0.5) return ViewOrientation::Coronal;
  return ViewOrientation::Sagittal;
}
}  // namespace

SliceRepresentation::SliceRepresentation(ViewOrientation orientation)
    : m_orientation(orientation), m_frame(viewFrame(orientation)) {
  m_image = vtkSmartPointer<vtkImageData>::New();
  m_imageActor = vtkSmartPointer<vtkImageActor>::New();
  m_imageActor->GetMapper()->SetInputData(m_image);
  m_imageActor->InterpolateOff();  // show true voxels when zoomed in
  m_imageActor->SetVisibility(false);

  // The horizontal crosshair line is the trace of the plane whose normal is `up`; the vertical
  // one the trace of the plane whose normal is `right`.
  auto makeLine = [](vtkSmartPointer<vtkLineSource>& src, vtkSmartPointer<vtkActor>& actor, ViewOrientation o) {
    src = vtkSmartPointer<vtkLineSource>::New();
    auto mapper = vtkSmartPointer<vtkPolyDataMapper>::New();
    mapper->SetInputConnection(src->GetOutputPort());
    actor = vtkSmartPointer<vtkActor>::New();
    actor->SetMapper(mapper);
    double rgb[3];
    colourFor(o, rgb);
    actor->GetProperty()->SetColor(rgb);
    actor->GetProperty()->SetLineWidth(1.0);
    actor->GetProperty()->SetOpacity(0.8);
    actor->GetProperty()->LightingOff();
    actor->SetVisibility(false);
  };
  makeLine(m_hLine, m_hActor, planeAlong(m_frame.up));
  makeLine(m_vLine, m_vActor, planeAlong(m_frame.right));
}

SliceRepresentation::~SliceRepresentation() = default;

void SliceRepresentation::attach(vtkRenderer* renderer) {
  renderer->AddViewProp(m_imageActor);
  renderer->AddViewProp(m_hActor);
  renderer->AddViewProp(m_vActor);
}

void SliceRepresentation::update(const core::VolumePtr& volume, const core::Vec3& cursor, double window,
                                 double level) {
  m_volume = volume;
  m_cursor = cursor;
  const bool has = volume != nullptr;
  m_imageActor->SetVisibility(has);
  m_hActor->SetVisibility(has);
  m_vActor->SetVisibility(has);
  if (!has) {
    m_sampledVolume.reset();
    m_values.clear();
    m_sliceNumber = m_sliceCount = 0;
    return;
  }

  const auto& g = volume->geometry();
  // Slice number along the voxel axis closest to the normal.
  const int axis = [&] {
    int best = 0;
    for (int a = 1; a < 3; ++a)
      if (std::abs(core::dot(g.direction().column(a), m_frame.normal)) >
          std::abs(core::dot(g.direction().column(best), m_frame.normal)))
        best = a;
    return best;
  }();
  m_sliceCount = static_cast<int>(g.size()[axis]);
  m_sliceNumber = static_cast<int>(std::floor(g.worldToIndex(cursor)[axis] + 0.5)) + 1;
  // A cursor move within the plane (a drag in this view) changes only the crosshair: the
  // slice, its pixels and the texture stay as they are.
  const double depth = core::dot(cursor, m_frame.normal);
  const bool samePlane = volume == m_sampledVolume && depth == m_sampledDepth;
  if (samePlane && window == m_sampledWindow && level == m_sampledLevel && !m_fusionResample && !m_fusionRecolour) {
    updateCrosshair();
    return;
  }
  if (!samePlane) {
    m_grid = sliceGridFor(g, cursor, m_frame.right, m_frame.up);
    sampleSlice(*volume, m_grid, Interpolation::Linear, m_values);
  }
  if (m_rgb[0]) colourChannelsSlice(!samePlane);
  else colourSlice(!samePlane, window, level);
  m_sampledVolume = volume;
  m_sampledDepth = depth;
  m_sampledWindow = window;
  m_sampledLevel = level;

  // Publish as an RGBA image in view coordinates.
  double x0, y0;
  toView(m_grid.origin, x0, y0);
  if (m_image->GetDimensions()[0] != m_grid.width || m_image->GetDimensions()[1] != m_grid.height ||
      m_image->GetPointData()->GetScalars() == nullptr) {
    m_image->SetDimensions(m_grid.width, m_grid.height, 1);
    m_image->AllocateScalars(VTK_UNSIGNED_CHAR, 4);
  }
  m_image->SetOrigin(x0, y0, 0);
  m_image->SetSpacing(m_grid.spacingX, m_grid.spacingY, 1);
  auto* scalars = vtkUnsignedCharArray::SafeDownCast(m_image->GetPointData()->GetScalars());
  std::memcpy(scalars->GetPointer(0), m_rgba.data(), m_rgba.size());
  scalars->Modified();
  m_image->Modified();

  updateCrosshair();
}

void SliceRepresentation::setFusion(const Fusion& fusion) {
  if (fusion.moving != m_fusion.moving || fusion.revision != m_fusion.revision) m_fusionResample = true;
  const FusionSettings& a = fusion.settings;
  const FusionSettings& b = m_fusion.settings;
  if (a.mode != b.mode || a.opacity != b.opacity || a.checkerSizeMm != b.checkerSizeMm || a.window != b.window ||
      a.level != b.level)
    m_fusionRecolour = true;
  m_fusion = fusion;
}

void SliceRepresentation::colourSlice(bool newPlane, double window, double level) {
  if (!m_fusion.moving) {
    m_movingValues.clear();
    windowToRgba(m_values, window, level, m_rgba);
  } else {
    if (newPlane || m_fusionResample || m_movingValues.size() != m_values.size())
      sampleSliceThrough(*m_fusion.moving, m_fusion.transform, m_grid, m_movingValues);
    fuseToRgba(m_values, window, level, m_movingValues, m_fusion.settings, m_grid, m_rgba);
  }
  m_fusionResample = m_fusionRecolour = false;
}

void SliceRepresentation::setColourChannels(const std::array<core::VolumePtr, 3>& rgb) {
  const bool all = rgb[0] && rgb[1] && rgb[2];
  const std::array<core::VolumePtr, 3> next = all ? rgb : std::array<core::VolumePtr, 3>{};
  if (next == m_rgb) return;
  m_rgb = next;
  m_sampledVolume.reset();  // resample at the next update
}

void SliceRepresentation::colourChannelsSlice(bool newPlane) {
  // Nearest voxel, as the grey path shows whole voxels when aligned; colour maps are mostly
  // categorical (FA direction maps) where blending channels would invent colours.
  if (newPlane || m_channelValues[0].size() != m_values.size())
    for (int c = 0; c < 3; ++c) sampleSlice(*m_rgb[static_cast<std::size_t>(c)], m_grid, Interpolation::Nearest, m_channelValues[c]);
  channelsToRgba(m_channelValues[0], m_channelValues[1], m_channelValues[2], m_rgba);
}

void SliceRepresentation::updateCrosshair() {
  double b[4];
  if (!imageBounds(b)) return;
  double cx, cy;
  toView(m_cursor, cx, cy);
  // Lines span the image plus a margin, drawn just above the image (towards the camera).
  const double mx = (b[1] - b[0]) * 0.05 + 5, my = (b[3] - b[2]) * 0.05 + 5;
  m_hLine->SetPoint1(b[0] - mx, cy, 0.5);
  m_hLine->SetPoint2(b[1] + mx, cy, 0.5);
  m_vLine->SetPoint1(cx, b[2] - my, 0.5);
  m_vLine->SetPoint2(cx, b[3] + my, 0.5);
}

void SliceRepresentation::toView(const core::Vec3& world, double& x, double& y) const {
  x = core::dot(world, m_frame.right);
  y = core::dot(world, m_frame.up);
}

core::Vec3 SliceRepresentation::toWorld(double x, double y) const {
  return m_frame.right * x + m_frame.up * y + m_frame.normal * core::dot(m_cursor, m_frame.normal);
}

bool SliceRepresentation::imageBounds(double b[4]) const {
  if (!m_volume || m_grid.width == 0) return false;
  double x0, y0;
  toView(m_grid.origin, x0, y0);
  b[0] = x0 - m_grid.spacingX / 2;
  b[1] = x0 + (m_grid.width - 0.5) * m_grid.spacingX;
  b[2] = y0 - m_grid.spacingY / 2;
  b[3] = y0 + (m_grid.height - 0.5) * m_grid.spacingY;
  return true;
}

}  // namespace fw::rendering
