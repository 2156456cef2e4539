#include "fw/dicom/SeriesReader.h"

#include <algorithm>
#include <array>
#include <atomic>
#include <cmath>
#include <limits>
#include <map>
#include <mutex>
#include <tuple>
#include <type_traits>
#include <variant>

#include "DirectRead.h"
#include "ParallelFor.h"
#include "PixelDecoder.h"
#include "SliceHeader.h"
#include "SliceLayout.h"
#include "fw/core/Error.h"

namespace fw::dicom {

namespace fs = std::filesystem;
using detail::SliceHeader;

namespace {

// Reads the headers of the given files; throws on the first unusable one.
std::vector<SliceHeader> readHeaders(const std::vector<fs::path>& files, core::ProgressSink& progress,
                                     std::vector<std::string>& warnings) {
  std::vector<SliceHeader> headers;
  headers.reserve(files.size());
  for (std::size_t i = 0; i < files.size(); ++i) {
    progress.checkCancel(static_cast<double>(i) / static_cast<double>(files.size()), "reading headers");
    auto r = detail::readSliceHeader(files[i]);
    if (r.headers.empty()) throw core::Error("reading " + files[i].string() + ": " + r.skipReason);
    warnings.insert(warnings.end(), r.warnings.begin(), r.warnings.end());
    for (auto& h : r.headers) headers.push_back(std::move(h));
  }
  return headers;
}

// "<description>", or "<modality> series <number>" without one (never "CT CT ...").
std::string seriesName(const std::string& modality, const std::string& description, int number = 0) {
  if (!description.empty()) return description;
  std::string name = modality.empty() ? "DICOM" : modality;
  name += " series";
  if (number > 0) name += " " + std::to_string(number);
  return name;
}

bool isIntegral(double v) { return std::abs(v - std::round(v)) < 1e-9; }

enum class OutType { I16, U16, F32 };

// The pixel type of a series, chosen before decoding from Bits Stored, Pixel Representation
// and the rescale of every slice: the narrowest integer type that holds every value the stored
// bits can give, float when the rescale is not integral. When the stored range is wider than
// the values usually are (16 stored bits plus an intercept), an integer type is tried and the
// decoder falls back to float if a value does not fit (`exact` false).
OutType choosePixelType(const std::vector<SliceHeader>& headers, const detail::SeriesLayout& layout,
                        core::Modality modality, bool& exact) {
  bool integerRescale = true, anySigned = false, anyRescale = false, wide = false;
  double lo = 0, hi = 0;
  bool firstRange = true;
  for (const auto& volume : layout.volumes)
    for (std::size_t i : volume) {
      const SliceHeader& h = headers[i];
      integerRescale = integerRescale && isIntegral(h.rescaleSlope) && isIntegral(h.rescaleIntercept);
      anySigned = anySigned || h.pixelRepresentation == 1;
      anyRescale = anyRescale || h.rescaleSlope != 1 || h.rescaleIntercept != 0;
      wide = wide || h.bitsAllocated > 16;
      double a = 0, b = 0;
      detail::rescaledRange(h, a, b);
      lo = firstRange ? a : std::min(lo, a);
      hi = firstRange ? b : std::max(hi, b);
      firstRange = false;
    }
  exact = true;
  if (!integerRescale || wide) return OutType::F32;
  const bool unsignedRaw = !anySigned && !anyRescale && modality != core::Modality::CT;
  if (unsignedRaw && lo >= 0 && hi <= 65535) return OutType::U16;
  if (lo >= -32768 && hi <= 32767) return OutType::I16;
  if (lo >= 0 && hi <= 65535) return OutType::U16;
  exact = false;
  return lo < 0 ? OutType::I16 : OutType::U16;
}

// Runs decode(k) for every slice index k in parallel, reporting progress over 0..0.9. Each
// thread has its own DCMTK file cache, so the frames of a compressed multi-frame file cost one
// parse per thread, not one per frame. decode returns false to skip the remaining slices.
// Plain threads, not OpenMP: libgomp's idle workers spin after each of the many small regions
// a 4D series opens (detail/ParallelFor.h). The first exception is rethrown after the loop.
template <class F>
void decodeEachSlice(std::size_t count, core::ProgressSink& progress, const F& decode) {
  std::atomic<std::size_t> done{0};
  detail::parallelFor<detail::DcmtkFileCache>(count, [&](std::size_t k) {
    if (!decode(k)) return false;
    progress.checkCancel(0.9 * static_cast<double>(++done) / static_cast<double>(count), "reading slices");
    return true;
  });
}

// Decodes the given slices into consecutive planes of `buffer`. Returns false when a value did
// not fit T.
template <class T>
bool decodeSlices(const std::vector<const SliceHeader*>& slices, T* buffer, core::ProgressSink& progress) {
  const std::size_t sliceSize = slices.front()->rows * slices.front()->columns;
  std::atomic<bool> fits{true};
  decodeEachSlice(slices.size(), progress, [&](std::size_t k) {
    if (detail::decodeFrameAs<T>(*slices[k], buffer + k * sliceSize)) return true;
    fits.store(false);
    return false;
  });
  return fits.load();
}

template <class T>
T roundTo(double v) {
  if constexpr (std::is_floating_point_v<T>) {
    return static_cast<T>(v);
  } else {
    // std::round (half away from zero) without the libm call, which was a tenth of the tilt
    // resample: v - trunc(v) is exact, so this equals std::round for every |v| < 2^52.
    v = std::clamp(v, double(std::numeric_limits<T>::min()), double(std::numeric_limits<T>::max()));
    auto r = static_cast<std::int64_t>(v);
    const double frac = v - double(r);
    if (frac >= 0.5) ++r;
    else if (frac <= -0.5) --r;
    return static_cast<T>(r);
  }
}

struct NoThreadState {};  // parallelFor's per-thread state, when none is needed

// The two input slices an output plane z of a resampled layout lies between (lo <= hi, weight
// fracHi on hi): the slices at or just above and below z * dz along the normal.
struct SliceBracket {
  std::size_t lo = 0, hi = 0;
  double fracHi = 1.0;
};
SliceBracket bracketOf(const detail::SeriesLayout& layout, std::size_t z) {
  const std::size_t n = layout.sliceDistance.size();
  const double s = double(z) * layout.geometry.spacing()[2];
  SliceBracket b;
  while (b.hi + 1 < n && layout.sliceDistance[b.hi] < s - 1e-6) ++b.hi;
  b.lo = b.hi > 0 ? b.hi - 1 : 0;
  const double dLo = layout.sliceDistance[b.lo], dHi = layout.sliceDistance[b.hi];
  if (dHi > dLo && s < dHi) b.fracHi = std::clamp((s - dLo) / (dHi - dLo), 0.0, 1.0);
  return b;
}

// Output plane z of a resampled layout from its input slices (input(k): slice k, columns x
// rows): bilinear in the plane at the slice's in-plane shift, linear between the two slices;
// outside the data, `fill`.
template <class T, class Input>
void resamplePlane(std::size_t z, const Input& input, std::size_t columns, std::size_t rows,
                   const detail::SeriesLayout& layout, T fill, T* out) {
  const auto& g = layout.geometry;
  const std::size_t outColumns = g.size()[0], outRows = g.size()[1];
  const SliceBracket b = bracketOf(layout, z);
  // weight x slice k (shifted in-plane by `shift`) along output row j, added to acc: a slice's
  // shift is the same for all its voxels, so the source row and its weight are found once per
  // row; per voxel the same bilinear arithmetic as always.
  const auto addRow = [&](std::size_t k, const std::array<double, 2>& shift, double weight, std::size_t j,
                          double* acc) {
    const double v = double(j) - shift[1];
    if (!(v > -1e-3 && v < double(rows - 1) + 1e-3)) {
      for (std::size_t i = 0; i < outColumns; ++i) acc[i] += weight * double(fill);
      return;
    }
    const double vc = std::clamp(v, 0.0, double(rows - 1));
    const auto v0 = static_cast<std::size_t>(vc);
    const std::size_t v1 = std::min(v0 + 1, rows - 1);
    const double fv = vc - double(v0);
    const T* r0 = input(k) + v0 * columns;
    const T* r1 = input(k) + v1 * columns;
    for (std::size_t i = 0; i < outColumns; ++i) {
      const double u = double(i) - shift[0];
      if (!(u > -1e-3 && u < double(columns - 1) + 1e-3)) {
        acc[i] += weight * double(fill);
        continue;
      }
      const double uc = std::clamp(u, 0.0, double(columns - 1));
      const auto u0 = static_cast<std::size_t>(uc);
      const std::size_t u1 = std::min(u0 + 1, columns - 1);
      const double fu = uc - double(u0);
      acc[i] += weight * ((1 - fv) * ((1 - fu) * double(r0[u0]) + fu * double(r0[u1])) +
                          fv * ((1 - fu) * double(r1[u0]) + fu * double(r1[u1])));
    }
  };
  const auto& shLo = layout.sliceShift[b.lo];
  const auto& shHi = layout.sliceShift[b.hi];
  // Rows in blocks on the machine's threads (plain threads: see ParallelFor.h); each output
  // voxel is computed alone, so the values do not depend on the split.
  constexpr std::size_t kRowsPerBlock = 32;
  const std::size_t blocks = (outRows + kRowsPerBlock - 1) / kRowsPerBlock;
  detail::parallelFor<NoThreadState>(blocks, [&](std::size_t block) {
    std::vector<double> acc(outColumns);
    const std::size_t j1 = std::min(outRows, (block + 1) * kRowsPerBlock);
    for (std::size_t j = block * kRowsPerBlock; j < j1; ++j) {
      std::fill(acc.begin(), acc.end(), 0.0);
      addRow(b.hi, shHi, b.fracHi, j, acc.data());
      if (b.fracHi < 1.0) addRow(b.lo, shLo, 1.0 - b.fracHi, j, acc.data());
      for (std::size_t i = 0; i < outColumns; ++i) out[j * outColumns + i] = roundTo<T>(acc[i]);
    }
    return true;
  });
}

// Resamples a stack of decoded slices (columns x rows x n, slice k at layout.sliceDistance[k]
// and shifted in-plane by layout.sliceShift[k]) onto layout.geometry: bilinear in the plane,
// linear between the two nearest slices; outside the data, the darkest value.
template <class T>
void resampleStack(const T* src, std::size_t columns, std::size_t rows, const detail::SeriesLayout& layout, T* dst) {
  const auto& g = layout.geometry;
  const std::size_t n = layout.sliceDistance.size();
  const std::size_t plane = columns * rows;
  T fill = src[0];
  for (std::size_t i = 0; i < plane * n; ++i) fill = std::min(fill, src[i]);
  const std::size_t outPlane = g.size()[0] * g.size()[1];
  const auto outSlicesI = static_cast<std::ptrdiff_t>(g.size()[2]);
  const auto input = [&](std::size_t k) { return src + k * plane; };
  for (std::ptrdiff_t zi = 0; zi < outSlicesI; ++zi)  // each plane runs on the threads
    resamplePlane<T>(static_cast<std::size_t>(zi), input, columns, rows, layout, fill, dst + std::size_t(zi) * outPlane);
}

// Whether resampleInPlace can do this layout: the slices fit in the output, and writing output
// plane z (from the top down) never reaches a slice that a plane below z still reads. True for
// gantry tilt (planes grow) and for slices resampled onto a finer grid (GE's uneven tilt series:
// 28 slices onto 56 planes); otherwise the stack is kept apart (resampleStack).
bool resamplesInPlace(const detail::SeriesLayout& layout, std::size_t columns, std::size_t rows) {
  const auto& g = layout.geometry;
  const std::size_t n = layout.sliceDistance.size(), planes = g.size()[2];
  const std::size_t plane = columns * rows, outPlane = g.size()[0] * g.size()[1];
  if (n == 0 || planes == 0 || n * plane > planes * outPlane) return false;
  for (std::size_t z = planes - 1; z > 0; --z)
    if ((bracketOf(layout, z - 1).hi + 1) * plane > z * outPlane) return false;
  return true;
}

// resampleStack without a second copy of the data: the slices were decoded into the front of
// the output `buffer` (slice k at k*columns*rows). Output planes are written from the top down,
// each from copies of its two slices; resamplesInPlace checked that no plane overwrites a slice
// a lower plane still reads. Same arithmetic as resampleStack, so the same values; peak memory
// is the volume plus two slices instead of the volume plus the stack (issue 3: 1.49x -> ~1.0x
// the voxel data on the GE tilt series).
template <class T>
void resampleInPlace(T* buffer, std::size_t columns, std::size_t rows, const detail::SeriesLayout& layout) {
  const auto& g = layout.geometry;
  const std::size_t n = layout.sliceDistance.size();
  const std::size_t plane = columns * rows, outPlane = g.size()[0] * g.size()[1];
  T fill = buffer[0];
  for (std::size_t i = 0; i < plane * n; ++i) fill = std::min(fill, buffer[i]);
  std::vector<T> lo(plane), hi(plane);
  for (std::size_t z = g.size()[2]; z-- > 0;) {
    const SliceBracket b = bracketOf(layout, z);
    std::copy(buffer + b.lo * plane, buffer + (b.lo + 1) * plane, lo.begin());
    std::copy(buffer + b.hi * plane, buffer + (b.hi + 1) * plane, hi.begin());
    const auto input = [&](std::size_t k) -> const T* { return k == b.hi ? hi.data() : lo.data(); };
    resamplePlane<T>(z, input, columns, rows, layout, fill, buffer + z * outPlane);
  }
}

// Decodes one volume into an image of pixel type T. Returns null when a value did not fit T.
template <class ImageT>
typename ImageT::Pointer decodeVolume(const std::vector<const SliceHeader*>& slices, const detail::SeriesLayout& layout,
                                      core::ProgressSink& progress) {
  using T = typename ImageT::PixelType;
  auto img = core::allocateImage<ImageT>(layout.geometry, /*zeroed=*/false);  // every voxel is written below
  detail::adviseHugePages(img->GetBufferPointer(), layout.geometry.voxelCount() * sizeof(T));
  if (!layout.resample) {
    if (!decodeSlices<T>(slices, img->GetBufferPointer(), progress)) return nullptr;
    return img;
  }
  const SliceHeader& first = *slices.front();
  if (resamplesInPlace(layout, first.columns, first.rows)) {  // gantry tilt: no second copy
    if (!decodeSlices<T>(slices, img->GetBufferPointer(), progress)) return nullptr;
    resampleInPlace<T>(img->GetBufferPointer(), first.columns, first.rows, layout);
    return img;
  }
  std::vector<T> stack(first.rows * first.columns * slices.size());
  if (!decodeSlices<T>(slices, stack.data(), progress)) return nullptr;
  resampleStack<T>(stack.data(), first.columns, first.rows, layout, img->GetBufferPointer());
  return img;
}

// The three channel volumes (red, green, blue; UInt16 holding 0..255) of one volume of a colour
// series. Slices are decoded in parallel; a resampled layout resamples each channel alike.
std::array<core::ImageU16::Pointer, 3> decodeColourVolume(const std::vector<const SliceHeader*>& slices,
                                                           const detail::SeriesLayout& layout,
                                                           core::ProgressSink& progress) {
  const SliceHeader& first = *slices.front();
  const std::size_t plane = first.rows * first.columns;
  const bool inPlace = layout.resample && resamplesInPlace(layout, first.columns, first.rows);
  std::array<std::vector<std::uint16_t>, 3> stacks;
  std::array<core::ImageU16::Pointer, 3> images;
  std::array<std::uint16_t*, 3> target{};
  for (std::size_t c = 0; c < 3; ++c) {
    images[c] = core::allocateImage<core::ImageU16>(layout.geometry);
    if (layout.resample && !inPlace) {
      stacks[c].resize(plane * slices.size());
      target[c] = stacks[c].data();
    } else {
      target[c] = images[c]->GetBufferPointer();
    }
  }
  decodeEachSlice(slices.size(), progress, [&](std::size_t k) {
    const std::size_t at = k * plane;
    detail::decodeColourFrame(*slices[k], target[0] + at, target[1] + at, target[2] + at);
    return true;
  });
  for (std::size_t c = 0; c < 3 && layout.resample; ++c) {
    if (inPlace)
      resampleInPlace<std::uint16_t>(images[c]->GetBufferPointer(), first.columns, first.rows, layout);
    else
      resampleStack<std::uint16_t>(stacks[c].data(), first.columns, first.rows, layout, images[c]->GetBufferPointer());
  }
  return images;
}

// One volume of an arranged series: decode its slices straight into the series' pixel type.
// Colour series: three volumes (red, green, blue).
std::vector<core::VolumePtr> assembleVolume(const std::vector<SliceHeader>& headers, const detail::SeriesLayout& layout,
                                            std::size_t volumeIndex, core::ProgressSink& progress) {
  if (volumeIndex >= layout.volumes.size())
    throw core::Error("volume " + std::to_string(volumeIndex + 1) + " requested but the series has " +
                      std::to_string(layout.volumes.size()));
  std::vector<const SliceHeader*> slices;
  for (std::size_t i : layout.volumes[volumeIndex]) slices.push_back(&headers[i]);

  const SliceHeader& first = *slices.front();
  for (const auto* h : slices) {
    if (h->bitsAllocated != first.bitsAllocated || h->samplesPerPixel != first.samplesPerPixel)
      throw core::Error("reading " + h->file.string() + ": pixel format differs from " + first.file.string());
    // Known problems (a truncated file, an image size the data does not hold) fail before
    // anything is allocated.
    if (!h->pixelDataProblem.empty()) throw core::Error("reading " + h->file.string() + ": " + h->pixelDataProblem);
  }

  const core::Modality modality = core::modalityFromCode(first.modality);
  std::string name = seriesName(first.modality, first.identity.seriesDescription, first.identity.seriesNumber);
  if (layout.volumes.size() > 1)
    name += " [" + std::to_string(volumeIndex + 1) + "/" + std::to_string(layout.volumes.size()) + "]";

  if (detail::isColour(first)) {
    for (const auto* h : slices)
      if (!detail::isColour(*h) || h->photometric != first.photometric)
        throw core::Error("reading " + h->file.string() + ": photometric interpretation " + h->photometric +
                          " differs from " + first.photometric + " in " + first.file.string());
    const auto channels = decodeColourVolume(slices, layout, progress);
    static const char* const kChannel[3] = {"red", "green", "blue"};
    std::vector<core::VolumePtr> out;
    for (std::size_t c = 0; c < 3; ++c) {
      auto volume = std::make_shared<core::Volume>(core::Volume::ImageVariant(channels[c]), modality, "");
      volume->setIdentity(first.identity);
      volume->setName(name + " (" + kChannel[c] + ")");
      out.push_back(std::move(volume));
    }
    progress.report(1.0, "reading slices");
    return out;
  }

  bool exact = true;
  const OutType type = choosePixelType(headers, layout, modality, exact);
  core::Volume::ImageVariant image;
  switch (type) {
    case OutType::I16:
      if (auto img = decodeVolume<core::ImageI16>(slices, layout, progress)) image = img;
      break;
    case OutType::U16:
      if (auto img = decodeVolume<core::ImageU16>(slices, layout, progress)) image = img;
      break;
    case OutType::F32: image = decodeVolume<core::ImageF32>(slices, layout, progress); break;
  }
  if (std::visit([](const auto& p) { return p.IsNull(); }, image))
    image = decodeVolume<core::ImageF32>(slices, layout, progress);  // a value did not fit: float after all

  auto volume = std::make_shared<core::Volume>(image, modality, modality == core::Modality::CT ? "HU" : "");
  volume->setIdentity(first.identity);
  volume->setName(name);
  progress.report(1.0, "reading slices");
  return {volume};
}

// Runs f with the series' context added to any Error it throws (Cancelled passes unchanged).
template <class F>
auto withSeriesContext(const SeriesEntry& series, F&& f) -> decltype(f()) {
  try {
    return f();
  } catch (core::Cancelled&) {
    throw;
  } catch (core::Error& e) {
    e.addContext("loading series '" + series.displayName() + "'");
    throw;
  } catch (const std::exception& e) {
    throw core::Error(std::string(e.what()))
        .addContext("loading series '" + series.displayName() + "'");
  }
}

// The series' headers: the scan's cache when there is one, else read from its files.
std::vector<SliceHeader> headersOf(const SeriesEntry& series, core::ProgressSink& progress,
                                   std::vector<std::string>& warnings) {
  if (series.headers && !series.headers->headers.empty()) return series.headers->headers;
  return readHeaders(series.files, progress, warnings);
}

// When the volume's first slice was acquired (seconds since midnight), if known.
std::optional<double> volumeStartS(const std::vector<SliceHeader>& headers, const std::vector<std::size_t>& slices) {
  std::optional<double> t;
  for (std::size_t i : slices)
    if (const auto& s = headers[i].acquisitionTimeS) t = t ? std::min(*t, *s) : *s;
  return t;
}

VolumeMeta metaOf(const std::vector<SliceHeader>& headers, const detail::SeriesLayout& layout, std::size_t v) {
  VolumeMeta m;
  const SliceHeader& h = headers[layout.volumes[v].front()];
  m.bValue = h.bValue;
  if (h.gradient && core::norm(*h.gradient) > 1e-6) m.gradient = core::normalized(*h.gradient);
  m.echoTimeMs = h.echoTimeMs;
  m.imageType = h.imageType;
  const auto t0 = volumeStartS(headers, layout.volumes.front());
  const auto t = volumeStartS(headers, layout.volumes[v]);
  if (t0 && t) {
    double dt = *t - *t0;
    if (dt < -43200) dt += 86400;  // the series ran past midnight
    m.timeS = dt;
  }
  return m;
}

}  // namespace

const char* seriesKindName(SeriesKind kind) {
  switch (kind) {
    case SeriesKind::Image: return "image";
    case SeriesKind::Diffusion: return "DWI";
    case SeriesKind::Functional: return "BOLD";
    case SeriesKind::MultiEcho: return "multi-echo";
    case SeriesKind::OtherMultiVolume: return "4D";
    case SeriesKind::Localizer: return "localizer";
    case SeriesKind::NotAssembled: return "not a volume";
  }
  return "";
}

std::string SeriesEntry::displayName() const {
  return seriesName(modalityCode.empty() ? core::modalityCode(modality) : modalityCode, identity.seriesDescription,
                    identity.seriesNumber);
}

LoadedSeries loadSeries(const SeriesEntry& series, core::ProgressSink& progress, const LoadOptions& options) {
  return withSeriesContext(series, [&] {
    LoadedSeries out;
    core::SubProgress headerProgress(progress, 0.0, 0.1, "reading headers");
    const auto headers = headersOf(series, headerProgress, out.warnings);
    const auto layout = detail::arrangeSlices(headers);
    out.warnings.insert(out.warnings.end(), layout.warnings.begin(), layout.warnings.end());
    out.repetitionTimeMs = headers.front().repetitionTimeMs;
    std::vector<std::size_t> wanted;
    if (options.volumeIndex) {
      if (*options.volumeIndex >= layout.volumes.size())
        throw core::Error("volume " + std::to_string(*options.volumeIndex + 1) + " requested but the series has " +
                          std::to_string(layout.volumes.size()));
      wanted.push_back(*options.volumeIndex);
    } else {
      for (std::size_t v = 0; v < layout.volumes.size(); ++v) wanted.push_back(v);
    }
    const double count = static_cast<double>(wanted.size());
    for (std::size_t i = 0; i < wanted.size(); ++i) {
      core::SubProgress sliceProgress(progress, 0.1 + 0.9 * double(i) / count, 0.1 + 0.9 * double(i + 1) / count,
                                      "reading slices");
      auto volumes = assembleVolume(headers, layout, wanted[i], sliceProgress);
      if (volumes.size() == 3) out.colour = ColourModel::Rgb;
      out.volumes.insert(out.volumes.end(), volumes.begin(), volumes.end());
      out.meta.push_back(metaOf(headers, layout, wanted[i]));
    }
    return out;
  });
}

Thumbnail makeThumbnail(const SeriesEntry& series, int maxSize) {
  std::vector<std::string> ignored;
  const auto headers = headersOf(series, core::NullProgress::instance(), ignored);
  const auto layout = detail::arrangeSlices(headers);
  const auto& slices = layout.volumes.front();
  const SliceHeader& h = headers[slices[slices.size() / 2]];
  std::vector<float> values(h.rows * h.columns);
  if (detail::isColour(h)) {  // luminance (ITU-R BT.601 weights)
    std::vector<std::uint16_t> r(values.size()), g(values.size()), b(values.size());
    detail::decodeColourFrame(h, r.data(), g.data(), b.data());
    for (std::size_t n = 0; n < values.size(); ++n)
      values[n] = static_cast<float>(0.299 * r[n] + 0.587 * g[n] + 0.114 * b[n]);
  } else {
    detail::decodeFrame(h, values.data());
  }
  std::vector<float> sorted = values;
  std::sort(sorted.begin(), sorted.end());
  const float lo = sorted[sorted.size() / 100], hi = sorted[sorted.size() * 99 / 100];
  const double scale = std::max<double>(h.columns, h.rows) / std::max(1, maxSize);
  Thumbnail t;
  t.width = std::max(1, static_cast<int>(std::lround(double(h.columns) / std::max(1.0, scale))));
  t.height = std::max(1, static_cast<int>(std::lround(double(h.rows) / std::max(1.0, scale))));
  t.grey.resize(static_cast<std::size_t>(t.width) * static_cast<std::size_t>(t.height));
  for (int y = 0; y < t.height; ++y)
    for (int x = 0; x < t.width; ++x) {
      const auto sx = std::min<std::size_t>(h.columns - 1, static_cast<std::size_t>((x + 0.5) * double(h.columns) / t.width));
      const auto sy = std::min<std::size_t>(h.rows - 1, static_cast<std::size_t>((y + 0.5) * double(h.rows) / t.height));
      const float v = values[sy * h.columns + sx];
      const double g = hi > lo ? (v - lo) / (hi - lo) : 0.0;
      t.grey[static_cast<std::size_t>(y * t.width + x)] = static_cast<std::uint8_t>(std::clamp(g, 0.0, 1.0) * 255.0 + 0.5);
    }
  return t;
}

core::VolumePtr loadSeriesVolume(const SeriesEntry& series, core::ProgressSink& progress, std::size_t volumeIndex) {
  std::vector<std::string> warnings;
  return loadSeriesVolume(series, progress, volumeIndex, warnings);
}

core::VolumePtr loadSeriesVolume(const SeriesEntry& series, core::ProgressSink& progress, std::size_t volumeIndex,
                                 std::vector<std::string>& warnings) {
  auto channels = loadSeriesVolumeChannels(series, progress, volumeIndex, warnings);
  if (channels.size() == 3) return colourLuminance({channels[0], channels[1], channels[2]});
  return channels.front();
}

std::vector<core::VolumePtr> loadSeriesVolumeChannels(const SeriesEntry& series, core::ProgressSink& progress,
                                                      std::size_t volumeIndex, std::vector<std::string>& warnings) {
  LoadOptions o;
  o.volumeIndex = volumeIndex;
  auto loaded = loadSeries(series, progress, o);
  warnings.insert(warnings.end(), loaded.warnings.begin(), loaded.warnings.end());
  return std::move(loaded.volumes);
}

std::vector<core::VolumePtr> loadSeriesVolumes(const SeriesEntry& series, core::ProgressSink& progress,
                                               std::vector<std::string>& warnings) {
  auto loaded = loadSeries(series, progress);
  warnings.insert(warnings.end(), loaded.warnings.begin(), loaded.warnings.end());
  return loaded.volumes;
}

}  // namespace fw::dicom
