#pragma once
// A NIfTI-1 header parsed and written by hand, independent of ITK and niftilib, so that tests
// can check what ITK writes (sform/qform in RAS) and feed it crafted or damaged files.
#include <zlib.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <string>
#include <vector>

namespace fw::test {

struct NiftiHeader {
  std::array<std::int16_t, 8> dim{};
  std::int16_t datatype = 0;
  std::int16_t bitpix = 0;
  std::array<float, 8> pixdim{};
  float voxOffset = 352;
  float sclSlope = 0, sclInter = 0;
  std::int16_t qformCode = 0, sformCode = 0;
  float quaternB = 0, quaternC = 0, quaternD = 0;
  float qoffsetX = 0, qoffsetY = 0, qoffsetZ = 0;
  std::array<float, 4> srowX{}, srowY{}, srowZ{};

  // The sform as a row-major 4x4 matrix.
  std::array<double, 16> sform() const {
    std::array<double, 16> a{};
    for (int c = 0; c < 4; ++c) {
      a[0 + c] = srowX[c];
      a[4 + c] = srowY[c];
      a[8 + c] = srowZ[c];
    }
    a[15] = 1;
    return a;
  }

  // The qform (quaternion, pixdim, qfac, offsets) as a row-major 4x4 matrix (nifti1.h).
  std::array<double, 16> qform() const {
    const double b = quaternB, c = quaternC, d = quaternD;
    const double a = std::sqrt(std::max(0.0, 1.0 - (b * b + c * c + d * d)));
    const double r[3][3] = {{a * a + b * b - c * c - d * d, 2 * b * c - 2 * a * d, 2 * b * d + 2 * a * c},
                            {2 * b * c + 2 * a * d, a * a + c * c - b * b - d * d, 2 * c * d - 2 * a * b},
                            {2 * b * d - 2 * a * c, 2 * c * d + 2 * a * b, a * a + d * d - c * c - b * b}};
    const double qfac = pixdim[0] < 0 ? -1.0 : 1.0;
    const double scale[3] = {pixdim[1], pixdim[2], pixdim[3] * qfac};
    std::array<double, 16> m{};
    for (int row = 0; row < 3; ++row)
      for (int col = 0; col < 3; ++col) m[row * 4 + col] = r[row][col] * scale[col];
    m[3] = qoffsetX;
    m[7] = qoffsetY;
    m[11] = qoffsetZ;
    m[15] = 1;
    return m;
  }
};

template <class T>
T niftiField(const std::string& bytes, std::size_t offset) {
  T v;
  std::memcpy(&v, bytes.data() + offset, sizeof(T));
  return v;
}

template <class T>
void setNiftiField(std::string& bytes, std::size_t offset, T v) {
  std::memcpy(bytes.data() + offset, &v, sizeof(T));
}

// The first `n` bytes of a file, gunzipped when it is gzip-compressed (.nii.gz).
inline std::string readFilePrefix(const std::filesystem::path& path, std::size_t n) {
  gzFile f = gzopen(path.string().c_str(), "rb");
  if (!f) throw std::runtime_error("cannot open " + path.string());
  std::string bytes(n, '\0');
  const int got = gzread(f, bytes.data(), static_cast<unsigned>(n));
  gzclose(f);
  bytes.resize(got > 0 ? static_cast<std::size_t>(got) : 0);
  return bytes;
}

// Parses a little-endian NIfTI-1 header (throws std::runtime_error if it is not one).
inline NiftiHeader parseNiftiHeader(const std::filesystem::path& path) {
  const std::string b = readFilePrefix(path, 348);
  if (b.size() < 348 || niftiField<std::int32_t>(b, 0) != 348)
    throw std::runtime_error("not a little-endian NIfTI-1 file: " + path.string());
  const std::string magic = b.substr(344, 3);
  if (magic != "n+1" && magic != "ni1") throw std::runtime_error("bad NIfTI magic in " + path.string());
  NiftiHeader h;
  for (int i = 0; i < 8; ++i) h.dim[i] = niftiField<std::int16_t>(b, 40 + 2 * i);
  h.datatype = niftiField<std::int16_t>(b, 70);
  h.bitpix = niftiField<std::int16_t>(b, 72);
  for (int i = 0; i < 8; ++i) h.pixdim[i] = niftiField<float>(b, 76 + 4 * i);
  h.voxOffset = niftiField<float>(b, 108);
  h.sclSlope = niftiField<float>(b, 112);
  h.sclInter = niftiField<float>(b, 116);
  h.qformCode = niftiField<std::int16_t>(b, 252);
  h.sformCode = niftiField<std::int16_t>(b, 254);
  h.quaternB = niftiField<float>(b, 256);
  h.quaternC = niftiField<float>(b, 260);
  h.quaternD = niftiField<float>(b, 264);
  h.qoffsetX = niftiField<float>(b, 268);
  h.qoffsetY = niftiField<float>(b, 272);
  h.qoffsetZ = niftiField<float>(b, 276);
  for (int i = 0; i < 4; ++i) {
    h.srowX[i] = niftiField<float>(b, 280 + 4 * i);
    h.srowY[i] = niftiField<float>(b, 296 + 4 * i);
    h.srowZ[i] = niftiField<float>(b, 312 + 4 * i);
  }
  return h;
}

// A single-file NIfTI-1 (.nii, uncompressed) with the given header fields and raw voxel bytes.
// Only the fields of NiftiHeader are set; the rest of the 348 bytes are zero.
inline void writeNifti(const std::filesystem::path& path, const NiftiHeader& h, const std::string& voxels) {
  std::string b(352, '\0');
  setNiftiField<std::int32_t>(b, 0, 348);
  for (int i = 0; i < 8; ++i) setNiftiField<std::int16_t>(b, 40 + 2 * i, h.dim[i]);
  setNiftiField<std::int16_t>(b, 70, h.datatype);
  setNiftiField<std::int16_t>(b, 72, h.bitpix);
  for (int i = 0; i < 8; ++i) setNiftiField<float>(b, 76 + 4 * i, h.pixdim[i]);
  setNiftiField<float>(b, 108, 352.0f);
  setNiftiField<float>(b, 112, h.sclSlope);
  setNiftiField<float>(b, 116, h.sclInter);
  setNiftiField<std::int16_t>(b, 252, h.qformCode);
  setNiftiField<std::int16_t>(b, 254, h.sformCode);
  setNiftiField<float>(b, 256, h.quaternB);
  setNiftiField<float>(b, 260, h.quaternC);
  setNiftiField<float>(b, 264, h.quaternD);
  setNiftiField<float>(b, 268, h.qoffsetX);
  setNiftiField<float>(b, 272, h.qoffsetY);
  setNiftiField<float>(b, 276, h.qoffsetZ);
  for (int i = 0; i < 4; ++i) {
    setNiftiField<float>(b, 280 + 4 * i, h.srowX[i]);
    setNiftiField<float>(b, 296 + 4 * i, h.srowY[i]);
    setNiftiField<float>(b, 312 + 4 * i, h.srowZ[i]);
  }
  std::memcpy(b.data() + 344, "n+1\0", 4);
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(b.data(), static_cast<std::streamsize>(b.size()));
  out.write(voxels.data(), static_cast<std::streamsize>(voxels.size()));
}

}  // namespace fw::test
