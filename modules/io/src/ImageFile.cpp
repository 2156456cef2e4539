// NIfTI, NRRD and MetaImage through ITK's ImageIO classes, used directly rather than through
// itk::ImageFileReader: we pick the IO by extension, check the header against the file size
// before allocating anything, read only the first volume of a 4D file where the IO can, and
// convert the pixels ourselves (one small loop per type instead of a reader per type).
#include "fw/io/ImageFile.h"

#include "TempName.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <fstream>
#include <future>
#include <limits>
#include <memory>
#include <mutex>
#include <new>
#include <random>
#include <sstream>
#include <system_error>
#include <type_traits>
#include <unistd.h>
#include <zlib.h>

#include <itkImageFileWriter.h>
#include <itkImageIOBase.h>
#include <itkMetaImageIO.h>
#include <itkMetaImageIOFactory.h>
#include <itkNiftiImageIO.h>
#include <itkNiftiImageIOFactory.h>
#include <itkNrrdImageIO.h>
#include <itkNrrdImageIOFactory.h>

#include "fw/core/Error.h"
#include "fw/io/Diffusion.h"
#include "fw/io/Nifti.h"

namespace fw::io {
namespace fs = std::filesystem;
using core::Error;
using IOComponent = itk::IOComponentEnum;

namespace {

// Refuse to allocate more than this for one read: a damaged or hostile header must not be
// able to take the machine's memory.
constexpr double kMaxReadBytes = 8.0 * 1024 * 1024 * 1024;
// zlib cannot compress better than about 1032:1; a header claiming more voxels than that
// allows is damaged.
constexpr double kMaxGzipRatio = 1100.0;

enum class Format { Unknown, Nifti, Nrrd, Meta };

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

// The full extension, ".nii.gz" counted as one.
std::string extensionOf(const fs::path& path) {
  const std::string name = lower(path.filename().string());
  if (name.size() > 7 && name.compare(name.size() - 7, 7, ".nii.gz") == 0) return ".nii.gz";
  return lower(path.extension().string());
}

Format formatOf(const fs::path& path) {
  const std::string ext = extensionOf(path);
  if (ext == ".nii" || ext == ".nii.gz") return Format::Nifti;
  if (ext == ".nrrd" || ext == ".nhdr") return Format::Nrrd;
  if (ext == ".mha" || ext == ".mhd") return Format::Meta;
  return Format::Unknown;
}

const char* formatName(Format f) {
  switch (f) {
    case Format::Nifti: return "NIfTI";
    case Format::Nrrd: return "NRRD";
    case Format::Meta: return "MetaImage";
    default: return "unknown";
  }
}

bool isDetachedHeader(const fs::path& path) {
  const std::string ext = extensionOf(path);
  return ext == ".nhdr" || ext == ".mhd";
}

}  // namespace

// We do not use ITK_USE_FILE, so nothing registers ITK's factories for us.
void registerImageIOFactories() {
  static std::once_flag once;
  std::call_once(once, [] {
    itk::NiftiImageIOFactory::RegisterOneFactory();
    itk::NrrdImageIOFactory::RegisterOneFactory();
    itk::MetaImageIOFactory::RegisterOneFactory();
  });
}

namespace {

itk::ImageIOBase::Pointer createIO(Format f) {
  registerImageIOFactories();
  switch (f) {
    case Format::Nifti: return itk::NiftiImageIO::New().GetPointer();
    case Format::Nrrd: return itk::NrrdImageIO::New().GetPointer();
    case Format::Meta: return itk::MetaImageIO::New().GetPointer();
    default: return nullptr;
  }
}

// An ITK exception's description without the "ITK ERROR: Class(0x...): " prefix, on one line.
std::string itkMessage(const itk::ExceptionObject& e) {
  std::string m = e.GetDescription();
  if (m.rfind("ITK ERROR: ", 0) == 0) {
    const auto p = m.find("): ");
    if (p != std::string::npos) m = m.substr(p + 3);
  }
  std::replace(m.begin(), m.end(), '\n', ' ');
  while (!m.empty() && m.back() == ' ') m.pop_back();
  return m;
}

[[noreturn]] void fail(const std::string& action, const fs::path& path, const std::string& problem) {
  throw Error(problem).addContext(action + " " + path.string());
}

std::string componentName(IOComponent c) {
  switch (c) {
    case IOComponent::UCHAR: return "uint8";
    case IOComponent::CHAR: return "int8";
    case IOComponent::USHORT: return "uint16";
    case IOComponent::SHORT: return "int16";
    case IOComponent::UINT: return "uint32";
    case IOComponent::INT: return "int32";
    case IOComponent::ULONG: return sizeof(unsigned long) == 8 ? "uint64" : "uint32";
    case IOComponent::LONG: return sizeof(long) == 8 ? "int64" : "int32";
    case IOComponent::ULONGLONG: return "uint64";
    case IOComponent::LONGLONG: return "int64";
    case IOComponent::FLOAT: return "float32";
    case IOComponent::DOUBLE: return "float64";
    case IOComponent::LDOUBLE: return "float128";
    default: return "unknown";
  }
}

std::string gib(double bytes) {
  std::ostringstream s;
  s.precision(3);
  s << bytes / (1024.0 * 1024 * 1024) << " GiB";
  return s.str();
}

std::string sizeText(const std::vector<std::size_t>& size) {
  std::string t;
  for (std::size_t i = 0; i < size.size(); ++i) t += (i ? "x" : "") + std::to_string(size[i]);
  return t;
}

// --- plausibility of the header against the file ---------------------------------------------

struct DataLayout {
  enum Kind { Unknown, Raw, Gzip } kind = Unknown;
  double dataOffset = 0;     // bytes before the voxels (raw files)
  double bytesPerValue = 0;  // as stored in the file; 0 = not known
  double compressedEnd = 0;  // MetaImage: where the compressed voxels end; 0 = not known
};

std::string readPrefix(const fs::path& path, std::size_t n) {
  std::ifstream in(path, std::ios::binary);
  std::string s(n, '\0');
  in.read(s.data(), static_cast<std::streamsize>(n));
  s.resize(static_cast<std::size_t>(std::max<std::streamsize>(in.gcount(), 0)));
  return s;
}

bool isGzip(const std::string& prefix) {
  return prefix.size() >= 2 && static_cast<unsigned char>(prefix[0]) == 0x1f &&
         static_cast<unsigned char>(prefix[1]) == 0x8b;
}

// The value of "key: value" (NRRD) or "Key = Value" (MetaImage) in a text header, lower case.
std::string headerField(const std::string& header, const std::string& key, char separator) {
  std::istringstream lines(header);
  std::string line;
  while (std::getline(lines, line)) {
    if (line.empty() || line == "\r") break;  // end of an attached NRRD header
    const auto sep = line.find(separator);
    if (sep == std::string::npos) continue;
    std::string k = line.substr(0, sep);
    while (!k.empty() && std::isspace(static_cast<unsigned char>(k.back()))) k.pop_back();
    if (lower(k) != lower(key)) continue;
    std::string v = line.substr(sep + 1);
    const auto b = v.find_first_not_of(" \t");
    const auto e = v.find_last_not_of(" \t\r");
    return b == std::string::npos ? std::string() : lower(v.substr(b, e - b + 1));
  }
  return {};
}

// vox_offset and bitpix of a NIfTI-1 header (either byte order); false if it is not one.
bool parseNifti1(const std::string& header, DataLayout& layout) {
  if (header.size() < 348) return false;
  std::int32_t sizeofHdr;
  std::memcpy(&sizeofHdr, header.data(), 4);
  const bool swapped = sizeofHdr != 348;
  if (swapped && __builtin_bswap32(static_cast<std::uint32_t>(sizeofHdr)) != 348) return false;
  std::uint16_t bitpix;
  std::uint32_t voxOffsetBits;
  std::memcpy(&bitpix, header.data() + 72, 2);
  std::memcpy(&voxOffsetBits, header.data() + 108, 4);
  if (swapped) {
    bitpix = __builtin_bswap16(bitpix);
    voxOffsetBits = __builtin_bswap32(voxOffsetBits);
  }
  float voxOffset;
  std::memcpy(&voxOffset, &voxOffsetBits, 4);
  layout.dataOffset = std::isfinite(voxOffset) && voxOffset > 0 ? voxOffset : 348.0;
  layout.bytesPerValue = bitpix / 8.0;
  return true;
}

// The first bytes of a gzip file, decompressed.
std::string gunzipPrefix(const fs::path& path, std::size_t n) {
  gzFile f = gzopen(path.string().c_str(), "rb");
  if (!f) return {};
  std::string s(n, '\0');
  const int got = gzread(f, s.data(), static_cast<unsigned>(n));
  gzclose(f);
  s.resize(got > 0 ? static_cast<std::size_t>(got) : 0);
  return s;
}

DataLayout dataLayout(const fs::path& path, Format format) {
  DataLayout layout;
  if (isDetachedHeader(path)) return layout;  // voxels live in another file
  const std::string prefix = readPrefix(path, 65536);
  if (isGzip(prefix)) {
    layout.kind = DataLayout::Gzip;
    if (format == Format::Nifti) parseNifti1(gunzipPrefix(path, 348), layout);
    return layout;
  }
  if (format == Format::Nifti) {
    if (parseNifti1(prefix, layout)) layout.kind = DataLayout::Raw;
  } else if (format == Format::Nrrd) {
    if (!headerField(prefix, "data file", ':').empty() || !headerField(prefix, "datafile", ':').empty())
      return layout;
    const std::string enc = headerField(prefix, "encoding", ':');
    if (enc == "raw") layout.kind = DataLayout::Raw;
    if (enc == "gzip" || enc == "gz") layout.kind = DataLayout::Gzip;
  } else if (format == Format::Meta) {
    if (headerField(prefix, "ElementDataFile", '=') != "local") return layout;
    layout.kind = headerField(prefix, "CompressedData", '=') == "true" ? DataLayout::Gzip
                                                                       : DataLayout::Raw;
    // The voxels follow the ElementDataFile line; a compressed file states their length.
    const auto local = lower(prefix).find("elementdatafile");
    const auto lineEnd = local == std::string::npos ? local : prefix.find('\n', local);
    const std::string compressedSize = headerField(prefix, "CompressedDataSize", '=');
    if (lineEnd != std::string::npos && layout.kind == DataLayout::Gzip && !compressedSize.empty())
      layout.compressedEnd = static_cast<double>(lineEnd + 1) + std::strtod(compressedSize.c_str(), nullptr);
  }
  return layout;
}

// niftilib zero-fills what a truncated .nii.gz lacks and ITK does not report it, so we check
// that the compressed stream really holds the bytes we read (decompressing into a small buffer,
// in parallel with ITK's read). Returns an empty string when it does, else the problem.
std::string checkGzipHolds(const fs::path& path, double bytes) {
  gzFile f = gzopen(path.string().c_str(), "rb");
  if (!f) return "cannot open the file";
  gzbuffer(f, 1 << 18);
  std::vector<char> chunk(1 << 20);
  double total = 0;
  std::string problem;
  while (total < bytes) {
    const auto want = static_cast<unsigned>(std::min<double>(static_cast<double>(chunk.size()), bytes - total));
    const int got = gzread(f, chunk.data(), want);
    if (got <= 0) {
      int code = Z_OK;
      std::string message = gzerror(f, &code);  // "<path>: <what>"
      if (message.rfind(path.string() + ": ", 0) == 0) message.erase(0, path.string().size() + 2);
      problem = "the file is truncated or damaged: its compressed data ends after " +
                std::to_string(static_cast<long long>(total)) + " of the " +
                std::to_string(static_cast<long long>(bytes)) + " bytes the header promises" +
                (code != Z_OK && !message.empty() ? " (" + message + ")" : std::string());
      break;
    }
    total += got;
  }
  gzclose(f);
  return problem;
}

// Throws unless the voxels the header claims could be in the file and fit in memory.
DataLayout checkPlausible(const fs::path& path, Format format, const itk::ImageIOBase& io,
                          const ImageFileInfo& info, double bytesToRead) {
  const unsigned nd = info.dimensions;
  double voxels3d = 1;
  for (unsigned d = 0; d < nd; ++d) {
    if (info.size[d] == 0) fail("reading", path, "the header gives a zero image size (" + sizeText(info.size) + ")");
    if (d < 3) voxels3d *= static_cast<double>(info.size[d]);
  }
  if (bytesToRead > kMaxReadBytes || voxels3d > static_cast<double>(std::numeric_limits<std::int64_t>::max()))
    fail("reading", path,
         "the header claims " + sizeText(info.size) + " voxels of " + info.componentType + " (" +
             gib(bytesToRead) + "), more than the " + gib(kMaxReadBytes) +
             " this program reads: the file is damaged or not a single image");
  std::error_code ec;
  const auto fileSize = static_cast<double>(fs::file_size(path, ec));
  if (ec) return {};
  const DataLayout layout = dataLayout(path, format);
  const double valueBytes =
      layout.bytesPerValue > 0 ? layout.bytesPerValue
                               : static_cast<double>(io.GetComponentSize() * io.GetNumberOfComponents());
  // Only the first volume must be present for us to read it.
  const double needed = voxels3d * valueBytes;
  if (layout.kind == DataLayout::Raw && layout.dataOffset + needed > fileSize)
    fail("reading", path,
         "the file is truncated: the header claims " + sizeText(info.size) + " voxels of " +
             info.componentType + " but the file has only " + std::to_string(static_cast<long long>(fileSize)) +
             " bytes");
  if (layout.compressedEnd > fileSize)
    fail("reading", path,
         "the file is truncated: the header promises " +
             std::to_string(static_cast<long long>(layout.compressedEnd)) + " bytes but the file has only " +
             std::to_string(static_cast<long long>(fileSize)));
  if (layout.kind == DataLayout::Gzip && needed > fileSize * kMaxGzipRatio + 1048576.0)
    fail("reading", path,
         "the header claims " + sizeText(info.size) + " voxels of " + info.componentType +
             ", far more than a compressed file of " + std::to_string(static_cast<long long>(fileSize)) +
             " bytes can hold: the file is damaged");
  return layout;
}

// Opens the file and reads its header into `io`; fills `info`.
itk::ImageIOBase::Pointer openImage(const fs::path& path, ImageFileInfo& info) {
  std::error_code ec;
  if (!fs::exists(path, ec)) fail("reading", path, "file not found");
  if (fs::is_directory(path, ec)) fail("reading", path, "this is a folder, not an image file");
  const Format format = formatOf(path);
  if (format == Format::Unknown)
    fail("reading", path,
         "unknown image file format (expected .nii, .nii.gz, .nrrd, .nhdr, .mha or .mhd)");
  auto io = createIO(format);
  if (!io->CanReadFile(path.string().c_str()))
    fail("reading", path, std::string("not a readable ") + formatName(format) + " file (damaged, or another format)");
  try {
    io->SetFileName(path.string());
    io->ReadImageInformation();
  } catch (const itk::ExceptionObject& e) {
    fail("reading", path, std::string("cannot read the ") + formatName(format) + " header: " + itkMessage(e));
  }
  const unsigned nd = io->GetNumberOfDimensions();
  if (nd < 2 || nd > 4)
    fail("reading", path, "images with " + std::to_string(nd) + " dimensions are not supported (2, 3 or 4)");
  info = {};
  info.path = path;
  info.format = formatName(format);
  info.dimensions = nd;
  info.componentType = componentName(io->GetComponentType());
  info.components = io->GetNumberOfComponents();
  for (unsigned d = 0; d < nd; ++d) {
    info.size.push_back(io->GetDimensions(d));
    info.spacing.push_back(io->GetSpacing(d));
  }
  for (unsigned a = 0; a < 3 && a < nd; ++a) {
    info.origin[static_cast<int>(a)] = io->GetOrigin(a);
    const std::vector<double> dir = io->GetDirection(a);
    for (unsigned r = 0; r < 3; ++r)
      info.direction(static_cast<int>(r), static_cast<int>(a)) = r < dir.size() ? dir[r] : (r == a ? 1.0 : 0.0);
  }
  return io;
}

// --- pixel conversion --------------------------------------------------------------------------

template <class Dst, class Src>
void convertValues(const void* src, Dst* dst, std::size_t n) {
  const Src* s = static_cast<const Src*>(src);
  for (std::size_t i = 0; i < n; ++i) dst[i] = static_cast<Dst>(s[i]);
}

template <class Dst>
void convertFrom(IOComponent c, const void* src, Dst* dst, std::size_t n) {
  switch (c) {
    case IOComponent::UCHAR: return convertValues<Dst, std::uint8_t>(src, dst, n);
    case IOComponent::CHAR: return convertValues<Dst, std::int8_t>(src, dst, n);
    case IOComponent::USHORT: return convertValues<Dst, std::uint16_t>(src, dst, n);
    case IOComponent::SHORT: return convertValues<Dst, std::int16_t>(src, dst, n);
    case IOComponent::UINT: return convertValues<Dst, std::uint32_t>(src, dst, n);
    case IOComponent::INT: return convertValues<Dst, std::int32_t>(src, dst, n);
    case IOComponent::ULONG: return convertValues<Dst, unsigned long>(src, dst, n);
    case IOComponent::LONG: return convertValues<Dst, long>(src, dst, n);
    case IOComponent::ULONGLONG: return convertValues<Dst, unsigned long long>(src, dst, n);
    case IOComponent::LONGLONG: return convertValues<Dst, long long>(src, dst, n);
    case IOComponent::FLOAT: return convertValues<Dst, float>(src, dst, n);
    case IOComponent::DOUBLE: return convertValues<Dst, double>(src, dst, n);
    case IOComponent::LDOUBLE: return convertValues<Dst, long double>(src, dst, n);
    default: throw Error("unsupported voxel type");
  }
}

// Reads the first 3D volume into an image of type ImageT, converting from the file's type.
template <class ImageT>
typename ImageT::Pointer readInto(itk::ImageIOBase& io, const core::ImageGeometry& g,
                                  bool fullRegion, IOComponent native) {
  using PixelT = typename ImageT::PixelType;
  auto img = core::allocateImage<ImageT>(g);  // zero-filled; small next to the read itself
  const std::size_t n = g.voxelCount();
  const IOComponent same = std::is_same_v<PixelT, std::int16_t>    ? IOComponent::SHORT
                           : std::is_same_v<PixelT, std::uint16_t> ? IOComponent::USHORT
                                                                   : IOComponent::FLOAT;
  const bool direct = !fullRegion && native == same && io.GetComponentSize() == sizeof(PixelT);
  if (direct) {
    io.Read(img->GetBufferPointer());
    return img;
  }
  std::size_t valuesToRead = 1;
  for (unsigned d = 0; d < io.GetIORegion().GetImageDimension(); ++d) valuesToRead *= io.GetIORegion().GetSize(d);
  std::unique_ptr<char[]> buffer(new char[valuesToRead * io.GetComponentSize()]);
  io.Read(buffer.get());
  convertFrom(native, buffer.get(), img->GetBufferPointer(), n);  // first volume comes first
  return img;
}

// The voxel type of a one-component (scalar) image; fails naming the file otherwise.
IOComponent scalarComponentType(const fs::path& path, const ImageFileInfo& info, const itk::ImageIOBase& io) {
  if (info.components != 1 ||
      (io.GetPixelType() != itk::IOPixelEnum::SCALAR && io.GetPixelType() != itk::IOPixelEnum::VECTOR))
    fail("reading", path,
         "voxels have " + std::to_string(info.components) + " components (" +
             itk::ImageIOBase::GetPixelTypeAsString(io.GetPixelType()) + "); only scalar images are supported");
  const IOComponent native = io.GetComponentType();
  if (info.componentType == "unknown" || native == IOComponent::LDOUBLE)
    fail("reading", path, "unsupported voxel type " + itk::ImageIOBase::GetComponentTypeAsString(native));
  return native;
}

// The geometry of one (3D) volume of the file; fails on a spacing or orientation no scanner
// writes.
core::ImageGeometry volumeGeometry(const fs::path& path, const ImageFileInfo& info) {
  std::array<std::size_t, 3> size{1, 1, 1};
  core::Vec3 spacing{1, 1, 1};
  for (unsigned d = 0; d < 3 && d < info.dimensions; ++d) {
    size[d] = info.size[d];
    spacing[static_cast<int>(d)] = info.spacing[d];
    if (!(std::isfinite(info.spacing[d]) && info.spacing[d] > 0))
      fail("reading", path, "invalid voxel spacing " + std::to_string(info.spacing[d]) + " along axis " + std::to_string(d));
  }
  if (!(std::abs(info.direction.determinant()) > 1e-6))
    fail("reading", path, "the orientation (direction matrix) in the header is degenerate");
  return core::ImageGeometry(size, spacing, info.origin, info.direction);
}

}  // namespace

bool isImageFileName(const fs::path& path) { return formatOf(path) != Format::Unknown; }

ImageFileInfo readImageInfo(const fs::path& path) {
  ImageFileInfo info;
  openImage(path, info);
  return info;
}

core::VolumePtr readImageFile(const fs::path& path, core::ProgressSink& progress) {
  progress.checkCancel(0.0, "reading header");
  ImageFileInfo info;
  auto io = openImage(path, info);
  const Format format = formatOf(path);
  const unsigned nd = info.dimensions;
  const IOComponent native = scalarComponentType(path, info, *io);

  // The region to read: the first volume, or everything where the IO cannot read a part
  // (NRRD reads whole files; NIfTI and MetaImage read sub-regions).
  const bool canReadPart = format != Format::Nrrd;
  const bool fullRegion = nd > 3 && !canReadPart;
  itk::ImageIORegion region(nd);
  double values = 1;
  for (unsigned d = 0; d < nd; ++d) {
    region.SetIndex(d, 0);
    const std::size_t s = (d < 3 || fullRegion) ? info.size[d] : 1;
    region.SetSize(d, s);
    values *= static_cast<double>(s);
  }
  const double bytesToRead = values * static_cast<double>(io->GetComponentSize());
  const DataLayout layout = checkPlausible(path, format, *io, info, bytesToRead);
  std::future<std::string> gzipCheck;
  if (format == Format::Nifti && layout.kind == DataLayout::Gzip && layout.bytesPerValue > 0) {
    double voxels3d = 1;
    for (unsigned d = 0; d < 3 && d < nd; ++d) voxels3d *= static_cast<double>(info.size[d]);
    const double bytes = layout.dataOffset + voxels3d * layout.bytesPerValue;
    gzipCheck = std::async(std::launch::async, [path, bytes] { return checkGzipHolds(path, bytes); });
  }

  const core::ImageGeometry geometry = volumeGeometry(path, info);

  progress.checkCancel(0.05, "reading voxels");
  core::Volume::ImageVariant image;
  try {
    const core::ImageGeometry& g = geometry;
    io->SetUseStreamedReading(true);
    io->SetIORegion(region);
    switch (native) {
      case IOComponent::UCHAR:
      case IOComponent::CHAR:
      case IOComponent::SHORT: image = readInto<core::ImageI16>(*io, g, fullRegion, native); break;
      case IOComponent::USHORT: image = readInto<core::ImageU16>(*io, g, fullRegion, native); break;
      default: image = readInto<core::ImageF32>(*io, g, fullRegion, native); break;
    }
  } catch (const itk::ExceptionObject& e) {
    fail("reading", path, std::string("cannot read the voxels (truncated or damaged file?): ") + itkMessage(e));
  } catch (const std::bad_alloc&) {
    fail("reading", path, "not enough memory for " + gib(bytesToRead));
  } catch (Error& e) {
    throw e.addContext("reading " + path.string());
  }
  if (gzipCheck.valid()) {
    const std::string problem = gzipCheck.get();
    if (!problem.empty()) fail("reading", path, problem);
  }
  progress.checkCancel(0.95, "reading voxels");
  try {
    auto volume = std::make_shared<core::Volume>(std::move(image));
    volume->setName(path.filename().string());
    progress.report(1.0, "done");
    return volume;
  } catch (Error& e) {
    throw e.addContext("reading " + path.string());
  }
}

std::vector<core::VolumePtr> readImageVolumes(const fs::path& path, core::ProgressSink& progress) {
  progress.checkCancel(0.0, "reading header");
  ImageFileInfo info;
  auto io = openImage(path, info);
  const Format format = formatOf(path);
  const unsigned nd = info.dimensions;
  const IOComponent native = scalarComponentType(path, info, *io);
  itk::ImageIORegion region(nd);
  double values = 1;
  for (unsigned d = 0; d < nd; ++d) {
    region.SetIndex(d, 0);
    region.SetSize(d, info.size[d]);
    values *= static_cast<double>(info.size[d]);
  }
  const double bytesToRead = values * static_cast<double>(io->GetComponentSize());
  const DataLayout layout = checkPlausible(path, format, *io, info, bytesToRead);
  const std::size_t volumeCount = nd > 3 ? info.size[3] : 1;
  const core::ImageGeometry geometry = volumeGeometry(path, info);
  if (format == Format::Nifti && layout.kind == DataLayout::Raw && layout.bytesPerValue > 0) {
    std::error_code ec;
    const auto fileSize = static_cast<double>(fs::file_size(path, ec));
    if (!ec && layout.dataOffset + values * layout.bytesPerValue > fileSize)
      fail("reading", path,
           "the file is truncated: the header claims " + sizeText(info.size) + " voxels of " + info.componentType +
               " but the file has only " + std::to_string(static_cast<long long>(fileSize)) + " bytes");
  }
  std::future<std::string> gzipCheck;
  if (format == Format::Nifti && layout.kind == DataLayout::Gzip && layout.bytesPerValue > 0) {
    const double bytes = layout.dataOffset + values * layout.bytesPerValue;
    gzipCheck = std::async(std::launch::async, [path, bytes] { return checkGzipHolds(path, bytes); });
  }
  progress.checkCancel(0.05, "reading voxels");
  std::vector<core::VolumePtr> volumes;
  try {
    const core::ImageGeometry& g = geometry;
    const std::size_t perVolume = g.voxelCount();
    io->SetUseStreamedReading(true);
    io->SetIORegion(region);
    std::unique_ptr<char[]> buffer(new char[static_cast<std::size_t>(bytesToRead)]);
    io->Read(buffer.get());
    if (gzipCheck.valid()) {
      const std::string problem = gzipCheck.get();
      if (!problem.empty()) fail("reading", path, problem);
    }
    const std::size_t valueBytes = io->GetComponentSize();
    for (std::size_t t = 0; t < volumeCount; ++t) {
      progress.checkCancel(0.5 + 0.5 * double(t) / double(volumeCount), "converting voxels");
      const char* src = buffer.get() + t * perVolume * valueBytes;
      core::Volume::ImageVariant image;
      auto fill = [&](auto tag) {
        using ImageT = typename decltype(tag)::type;
        auto img = core::allocateImage<ImageT>(g);
        convertFrom(native, src, img->GetBufferPointer(), perVolume);
        image = img;
      };
      switch (native) {
        case IOComponent::UCHAR:
        case IOComponent::CHAR:
        case IOComponent::SHORT: fill(std::common_type<core::ImageI16>{}); break;
        case IOComponent::USHORT: fill(std::common_type<core::ImageU16>{}); break;
        default: fill(std::common_type<core::ImageF32>{}); break;
      }
      auto volume = std::make_shared<core::Volume>(std::move(image));
      volume->setName(path.filename().string() +
                      (volumeCount > 1 ? " [" + std::to_string(t + 1) + "/" + std::to_string(volumeCount) + "]" : ""));
      volumes.push_back(std::move(volume));
    }
  } catch (const itk::ExceptionObject& e) {
    fail("reading", path, std::string("cannot read the voxels (truncated or damaged file?): ") + itkMessage(e));
  } catch (const std::bad_alloc&) {
    fail("reading", path, "not enough memory for " + gib(bytesToRead));
  } catch (const core::Cancelled&) {
    throw;
  } catch (Error& e) {
    if (e.messages().size() > 1) throw;  // already names the file
    throw e.addContext("reading " + path.string());
  }
  progress.report(1.0, "done");
  return volumes;
}

ImageSeries readImageSeries(const fs::path& path, core::ProgressSink& progress) {
  ImageSeries out;
  const ImageFileInfo info = readImageInfo(path);
  out.volumes = readImageVolumes(path, progress);
  if (formatOf(path) != Format::Nifti || out.volumes.empty()) return out;
  if (info.dimensions > 3 && info.spacing.size() > 3 && std::isfinite(info.spacing[3]) && info.spacing[3] > 0)
    out.volumeSpacing = info.spacing[3];
  const fs::path bval = bvalPathFor(path), bvec = bvecPathFor(path);
  std::error_code ec;
  const bool hasBval = fs::is_regular_file(bval, ec), hasBvec = fs::is_regular_file(bvec, ec);
  if (!hasBval && !hasBvec) return out;
  if (hasBval != hasBvec) {
    out.warnings.push_back((hasBval ? bval : bvec).filename().string() + " is beside it but " +
                           (hasBval ? bvec : bval).filename().string() + " is missing: no b-values shown");
    return out;
  }
  try {
    const GradientTable table = readGradientTable(bval, bvec);
    if (table.bValues.size() != out.volumes.size()) {
      out.warnings.push_back(bval.filename().string() + " has " + std::to_string(table.bValues.size()) +
                             " b-values but the image has " + std::to_string(out.volumes.size()) +
                             " volumes: no b-values shown");
      return out;
    }
    out.gradientsLps = gradientsLps(table, out.volumes.front()->geometry());
    out.bValues = table.bValues;
  } catch (const Error& e) {
    out.warnings.push_back(std::string(e.what()) + ": no b-values shown");
  }
  return out;
}

// --- writing ---------------------------------------------------------------------------------

namespace {

void writeWithItk(const core::Volume& volume, const fs::path& file, Format format) {
  auto io = createIO(format);
  std::visit(
      [&](const auto& img) {
        using ImageT = typename std::decay_t<decltype(img)>::ObjectType;
        auto writer = itk::ImageFileWriter<ImageT>::New();
        writer->SetImageIO(io);
        writer->SetFileName(file.string());
        writer->SetInput(img);
        const std::string ext = extensionOf(file);
        writer->SetUseCompression(ext == ".nii.gz" || format != Format::Nifti);
        writer->Update();
      },
      volume.image());
}

}  // namespace

void writeImageFile(const core::Volume& volume, const fs::path& path) {
  const Format format = formatOf(path);
  if (format == Format::Unknown)
    fail("writing", path, "unknown image file format (use .nii, .nii.gz, .nrrd, .nhdr, .mha or .mhd)");
  const fs::path folder = path.parent_path().empty() ? fs::path(".") : path.parent_path();
  std::error_code ec;
  if (!fs::is_directory(folder, ec)) fail("writing", path, "the folder does not exist");
  if (fs::is_directory(path, ec)) fail("writing", path, "a folder of that name exists");
  const std::string ext = extensionOf(path);
  std::string stem = path.filename().string();
  stem.resize(stem.size() - ext.size());
  const std::string tag = ".tmp-" + detail::randomFileTag();

  if (!isDetachedHeader(path)) {
    // One file: write ".name.tmp-XXXX.ext" beside the target, then rename over it.
    const fs::path temp = folder / ("." + stem + tag + ext);
    try {
      writeWithItk(volume, temp, format);
      fs::rename(temp, path);
    } catch (const itk::ExceptionObject& e) {
      fs::remove(temp, ec);
      fail("writing", path, itkMessage(e));
    } catch (const fs::filesystem_error& e) {
      fs::remove(temp, ec);
      fail("writing", path, e.code().message());
    } catch (Error& e) {
      fs::remove(temp, ec);
      throw e.addContext("writing " + path.string());
    }
    return;
  }
  // Header + data file: the header names the data file, so both are written under their final
  // names into a hidden folder beside the target and moved out, header last.
  const fs::path tempDir = folder / ("." + stem + tag);
  try {
    fs::create_directory(tempDir);
    const fs::path header = tempDir / path.filename();
    writeWithItk(volume, header, format);
    for (const auto& entry : fs::directory_iterator(tempDir))
      if (entry.path() != header) fs::rename(entry.path(), folder / entry.path().filename());
    fs::rename(header, path);
    fs::remove_all(tempDir, ec);
  } catch (const itk::ExceptionObject& e) {
    fs::remove_all(tempDir, ec);
    fail("writing", path, itkMessage(e));
  } catch (const fs::filesystem_error& e) {
    fs::remove_all(tempDir, ec);
    fail("writing", path, e.code().message());
  } catch (Error& e) {
    fs::remove_all(tempDir, ec);
    throw e.addContext("writing " + path.string());
  }
}

}  // namespace fw::io
