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

std::vector<fs::path> listFiles(const fs::path& root, std::vector<std::string>& warnings) {
  std::vector<fs::path> files;
  std::error_code ec;
  if (fs::is_regular_file(root, ec)) return {root};
  if (!fs::is_directory(root, ec)) throw core::Error(root.string() + ": no such file or folder");
  fs::recursive_directory_iterator it(root, fs::directory_options::skip_permission_denied, ec), end;
  if (ec) throw core::Error(root.string() + ": cannot list the folder: " + ec.message());
  for (; it != end; it.increment(ec)) {
    if (ec) {
      warnings.push_back(root.string() + ": " + ec.message());
      break;
    }
    std::error_code fec;
    if (it->is_regular_file(fec)) files.push_back(it->path());
  }
  std::sort(files.begin(), files.end());
  return files;
}

// Reads the headers of the given files; throws on the first unusable one.
std::vector<SliceHeader> readHeaders(const std::vector<fs::path>& files, core::ProgressSink& progress,
                                     std::vector<std::string>& warnings) {
  std::vector<SliceHeader> headers;
  headers.reserve(files.size());
  for (std::size_t i = 0; i < files.size(); ++i) {
    progress.checkCancel(static_cast<double>(i) / static_cast<double>(files.size()), "reading headers");
    auto r = detail::readSliceHeader(files[i]);
    if (!r.header) throw core::Error("reading " + files[i].string() + ": " + r.skipReason);
    if (r.header->numberOfFrames > 1)
      throw core::Error("reading " + files[i].string() + ": multi-frame images are not supported yet");
    warnings.insert(warnings.end(), r.warnings.begin(), r.warnings.end());
    headers.push_back(std::move(*r.header));
  }
  return headers;
}

std::string seriesName(const std::string& modality, const std::string& description) {
  std::string name = modality;
  if (!description.empty()) name += (name.empty() ? "" : " ") + description;
  return name.empty() ? "DICOM series" : name;
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

}  // namespace

std::vector<SeriesEntry> scanForSeries(const fs::path& folderOrFile, core::ProgressSink& progress) {
  std::vector<std::string> skipped;
  auto result = scanForSeries(folderOrFile, progress, skipped);
  if (!result.empty()) {
    auto& w = result.front().warnings;
    w.insert(w.end(), skipped.begin(), skipped.end());
  }
  return result;
}

std::vector<SeriesEntry> scanForSeries(const fs::path& folderOrFile, core::ProgressSink& progress,
                                       std::vector<std::string>& skipped) {
  const auto files = listFiles(folderOrFile, skipped);

  struct Group {
    std::vector<SliceHeader> headers;
    std::vector<std::string> warnings;
  };
  std::map<std::string, Group> groups;  // by Series Instance UID
  for (std::size_t i = 0; i < files.size(); ++i) {
    progress.checkCancel(static_cast<double>(i) / static_cast<double>(std::max<std::size_t>(1, files.size())),
                         "scanning for DICOM series");
    auto r = detail::readSliceHeader(files[i]);
    if (!r.header) {
      skipped.push_back(files[i].string() + ": skipped, " + r.skipReason);
      continue;
    }
    if (r.header->numberOfFrames > 1) {
      skipped.push_back(files[i].string() + ": skipped, multi-frame images are not supported yet");
      continue;
    }
    std::string key = r.header->identity.seriesInstanceUid;
    if (key.empty()) key = "(no Series Instance UID) " + files[i].parent_path().string();
    auto& g = groups[key];
    g.warnings.insert(g.warnings.end(), r.warnings.begin(), r.warnings.end());
    g.headers.push_back(std::move(*r.header));
  }

  std::vector<SeriesEntry> result;
  for (auto& [uid, g] : groups) {
    SeriesEntry e;
    const SliceHeader& first = g.headers.front();
    e.identity = first.identity;
    e.modality = core::modalityFromCode(first.modality);
    e.rows = first.rows;
    e.columns = first.columns;
    e.warnings = std::move(g.warnings);
    try {
      auto layout = detail::arrangeSlices(g.headers);
      e.volumeCount = std::max<std::size_t>(1, layout.volumes.size());
      for (const auto& vol : layout.volumes)
        for (std::size_t idx : vol) e.files.push_back(g.headers[idx].file);
      // Files left out of the layout (incomplete volumes) still belong to the series.
      std::vector<bool> used(g.headers.size(), false);
      for (const auto& vol : layout.volumes)
        for (std::size_t idx : vol) used[idx] = true;
      for (std::size_t i = 0; i < g.headers.size(); ++i)
        if (!used[i]) e.files.push_back(g.headers[i].file);
      e.warnings.insert(e.warnings.end(), layout.warnings.begin(), layout.warnings.end());
    } catch (const core::Error& err) {
      std::stable_sort(g.headers.begin(), g.headers.end(),
                       [](const SliceHeader& a, const SliceHeader& b) { return a.instanceNumber < b.instanceNumber; });
      for (const auto& h : g.headers) e.files.push_back(h.file);
      e.warnings.push_back(std::string("cannot be assembled as a volume: ") + err.what());
    }
    result.push_back(std::move(e));
  }
  std::sort(result.begin(), result.end(), [](const SeriesEntry& a, const SeriesEntry& b) {
    const auto& x = a.identity;
    const auto& y = b.identity;
    return std::tie(x.studyDate, x.studyTime, x.studyInstanceUid, x.seriesNumber, x.seriesInstanceUid) <
           std::tie(y.studyDate, y.studyTime, y.studyInstanceUid, y.seriesNumber, y.seriesInstanceUid);
  });
  progress.report(1.0, "scanning for DICOM series");
  return result;
}

