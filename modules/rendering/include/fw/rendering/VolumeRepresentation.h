#pragma once
// The 3D view's picture: ray-cast volume rendering of the base volume with a preset transfer
// function, and the world cursor as three short axis lines. The volume is placed in LPS world
// by the bridge's grid-to-world matrix, so oblique data sits where the slice views show it.
// Two levels of detail: a still copy and a smaller interactive copy of the volume (built by
// the caller, see Downsample.h), each with its own mapper so both keep their textures; while
// the user interacts the interactive one is shown with a coarser ray step and no shading.
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
  // `volume` defines placement, bounds and the transfer functions; `still` and `interactive`
  // (default: `volume`) are what is ray-cast at full and at interactive quality.
  void setVolume(const core::VolumePtr& volume, core::VolumePtr still = nullptr,
                 core::VolumePtr interactive = nullptr);
  void setInteractive(bool interactive);
  void setPreset(const std::string& id);
  void setCursor(const core::Vec3& lps);
  // Frames the camera on the volume, looking from the patient's front (anterior), S up.
  void resetCamera(vtkRenderer* renderer) const;
  bool hasVolume() const { return m_volume != nullptr; }

 private:
  void applyPreset();
  core::VolumePtr m_volume;
  std::string m_preset = "ct-bone";
  bool m_interactive = false;
  VtkImage m_vtkImage[2];  // still, interactive
  vtkSmartPointer<vtkSmartVolumeMapper> m_mapper[2];
  vtkSmartPointer<vtkVolumeProperty> m_property[2];  // still (shaded), interactive (unshaded)
  vtkSmartPointer<vtkVolume> m_prop[2];
  vtkSmartPointer<vtkLineSource> m_axes[3];
  vtkSmartPointer<vtkActor> m_axisActors[3];
};

}  // namespace fw::rendering
