#include "fw/rendering/ImageBridge.h"

#include <vtkCallbackCommand.h>
#include <vtkFloatArray.h>
#include <vtkImageData.h>
#include <vtkPointData.h>
#include <vtkShortArray.h>
#include <vtkUnsignedShortArray.h>

#include "fw/core/Error.h"

namespace fw::rendering {

namespace {

// Releases the volume reference when VTK deletes the array that borrowed its buffer.
void releaseVolume(vtkObject*, unsigned long, void* clientData, void*) {
  delete static_cast<core::VolumePtr*>(clientData);
}

template <class ArrayT, class T>
vtkSmartPointer<vtkDataArray> borrow(const core::VolumePtr& volume, const T* data) {
  auto array = vtkSmartPointer<ArrayT>::New();
  array->SetNumberOfComponents(1);
  // save=1: VTK must not free the buffer; the volume owns it.
  array->SetArray(const_cast<T*>(data), static_cast<vtkIdType>(volume->geometry().voxelCount()), 1);
  array->SetName("values");
  auto keepAlive = vtkSmartPointer<vtkCallbackCommand>::New();
  keepAlive->SetCallback(releaseVolume);
  keepAlive->SetClientData(new core::VolumePtr(volume));
  array->AddObserver(vtkCommand::DeleteEvent, keepAlive);
  return array;
}

}  // namespace

VtkImage toVtkImage(const core::VolumePtr& volume) {
  if (!volume) throw core::Error("no volume to show");
  const auto& g = volume->geometry();
  vtkSmartPointer<vtkDataArray> scalars = std::visit(
      [&](const auto& img) -> vtkSmartPointer<vtkDataArray> {
        using PixelT = typename std::remove_reference_t<decltype(*img)>::PixelType;
        const PixelT* data = img->GetBufferPointer();
        if constexpr (std::is_same_v<PixelT, std::int16_t>) return borrow<vtkShortArray>(volume, data);
        else if constexpr (std::is_same_v<PixelT, std::uint16_t>) return borrow<vtkUnsignedShortArray>(volume, data);
        else return borrow<vtkFloatArray>(volume, data);
      },
      volume->image());

  VtkImage out;
  out.gridImage = vtkSmartPointer<vtkImageData>::New();
  out.gridImage->SetDimensions(static_cast<int>(g.size()[0]), static_cast<int>(g.size()[1]),
                               static_cast<int>(g.size()[2]));
  out.gridImage->SetSpacing(g.spacing().x, g.spacing().y, g.spacing().z);
  out.gridImage->SetOrigin(0, 0, 0);
  out.gridImage->GetPointData()->SetScalars(scalars);

  out.image = vtkSmartPointer<vtkImageData>::New();
  out.image->ShallowCopy(out.gridImage);
  out.image->SetOrigin(g.origin().x, g.origin().y, g.origin().z);
  double d[9];
  for (int r = 0; r < 3; ++r)
    for (int c = 0; c < 3; ++c) d[r * 3 + c] = g.direction()(r, c);
  out.image->SetDirectionMatrix(d);

  out.gridToWorld = vtkSmartPointer<vtkMatrix4x4>::New();
  for (int r = 0; r < 3; ++r) {
    for (int c = 0; c < 3; ++c) out.gridToWorld->SetElement(r, c, g.direction()(r, c));
    out.gridToWorld->SetElement(r, 3, g.origin()[r]);
  }
  return out;
}

}  // namespace fw::rendering