core::VolumePtr loadSeriesVolume(const SeriesEntry& series, core::ProgressSink& progress, std::size_t volumeIndex) {
  std::vector<std::string> warnings;
  return loadSeriesVolume(series, progress, volumeIndex, warnings);
}

namespace {

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
  std::string name = seriesName(first.modality, first.identity.seriesDescription);
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
    e.addContext("loading series '" +
                 seriesName(core::modalityCode(series.modality), series.identity.seriesDescription) + "'");
    throw;
  } catch (const std::exception& e) {
    throw core::Error(std::string(e.what()))
        .addContext("loading series '" +
                    seriesName(core::modalityCode(series.modality), series.identity.seriesDescription) + "'");
  }
}

}  // namespace

core::VolumePtr loadSeriesVolume(const SeriesEntry& series, core::ProgressSink& progress, std::size_t volumeIndex,
                                 std::vector<std::string>& warnings) {
  return withSeriesContext(series, [&] {
    core::SubProgress headerProgress(progress, 0.0, 0.2, "reading headers");
    const auto headers = readHeaders(series.files, headerProgress, warnings);
    const auto layout = detail::arrangeSlices(headers);
    warnings.insert(warnings.end(), layout.warnings.begin(), layout.warnings.end());
    core::SubProgress sliceProgress(progress, 0.2, 1.0, "reading slices");
    return assembleVolume(headers, layout, volumeIndex, sliceProgress);
  });
}

std::vector<core::VolumePtr> loadSeriesVolumes(const SeriesEntry& series, core::ProgressSink& progress,
                                               std::vector<std::string>& warnings) {
  return withSeriesContext(series, [&] {
    core::SubProgress headerProgress(progress, 0.0, 0.1, "reading headers");
    const auto headers = readHeaders(series.files, headerProgress, warnings);
    const auto layout = detail::arrangeSlices(headers);
    warnings.insert(warnings.end(), layout.warnings.begin(), layout.warnings.end());
    std::vector<core::VolumePtr> volumes;
    const auto count = layout.volumes.size();
    for (std::size_t v = 0; v < count; ++v) {
      core::SubProgress sliceProgress(progress, 0.1 + 0.9 * double(v) / double(count),
                                      0.1 + 0.9 * double(v + 1) / double(count), "reading slices");
      volumes.push_back(assembleVolume(headers, layout, v, sliceProgress));
    }
    return volumes;
  });
}

}  // namespace fw::dicom
