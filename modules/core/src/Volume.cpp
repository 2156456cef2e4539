#include "fw/core/Volume.h"

#include <algorithm>
#include <cmath>
#include <type_traits>
#include <limits>

#include "fw/core/Error.h"

namespace fw::core {

const char* pixelTypeName(PixelType t) {
  switch (t) {
    case PixelType::Int16: return "int16";
    case PixelType::UInt16: return "uint16";
    case PixelType::Float32: return "float32";
  }
  return "?";
}

const char* modalityCode(Modality m) {
  switch (m) {
    case Modality::CT: return "CT";
    case Modality::MR: return "MR";
    case Modality::PT: return "PT";
    case Modality::Other: return "OT";
    case Modality::Unknown: return "";
  }
  return "";
}

Modality modalityFromCode(const std::string& code) {
  if (code == "CT") return Modality::CT;
  if (code == "MR") return Modality::MR;
  if (code == "PT") return Modality::PT;
  if (code.empty()) return Modality::Unknown;
  return Modality::Other;
}

namespace {
template <class T>
std::pair<double, double> rangeOf(const T* p, std::size_t n) {
  T lo = std::numeric_limits<T>::max();
  T hi = std::numeric_limits<T>::lowest();
#pragma omp parallel for simd reduction(min : lo) reduction(max : hi) if (n > 1000000)
  for (std::ptrdiff_t i = 0; i < static_cast<std::ptrdiff_t>(n); ++i) {
    const T v = p[i];
    if constexpr (std::is_floating_point_v<T>) {
      if (!std::isfinite(v)) continue;
    }
    lo = std::min(lo, v);
    hi = std::max(hi, v);
  }
  if (hi < lo) return {0.0, 0.0};  // empty or all non-finite
  return {static_cast<double>(lo), static_cast<double>(hi)};
}
}  // namespace

Volume::Volume(ImageVariant image, Modality modality, std::string units)
    : m_image(std::move(image)), m_modality(modality), m_units(std::move(units)) {
  std::visit(
      [&](const auto& img) {
        if (!img || !img->GetBufferPointer()) throw Error("volume has no pixel data");
        m_geometry = geometryOf(*img);
        if (m_geometry.voxelCount() == 0) throw Error("volume has no voxels");
        m_range = rangeOf(img->GetBufferPointer(), m_geometry.voxelCount());
      },
      m_image);
}

double Volume::valueAt(std::size_t i, std::size_t j, std::size_t k) const {
  const auto& s = m_geometry.size();
  const std::size_t offset = i + s[0] * (j + s[1] * k);
  return visitData([&](const auto* p) { return static_cast<double>(p[offset]); });
}

std::optional<double> Volume::valueAtWorld(const Vec3& lps) const {
  std::array<std::size_t, 3> v;
  if (!m_geometry.worldToNearestVoxel(lps, v)) return std::nullopt;
  return valueAt(v[0], v[1], v[2]);
}

const void* Volume::rawData() const {
  return visitData([](const auto* p) { return static_cast<const void*>(p); });
}

}  // namespace fw::core
