#pragma once
// The 3D view's picture: ray-cast volume rendering of the base volume with a preset transfer
// function, and the world cursor as three short axis lines. The volume is placed in LPS world
// by the bridge's grid-to-world matrix, so oblique data sits where the slice views show it.
// Quality drops while the user interacts (larger image sample distance, set from the render
// window's desired update rate) and returns to full when they stop.
#include <string>
#include <vector>

#include <vtkSmartPointer.h>

#include "fw/core/Volume.h"
#include "fw/rendering/ImageBridge.h"

class vtkActor;
class vtkLineSource;
class vtkRenderer;
class vtkSmartVolumeMapper;
class vtkVolume;
class vtkVolumeProperty;

namespace fw::rendering {

struct VolumePreset {
  const char* id;     // "ct-bone", "ct-soft-tissue", "mr"
  const char* label;  // English label; the UI translates it
};
const std::vector<VolumePreset>& volumePresets();

class VolumeRepresentation {
 public:
  VolumeRepresentation();
  ~VolumeRepresentation();
  VolumeRepresentation(const VolumeRepresentation&) = delete;
  VolumeRepresentation& operator=(const VolumeRepresentation&) = delete;

  void attach(vtkRenderer* renderer);
  void setVolume(const core::VolumePtr& volume);
  void setPreset(const std::string& id);
  void setCursor(const core::Vec3& lps);
  // Frames the camera on the volume, looking from the patient's front (anterior), S up.
  void resetCamera(vtkRenderer* renderer) const;
  bool hasVolume() const { return m_volume != nullptr; }

 private:
  void applyPreset();
  core::VolumePtr m_volume;
  std::string m_preset = "ct-bone";
  VtkImage m_vtkImage;
  vtkSmartPointer<vtkSmartVolumeMapper> m_mapper;
  vtkSmartPointer<vtkVolumeProperty> m_property;
  vtkSmartPointer<vtkVolume> m_prop;
  vtkSmartPointer<vtkLineSource> m_axes[3];
  vtkSmartPointer<vtkActor> m_axisActors[3];
};

}  // namespace fw::rendering
