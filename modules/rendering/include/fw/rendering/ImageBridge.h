#pragma once
// ITK/core Volume -> VTK image, sharing the voxel buffer (no copy). The vtkImageData carries
// origin, spacing and the full direction matrix (VTK >= 9), so vtkImageData's
// TransformPhysicalPointToContinuousIndex agrees with the volume's own geometry. Mappers that
// ignore the direction matrix get `gridImage` (origin 0, identity direction) plus
// `gridToWorld` as the prop's user matrix instead: the same placement either way.
#include <vtkMatrix4x4.h>
#include <vtkSmartPointer.h>

#include "fw/core/Volume.h"

class vtkImageData;

namespace fw::rendering {

struct VtkImage {
  vtkSmartPointer<vtkImageData> image;        // full LPS geometry
  vtkSmartPointer<vtkImageData> gridImage;    // same pixels, origin 0, identity direction
  vtkSmartPointer<vtkMatrix4x4> gridToWorld;  // direction and origin, for vtkProp3D::SetUserMatrix
};

// The returned images keep the volume alive for as long as VTK holds their pixel arrays.
VtkImage toVtkImage(const core::VolumePtr& volume);

}  // namespace fw::rendering
