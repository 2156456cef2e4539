#include "fw/rendering/VolumeRepresentation.h"

#include <vtkActor.h>
#include <vtkCamera.h>
#include <vtkColorTransferFunction.h>
#include <vtkImageData.h>
#include <vtkLineSource.h>
#include <vtkPiecewiseFunction.h>
#include <vtkPolyDataMapper.h>
#include <vtkProperty.h>
#include <vtkRenderer.h>
#include <vtkSmartVolumeMapper.h>
#include <vtkVolume.h>
#include <vtkVolumeProperty.h>

#include <algorithm>

namespace fw::rendering {

const std::vector<VolumePreset>& volumePresets() {
  static const std::vector<VolumePreset> presets = {
      {"ct-bone", "CT bone"}, {"ct-soft-tissue", "CT soft tissue"}, {"mr", "MR"}};
  return presets;
}

VolumeRepresentation::VolumeRepresentation() {
  for (int l = 0; l < 2; ++l) {
    m_property[l] = vtkSmartPointer<vtkVolumeProperty>::New();
    m_property[l]->SetInterpolationTypeToLinear();
    m_property[l]->SetAmbient(0.25);
    m_property[l]->SetDiffuse(0.75);
    m_property[l]->SetSpecular(0.2);
    m_property[l]->SetSpecularPower(15);
  }
  // Shading costs six more texture reads per sample (the gradient): interactive frames go
  // without it, about four times fewer reads on a software renderer.
  m_property[0]->ShadeOn();
  m_property[1]->ShadeOff();
  for (int l = 0; l < 2; ++l) {
    m_mapper[l] = vtkSmartPointer<vtkSmartVolumeMapper>::New();
    m_mapper[l]->SetBlendModeToComposite();
    // Quality is chosen explicitly (which copy, which step), not from the measured frame rate,
    // which on a loaded software renderer swings by a factor of ten.
    m_mapper[l]->SetAutoAdjustSampleDistances(0);
    m_mapper[l]->SetInteractiveAdjustSampleDistances(0);
    m_prop[l] = vtkSmartPointer<vtkVolume>::New();
    m_prop[l]->SetMapper(m_mapper[l]);
    m_prop[l]->SetProperty(m_property[l]);
    m_prop[l]->SetVisibility(false);
  }

  double colours[3][3] = {{0.95, 0.3, 0.3}, {0.3, 0.85, 0.3}, {0.95, 0.85, 0.25}};
  for (int a = 0; a < 3; ++a) {
    m_axes[a] = vtkSmartPointer<vtkLineSource>::New();
    auto mapper = vtkSmartPointer<vtkPolyDataMapper>::New();
    mapper->SetInputConnection(m_axes[a]->GetOutputPort());
    m_axisActors[a] = vtkSmartPointer<vtkActor>::New();
    m_axisActors[a]->SetMapper(mapper);
    // The line along S is the intersection of the coronal and sagittal planes, and so on.
    m_axisActors[a]->GetProperty()->SetColor(colours[a == 2 ? 0 : (a == 1 ? 1 : 2)]);
    m_axisActors[a]->GetProperty()->SetLineWidth(2);
    m_axisActors[a]->GetProperty()->LightingOff();
    m_axisActors[a]->SetVisibility(false);
  }
}

VolumeRepresentation::~VolumeRepresentation() = default;

void VolumeRepresentation::attach(vtkRenderer* renderer) {
  for (auto& p : m_prop) renderer->AddViewProp(p);
  for (auto& a : m_axisActors) renderer->AddViewProp(a);
}

void VolumeRepresentation::setVolume(const core::VolumePtr& volume, core::VolumePtr still,
                                     core::VolumePtr interactive) {
  m_volume = volume;
  for (auto& a : m_axisActors) a->SetVisibility(volume != nullptr);
  if (!volume) {
    for (int l = 0; l < 2; ++l) {
      m_vtkImage[l] = {};
      m_prop[l]->SetVisibility(false);
    }
    return;
  }
  const core::VolumePtr levels[2] = {still ? still : volume, interactive ? interactive : (still ? still : volume)};
  for (int l = 0; l < 2; ++l) {
    m_vtkImage[l] = toVtkImage(levels[l]);
    // Placement by user matrix works with every mapper, whether or not it honours the
    // vtkImageData direction matrix.
    m_mapper[l]->SetInputData(m_vtkImage[l].gridImage);
    m_prop[l]->SetUserMatrix(m_vtkImage[l].gridToWorld);
    const auto sp = levels[l]->geometry().spacing();
    const double finest = std::min({sp.x, sp.y, sp.z});
    // Still: half a voxel per step (VTK's default); interactive: a whole (coarse) voxel.
    m_mapper[l]->SetSampleDistance(l == 0 ? finest / 2 : finest);
  }
  setInteractive(m_interactive);
  applyPreset();
}

void VolumeRepresentation::setInteractive(bool interactive) {
  m_interactive = interactive;
  m_prop[0]->SetVisibility(m_volume && !interactive);
  m_prop[1]->SetVisibility(m_volume && interactive);
}

void VolumeRepresentation::setPreset(const std::string& id) {
  m_preset = id;
  applyPreset();
}

void VolumeRepresentation::applyPreset() {
  if (!m_volume) return;
  auto opacity = vtkSmartPointer<vtkPiecewiseFunction>::New();
  auto colour = vtkSmartPointer<vtkColorTransferFunction>::New();
  const auto [lo, hi] = m_volume->valueRange();
  if (m_preset == "ct-bone") {
    opacity->AddPoint(-1024, 0);
    opacity->AddPoint(150, 0);
    opacity->AddPoint(300, 0.15);
    opacity->AddPoint(700, 0.6);
    opacity->AddPoint(2000, 0.85);
    colour->AddRGBPoint(-1024, 0, 0, 0);
    colour->AddRGBPoint(150, 0.55, 0.25, 0.15);
    colour->AddRGBPoint(300, 0.88, 0.6, 0.3);
    colour->AddRGBPoint(700, 1.0, 0.94, 0.85);
    colour->AddRGBPoint(2000, 1, 1, 1);
  } else if (m_preset == "ct-soft-tissue") {
    opacity->AddPoint(-1024, 0);
    opacity->AddPoint(-500, 0);
    opacity->AddPoint(-200, 0.05);
    opacity->AddPoint(-50, 0.3);
    opacity->AddPoint(100, 0.35);
    opacity->AddPoint(300, 0.6);
    opacity->AddPoint(1000, 0.85);
    colour->AddRGBPoint(-1024, 0, 0, 0);
    colour->AddRGBPoint(-200, 0.62, 0.36, 0.18);
    colour->AddRGBPoint(0, 0.88, 0.6, 0.45);
    colour->AddRGBPoint(300, 1.0, 0.94, 0.85);
    colour->AddRGBPoint(1000, 1, 1, 1);
  } else {  // "mr": a ramp over the upper part of the value range, grey
    const double a = lo + (hi - lo) * 0.12, b = lo + (hi - lo) * 0.6;
    opacity->AddPoint(lo, 0);
    opacity->AddPoint(a, 0);
    opacity->AddPoint(b, 0.5);
    opacity->AddPoint(hi, 0.8);
    colour->AddRGBPoint(lo, 0, 0, 0);
    colour->AddRGBPoint(a, 0.45, 0.4, 0.38);
    colour->AddRGBPoint(b, 0.9, 0.87, 0.84);
    colour->AddRGBPoint(hi, 1, 1, 1);
  }
  // Opacity per mm, so thin and thick slices look alike.
  const auto sp = m_volume->geometry().spacing();
  for (auto& property : m_property) {
    property->SetScalarOpacity(opacity);
    property->SetColor(colour);
    property->SetScalarOpacityUnitDistance(std::min({sp.x, sp.y, sp.z}));
  }
}

void VolumeRepresentation::setCursor(const core::Vec3& p) {
  if (!m_volume) return;
  core::Vec3 lo, hi;
  m_volume->geometry().worldBounds(lo, hi);
  const double len = 0.08 * std::max({hi.x - lo.x, hi.y - lo.y, hi.z - lo.z});
  for (int a = 0; a < 3; ++a) {
    core::Vec3 d;
    d[a] = len;
    const core::Vec3 p1 = p - d, p2 = p + d;
    m_axes[a]->SetPoint1(p1.x, p1.y, p1.z);
    m_axes[a]->SetPoint2(p2.x, p2.y, p2.z);
  }
}

void VolumeRepresentation::resetCamera(vtkRenderer* renderer) const {
  if (!m_volume) return;
  const core::Vec3 c = m_volume->geometry().center();
  auto* cam = renderer->GetActiveCamera();
  cam->SetFocalPoint(c.x, c.y, c.z);
  cam->SetPosition(c.x, c.y - 500, c.z);  // anterior is -y in LPS
  cam->SetViewUp(0, 0, 1);
  renderer->ResetCamera();
  cam->Zoom(1.3);
  renderer->ResetCameraClippingRange();
}

}  // namespace fw::rendering
