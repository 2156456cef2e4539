// NIfTI-1 writing by hand: the header is 348 bytes we fill field by field, so every field that
// matters for correctness (sform, qform, pixdim, units, datatype) is set here, in one place,
// and 4D files need no 4D ITK image type. .nii.gz goes through zlib.
#include "fw/io/Nifti.h"

#include "TempName.h"

#include <unistd.h>
#include <zlib.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <limits>
#include <memory>
#include <mutex>
#include <random>
#include <type_traits>

#include "fw/core/Error.h"

namespace fw::io {
namespace fs = std::filesystem;
using core::Error;
using core::Mat3;
using core::Vec3;

namespace {

[[noreturn]] void fail(const fs::path& path, const std::string& problem) {
  throw Error(problem).addContext("writing " + path.string());
}

bool endsWith(const std::string& s, const std::string& tail) {
  return s.size() >= tail.size() && s.compare(s.size() - tail.size(), tail.size(), tail) == 0;
}

std::string lowerName(const fs::path& p) {
  std::string s = p.filename().string();
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

// The NIfTI-1 header, field by field at its byte offset (little-endian, as this machine).
class Header {
 public:
  Header() { m_bytes.fill(0); }
  template <class T>
  void put(std::size_t offset, T value) {
    std::memcpy(m_bytes.data() + offset, &value, sizeof value);
  }
  void putText(std::size_t offset, std::size_t capacity, const std::string& text) {
    std::memcpy(m_bytes.data() + offset, text.data(), std::min(capacity - 1, text.size()));
  }
  const char* data() const { return m_bytes.data(); }
  static constexpr std::size_t kSize = 352;  // 348 + 4 bytes of "no extension"

 private:
  std::array<char, kSize> m_bytes;
};

// Sink for the bytes: a plain file or a gzip stream.
class Output {
 public:
  Output(const fs::path& path, bool gzip) : m_path(path), m_gzip(gzip) {
    if (gzip) {
      m_gz = gzopen(path.string().c_str(), "wb6");
      if (!m_gz) fail(path, std::string("cannot create the file: ") + std::strerror(errno));
      gzbuffer(m_gz, 1 << 18);
    } else {
      m_file = std::fopen(path.string().c_str(), "wb");
      if (!m_file) fail(path, std::string("cannot create the file: ") + std::strerror(errno));
    }
  }
  ~Output() {
    if (m_gz) gzclose(m_gz);
    if (m_file) std::fclose(m_file);
  }
  void write(const void* data, std::size_t n) {
    const char* p = static_cast<const char*>(data);
    while (n > 0) {
      const std::size_t chunk = std::min<std::size_t>(n, 1u << 30);
      bool ok;
      if (m_gzip) ok = gzwrite(m_gz, p, static_cast<unsigned>(chunk)) == static_cast<int>(chunk);
      else ok = std::fwrite(p, 1, chunk, m_file) == chunk;
      if (!ok) fail(m_path, "cannot write the data (disk full?)");
      p += chunk;
      n -= chunk;
    }
  }
  void close() {
    int rc = 0;
    if (m_gz) rc = gzclose(m_gz);
    if (m_file) rc = std::fclose(m_file) == 0 ? 0 : -1;
    m_gz = nullptr;
    m_file = nullptr;
    if (rc != 0) fail(m_path, "cannot finish the file (disk full?)");
  }

 private:
  fs::path m_path;
  bool m_gzip;
  gzFile m_gz = nullptr;
  std::FILE* m_file = nullptr;
};

// NIfTI datatype codes and sizes.
struct TypeCode {
  std::int16_t code;
  std::int16_t bits;
};
TypeCode typeCode(core::PixelType t) {
  switch (t) {
    case core::PixelType::Int16: return {4, 16};
    case core::PixelType::UInt16: return {512, 16};
    case core::PixelType::Float32: return {16, 32};
  }
  return {16, 32};
}

bool sameGrid(const core::ImageGeometry& a, const core::ImageGeometry& b) {
  if (a.size() != b.size()) return false;
  for (int i = 0; i < 3; ++i) {
    if (std::abs(a.spacing()[i] - b.spacing()[i]) > 1e-6 * std::max(1.0, a.spacing()[i])) return false;
    if (std::abs(a.origin()[i] - b.origin()[i]) > 1e-4) return false;
    for (int j = 0; j < 3; ++j)
      if (std::abs(a.direction()(i, j) - b.direction()(i, j)) > 1e-6) return false;
  }
  return true;
}

// Copies one row of `n` values, converting to Dst.
template <class Dst>
void copyRow(const core::Volume& v, std::size_t offset, std::size_t n, Dst* out) {
  v.visitData([&](const auto* data) {
    for (std::size_t i = 0; i < n; ++i) out[i] = static_cast<Dst>(data[offset + i]);
  });
}

}  // namespace

core::ImageGeometry niftiGrid(const core::ImageGeometry& g, bool dcm2niixLayout) {
  if (!dcm2niixLayout) return g;
  const auto& n = g.size();
  const Vec3 c0 = g.direction().column(0), c1 = g.direction().column(1), c2 = g.direction().column(2);
  Vec3 origin = g.origin();
  // Rows reversed: index j' = n1-1-j.
  origin += c1 * (g.spacing()[1] * static_cast<double>(n[1] - 1));
  Vec3 k = c2;
  // Slices ascending along row x column (of the DICOM rows, before the flip), as dcm2niix.
  if (core::dot(c2, core::cross(c0, c1)) < 0) {
    origin += c2 * (g.spacing()[2] * static_cast<double>(n[2] - 1));
    k = -c2;
  }
  return core::ImageGeometry(n, g.spacing(), origin, Mat3::fromColumns(c0, -c1, k));
}

Quaternion niftiQuaternion(const Mat3& rasDirection) {
  // Nearest orthogonal matrix (polar decomposition by Newton iteration): exact for rotations.
  Mat3 r = rasDirection;
  for (int it = 0; it < 30; ++it) {
    const Mat3 inverseT = r.inverse().transposed();
    Mat3 next;
    double change = 0;
    for (int i = 0; i < 3; ++i)
      for (int j = 0; j < 3; ++j) {
        next(i, j) = 0.5 * (r(i, j) + inverseT(i, j));
        change = std::max(change, std::abs(next(i, j) - r(i, j)));
      }
    r = next;
    if (change < 1e-12) break;
  }
  Quaternion q;
  if (r.determinant() < 0) {
    q.qfac = -1;
    for (int i = 0; i < 3; ++i) r(i, 2) = -r(i, 2);
  }
  // As nifti_mat44_to_quatern (nifti1_io.c), with 0-based indices.
  double a = r(0, 0) + r(1, 1) + r(2, 2) + 1.0, b, c, d;
  if (a > 0.5) {
    a = 0.5 * std::sqrt(a);
    b = 0.25 * (r(2, 1) - r(1, 2)) / a;
    c = 0.25 * (r(0, 2) - r(2, 0)) / a;
    d = 0.25 * (r(1, 0) - r(0, 1)) / a;
  } else {
    const double xd = 1.0 + r(0, 0) - (r(1, 1) + r(2, 2));
    const double yd = 1.0 + r(1, 1) - (r(0, 0) + r(2, 2));
    const double zd = 1.0 + r(2, 2) - (r(0, 0) + r(1, 1));
    if (xd > 1.0) {
      b = 0.5 * std::sqrt(xd);
      c = 0.25 * (r(0, 1) + r(1, 0)) / b;
      d = 0.25 * (r(0, 2) + r(2, 0)) / b;
      a = 0.25 * (r(2, 1) - r(1, 2)) / b;
    } else if (yd > 1.0) {
      c = 0.5 * std::sqrt(yd);
      b = 0.25 * (r(0, 1) + r(1, 0)) / c;
      d = 0.25 * (r(1, 2) + r(2, 1)) / c;
      a = 0.25 * (r(0, 2) - r(2, 0)) / c;
    } else {
      d = 0.5 * std::sqrt(zd);
      b = 0.25 * (r(0, 2) + r(2, 0)) / d;
      c = 0.25 * (r(1, 2) + r(2, 1)) / d;
      a = 0.25 * (r(1, 0) - r(0, 1)) / d;
    }
    if (a < 0) {
      b = -b;
      c = -c;
      d = -d;
    }
  }
  q.b = b;
  q.c = c;
  q.d = d;
  return q;
}

Mat3 niftiQuaternionMatrix(const Quaternion& q) {
  const double b = q.b, c = q.c, d = q.d;
  const double a = std::sqrt(std::max(0.0, 1.0 - (b * b + c * c + d * d)));
  Mat3 r;
  r(0, 0) = a * a + b * b - c * c - d * d;
  r(0, 1) = 2 * b * c - 2 * a * d;
  r(0, 2) = (2 * b * d + 2 * a * c) * q.qfac;
  r(1, 0) = 2 * b * c + 2 * a * d;
  r(1, 1) = a * a + c * c - b * b - d * d;
  r(1, 2) = (2 * c * d - 2 * a * b) * q.qfac;
  r(2, 0) = 2 * b * d - 2 * a * c;
  r(2, 1) = 2 * c * d + 2 * a * b;
  r(2, 2) = (a * a + d * d - c * c - b * b) * q.qfac;
  return r;
}

void writeNifti(const std::vector<core::VolumePtr>& volumes, const fs::path& path, const NiftiWriteOptions& options,
                core::ProgressSink& progress) {
  const std::string name = lowerName(path);
  const bool gzip = endsWith(name, ".nii.gz");
  if (!gzip && !endsWith(name, ".nii")) fail(path, "a NIfTI file name must end in .nii or .nii.gz");
  if (volumes.empty()) fail(path, "there is no volume to write");
  for (const auto& v : volumes)
    if (!v) fail(path, "a volume to write is missing");
  const fs::path folder = path.parent_path().empty() ? fs::path(".") : path.parent_path();
  std::error_code ec;
  if (!fs::is_directory(folder, ec)) fail(path, "the folder " + folder.string() + " does not exist");
  if (fs::is_directory(path, ec)) fail(path, "a folder of that name exists");
  if (fs::exists(path, ec) && !options.overwrite) fail(path, "the file already exists and replacing it was not asked for");

  const auto& g0 = volumes.front()->geometry();
  core::PixelType type = volumes.front()->pixelType();
  for (const auto& v : volumes) {
    if (!sameGrid(v->geometry(), g0))
      fail(path, "the volumes do not share one voxel grid (" + v->name() + " differs), so they cannot form one 4D file");
    if (v->pixelType() != type) type = core::PixelType::Float32;
  }
  const auto& n = g0.size();
  for (std::size_t a = 0; a < 3; ++a)
    if (n[a] < 1 || n[a] > 32767) fail(path, "a dimension of " + std::to_string(n[a]) + " voxels does not fit NIfTI-1 (1..32767)");
  if (options.rgb24 && volumes.size() % 3 != 0)
    fail(path, "an RGB file needs three channel volumes (red, green, blue) per volume, not " +
                   std::to_string(volumes.size()));
  const std::size_t outVolumes = options.rgb24 ? volumes.size() / 3 : volumes.size();
  if (outVolumes > 32767) fail(path, std::to_string(outVolumes) + " volumes do not fit NIfTI-1 (at most 32767)");

  const core::ImageGeometry grid = niftiGrid(g0, options.dcm2niixLayout);
  const bool flipJ = options.dcm2niixLayout;
  const bool flipK = options.dcm2niixLayout && core::dot(grid.direction().column(2), g0.direction().column(2)) < 0;
  const TypeCode tc = options.rgb24 ? TypeCode{128, 24} : typeCode(type);
  const bool fourD = outVolumes > 1;

  Header h;
  h.put<std::int32_t>(0, 348);
  h.put<char>(38, 'r');
  std::array<std::int16_t, 8> dim{static_cast<std::int16_t>(fourD ? 4 : 3), static_cast<std::int16_t>(n[0]),
                                   static_cast<std::int16_t>(n[1]), static_cast<std::int16_t>(n[2]),
                                   static_cast<std::int16_t>(outVolumes), 1, 1, 1};
  for (int i = 0; i < 8; ++i) h.put<std::int16_t>(40 + 2 * static_cast<std::size_t>(i), dim[static_cast<std::size_t>(i)]);
  h.put<std::int16_t>(70, tc.code);
  h.put<std::int16_t>(72, tc.bits);
  // sform: RAS = diag(-1,-1,1) * (origin + direction * diag(spacing) * index).
  const auto affine = core::rasAffine(grid);
  Mat3 rasDirection;
  for (int r = 0; r < 3; ++r)
    for (int c = 0; c < 3; ++c) rasDirection(r, c) = affine[static_cast<std::size_t>(4 * r + c)] / grid.spacing()[c];
  const Quaternion q = niftiQuaternion(rasDirection);
  std::array<float, 8> pixdim{static_cast<float>(q.qfac), static_cast<float>(grid.spacing()[0]),
                              static_cast<float>(grid.spacing()[1]), static_cast<float>(grid.spacing()[2]),
                              static_cast<float>(fourD ? options.repetitionTimeS : 0.0), 0, 0, 0};
  for (int i = 0; i < 8; ++i) h.put<float>(76 + 4 * static_cast<std::size_t>(i), pixdim[static_cast<std::size_t>(i)]);
  h.put<float>(108, static_cast<float>(Header::kSize));  // vox_offset
  h.put<float>(112, 1.0f);                               // scl_slope: values are stored as they are
  h.put<float>(116, 0.0f);
  h.put<char>(123, static_cast<char>(2 | 8));  // xyzt_units: NIFTI_UNITS_MM | NIFTI_UNITS_SEC
  h.putText(148, 80, options.description);
  h.put<std::int16_t>(252, 1);  // qform_code: NIFTI_XFORM_SCANNER_ANAT, as dcm2niix
  h.put<std::int16_t>(254, 1);  // sform_code
  h.put<float>(256, static_cast<float>(q.b));
  h.put<float>(260, static_cast<float>(q.c));
  h.put<float>(264, static_cast<float>(q.d));
  for (int r = 0; r < 3; ++r) {
    h.put<float>(268 + 4 * static_cast<std::size_t>(r), static_cast<float>(affine[static_cast<std::size_t>(4 * r + 3)]));
    for (int c = 0; c < 4; ++c)
      h.put<float>(280 + 16 * static_cast<std::size_t>(r) + 4 * static_cast<std::size_t>(c),
                   static_cast<float>(affine[static_cast<std::size_t>(4 * r + c)]));
  }
  h.putText(344, 4, "n+1");

  const std::string ext = gzip ? ".nii.gz" : ".nii";
  std::string stem = path.filename().string();
  stem.resize(stem.size() - ext.size());
  const fs::path temp = folder / ("." + stem + ".tmp-" + detail::randomFileTag() + ext);
  try {
    {
      Output out(temp, gzip);
      out.write(h.data(), Header::kSize);
      const std::size_t bytesPerValue = static_cast<std::size_t>(tc.bits / 8);
      std::vector<char> slice(n[0] * n[1] * bytesPerValue);
      std::vector<float> channelRow(options.rgb24 ? n[0] : 0);
      for (std::size_t t = 0; t < outVolumes; ++t) {
        progress.checkCancel(double(t) / double(outVolumes), "writing " + path.filename().string());
        if (options.rgb24) {  // R G B interleaved per voxel
          for (std::size_t kk = 0; kk < n[2]; ++kk) {
            const std::size_t k = flipK ? n[2] - 1 - kk : kk;
            for (std::size_t jj = 0; jj < n[1]; ++jj) {
              const std::size_t j = flipJ ? n[1] - 1 - jj : jj;
              const std::size_t src = n[0] * (j + n[1] * k);
              auto* dst = reinterpret_cast<unsigned char*>(slice.data() + jj * n[0] * 3);
              for (std::size_t c = 0; c < 3; ++c) {
                copyRow(*volumes[3 * t + c], src, n[0], channelRow.data());
                for (std::size_t i = 0; i < n[0]; ++i)
                  dst[3 * i + c] = static_cast<unsigned char>(std::clamp(std::lround(channelRow[i]), 0L, 255L));
              }
            }
            out.write(slice.data(), slice.size());
          }
          continue;
        }
        const core::Volume& v = *volumes[t];
        for (std::size_t kk = 0; kk < n[2]; ++kk) {
          const std::size_t k = flipK ? n[2] - 1 - kk : kk;
          for (std::size_t jj = 0; jj < n[1]; ++jj) {
            const std::size_t j = flipJ ? n[1] - 1 - jj : jj;
            const std::size_t src = n[0] * (j + n[1] * k);
            char* dst = slice.data() + jj * n[0] * bytesPerValue;
            switch (type) {
              case core::PixelType::Int16: copyRow(v, src, n[0], reinterpret_cast<std::int16_t*>(dst)); break;
              case core::PixelType::UInt16: copyRow(v, src, n[0], reinterpret_cast<std::uint16_t*>(dst)); break;
              case core::PixelType::Float32: copyRow(v, src, n[0], reinterpret_cast<float*>(dst)); break;
            }
          }
          out.write(slice.data(), slice.size());
        }
      }
      out.close();
    }
    fs::rename(temp, path);
  } catch (const fs::filesystem_error& e) {
    fs::remove(temp, ec);
    fail(path, e.code().message());
  } catch (...) {
    fs::remove(temp, ec);
    throw;
  }
  progress.report(1.0, "written");
}

}  // namespace fw::io
