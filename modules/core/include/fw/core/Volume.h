#pragma once
// A loaded 3D scalar volume: pixels (an ITK image in its native pixel type, so a 16-bit CT
// costs 2 bytes per voxel), world geometry (LPS mm), modality, units and DICOM identity.
// A Volume's pixels and geometry never change after construction: registered or edited data
// becomes a new Volume or a transform beside it, so views and jobs can share it freely
// through std::shared_ptr<const Volume> across threads.
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <variant>

#include <itkImage.h>

#include "fw/core/DicomIdentity.h"
#include "fw/core/Geometry.h"

namespace fw::core {

enum class PixelType { Int16, UInt16, Float32 };
const char* pixelTypeName(PixelType t);

using ImageI16 = itk::Image<std::int16_t, 3>;
using ImageU16 = itk::Image<std::uint16_t, 3>;
using ImageF32 = itk::Image<float, 3>;

class Volume {
 public:
  using ImageVariant = std::variant<ImageI16::Pointer, ImageU16::Pointer, ImageF32::Pointer>;

  // The image must be allocated, with a non-singular direction. Throws Error otherwise.
  explicit Volume(ImageVariant image, Modality modality = Modality::Unknown, std::string units = {});

  const ImageVariant& image() const { return m_image; }
  PixelType pixelType() const { return static_cast<PixelType>(m_image.index()); }
  const ImageGeometry& geometry() const { return m_geometry; }

  Modality modality() const { return m_modality; }
  const std::string& units() const { return m_units; }  // "HU" for CT, empty when arbitrary

  const DicomIdentity& identity() const { return m_identity; }
  void setIdentity(DicomIdentity identity) { m_identity = std::move(identity); }
  // A short label for lists and titles ("CT Head 1.0", "colin27_t1.nii.gz").
  const std::string& name() const { return m_name; }
  void setName(std::string name) { m_name = std::move(name); }

  // The value of voxel (i,j,k); indices must be inside the grid.
  double valueAt(std::size_t i, std::size_t j, std::size_t k) const;
  // The value of the voxel nearest to an LPS point, or nothing outside the grid.
  std::optional<double> valueAtWorld(const Vec3& lps) const;
  // Minimum and maximum voxel value (computed at construction).
  std::pair<double, double> valueRange() const { return m_range; }

  // Raw pointer to the first voxel (x fastest), for bridges that share the buffer.
  const void* rawData() const;

  // Calls f(const PixelT* data) with the typed buffer.
  template <class F>
  decltype(auto) visitData(F&& f) const {
    return std::visit([&](const auto& img) { return f(img->GetBufferPointer()); }, m_image);
  }

 private:
  ImageVariant m_image;
  ImageGeometry m_geometry;
  Modality m_modality;
  std::string m_units;
  DicomIdentity m_identity;
  std::string m_name;
  std::pair<double, double> m_range{0, 0};
};

using VolumePtr = std::shared_ptr<const Volume>;

// Geometry of an ITK image (origin, spacing, direction, size of its largest region).
template <class ImageT>
ImageGeometry geometryOf(const ImageT& image) {
  const auto& sz = image.GetLargestPossibleRegion().GetSize();
  const auto& sp = image.GetSpacing();
  const auto& o = image.GetOrigin();
  const auto& d = image.GetDirection();
  Mat3 dir;
  for (int r = 0; r < 3; ++r)
    for (int c = 0; c < 3; ++c) dir(r, c) = d(r, c);
  return ImageGeometry({sz[0], sz[1], sz[2]}, {sp[0], sp[1], sp[2]}, {o[0], o[1], o[2]}, dir);
}

// Allocates an ITK image with the given geometry (pixels zero-initialised unless `zeroed` is
// false, for callers that write every voxel: zeroing a large volume costs a pass over it).
template <class ImageT>
typename ImageT::Pointer allocateImage(const ImageGeometry& g, bool zeroed = true) {
  auto img = ImageT::New();
  typename ImageT::RegionType region;
  region.SetSize({{g.size()[0], g.size()[1], g.size()[2]}});
  img->SetRegions(region);
  typename ImageT::SpacingType sp;
  typename ImageT::PointType o;
  typename ImageT::DirectionType d;
  for (int a = 0; a < 3; ++a) {
    sp[a] = g.spacing()[a];
    o[a] = g.origin()[a];
    for (int c = 0; c < 3; ++c) d(a, c) = g.direction()(a, c);
  }
  img->SetSpacing(sp);
  img->SetOrigin(o);
  img->SetDirection(d);
  img->Allocate(zeroed);
  return img;
}

}  // namespace fw::core
