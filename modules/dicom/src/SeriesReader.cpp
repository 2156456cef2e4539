#include "fw/dicom/SeriesReader.h"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <limits>
#include <map>
#include <mutex>
#include <tuple>

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

template <class ImageT>
core::Volume::ImageVariant narrow(const core::ImageF32::Pointer& img) {
  auto out = ImageT::New();
  out->SetRegions(img->GetLargestPossibleRegion());
  out->SetSpacing(img->GetSpacing());
  out->SetOrigin(img->GetOrigin());
  out->SetDirection(img->GetDirection());
  out->Allocate();
  const std::size_t n = img->GetLargestPossibleRegion().GetNumberOfPixels();
  const float* src = img->GetBufferPointer();
  auto* dst = out->GetBufferPointer();
  using PixelT = typename ImageT::PixelType;
  for (std::size_t i = 0; i < n; ++i) dst[i] = static_cast<PixelT>(src[i]);
  return typename ImageT::Pointer(out);
}

bool isIntegral(double v) { return std::abs(v - std::round(v)) < 1e-9; }

// Converts the float buffer to the narrowest type that holds the values exactly.
core::Volume::ImageVariant toBestPixelType(const core::ImageF32::Pointer& img, const std::vector<const SliceHeader*>& slices,
                                           core::Modality modality) {
  bool integerRescale = true, anySigned = false, anyRescale = false;
  for (const auto* h : slices) {
    integerRescale = integerRescale && isIntegral(h->rescaleSlope) && isIntegral(h->rescaleIntercept);
    anySigned = anySigned || h->pixelRepresentation == 1;
    anyRescale = anyRescale || h->rescaleSlope != 1 || h->rescaleIntercept != 0;
  }
  const std::size_t n = img->GetLargestPossibleRegion().GetNumberOfPixels();
  const float* src = img->GetBufferPointer();
  float lo = std::numeric_limits<float>::max(), hi = std::numeric_limits<float>::lowest();
  for (std::size_t i = 0; i < n; ++i) {
    lo = std::min(lo, src[i]);
    hi = std::max(hi, src[i]);
  }
  if (n == 0 || !integerRescale) return img;

  const bool unsignedRaw = !anySigned && !anyRescale && modality != core::Modality::CT;
  if (unsignedRaw && lo >= 0 && hi <= 65535) return narrow<core::ImageU16>(img);
  if (lo >= -32768 && hi <= 32767) return narrow<core::ImageI16>(img);
  if (lo >= 0 && hi <= 65535) return narrow<core::ImageU16>(img);
  return img;
}

// One volume of an arranged series: decode its slices (in parallel) and choose the pixel type.
core::VolumePtr assembleVolume(const std::vector<SliceHeader>& headers, const detail::SeriesLayout& layout,
                               std::size_t volumeIndex, core::ProgressSink& progress) {
  if (volumeIndex >= layout.volumes.size())
    throw core::Error("volume " + std::to_string(volumeIndex + 1) + " requested but the series has " +
                      std::to_string(layout.volumes.size()));
  std::vector<const SliceHeader*> slices;
  for (std::size_t i : layout.volumes[volumeIndex]) slices.push_back(&headers[i]);

  const SliceHeader& first = *slices.front();
  for (const auto* h : slices)
    if (h->bitsAllocated != first.bitsAllocated || h->samplesPerPixel != first.samplesPerPixel)
      throw core::Error("reading " + h->file.string() + ": pixel format differs from " + first.file.string());

  auto img = core::allocateImage<core::ImageF32>(layout.geometry);
  float* buffer = img->GetBufferPointer();
  const std::size_t sliceSize = first.rows * first.columns;
  const auto n = static_cast<std::ptrdiff_t>(slices.size());

  // Slices decode independently (each thread its own DCMTK objects). Exceptions must not
  // leave an OpenMP region: the first one is kept and rethrown after the loop.
  std::atomic<bool> failed{false};
  std::atomic<std::size_t> done{0};
  std::exception_ptr error;
  std::mutex errorMutex;
#pragma omp parallel for schedule(dynamic)
  for (std::ptrdiff_t k = 0; k < n; ++k) {
    if (failed.load()) continue;
    try {
      detail::decodeFrame(*slices[static_cast<std::size_t>(k)], buffer + static_cast<std::size_t>(k) * sliceSize);
      progress.checkCancel(0.95 * static_cast<double>(++done) / static_cast<double>(n), "reading slices");
    } catch (...) {
      std::lock_guard<std::mutex> lock(errorMutex);
      if (!error) error = std::current_exception();
      failed.store(true);
    }
  }
  if (error) std::rethrow_exception(error);

  const core::Modality modality = core::modalityFromCode(first.modality);
  auto volume = std::make_shared<core::Volume>(toBestPixelType(img, slices, modality), modality,
                                               modality == core::Modality::CT ? "HU" : "");
  volume->setIdentity(first.identity);
  std::string name = seriesName(first.modality, first.identity.seriesDescription, first.identity.seriesNumber);
  if (layout.volumes.size() > 1)
    name += " [" + std::to_string(volumeIndex + 1) + "/" + std::to_string(layout.volumes.size()) + "]";
  volume->setName(name);
  progress.report(1.0, "reading slices");
  return volume;
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

VolumeMeta metaOf(const std::vector<SliceHeader>& headers, const detail::SeriesLayout& layout, std::size_t v) {
  VolumeMeta m;
  const SliceHeader& h = headers[layout.volumes[v].front()];
  m.bValue = h.bValue;
  if (h.gradient && core::norm(*h.gradient) > 1e-6) m.gradient = core::normalized(*h.gradient);
  m.echoTimeMs = h.echoTimeMs;
  m.imageType = h.imageType;
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
      out.volumes.push_back(assembleVolume(headers, layout, wanted[i], sliceProgress));
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
  detail::decodeFrame(h, values.data());
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
  LoadOptions o;
  o.volumeIndex = volumeIndex;
  auto loaded = loadSeries(series, progress, o);
  warnings.insert(warnings.end(), loaded.warnings.begin(), loaded.warnings.end());
  return loaded.volumes.front();
}

std::vector<core::VolumePtr> loadSeriesVolumes(const SeriesEntry& series, core::ProgressSink& progress,
                                               std::vector<std::string>& warnings) {
  auto loaded = loadSeries(series, progress);
  warnings.insert(warnings.end(), loaded.warnings.begin(), loaded.warnings.end());
  return loaded.volumes;
}

}  // namespace fw::dicom
