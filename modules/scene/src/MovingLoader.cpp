#include "fw/scene/MovingLoader.h"

#include <algorithm>

#include "fw/core/Error.h"
#include "fw/dicom/Scan.h"
#include "fw/io/ImageFile.h"
#include "fw/scene/VolumeLoader.h"

namespace fw::scene {

namespace {
bool allDigits(const std::string& s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}
std::string numbers(const std::vector<dicom::SeriesEntry>& series) {
  std::string t;
  for (std::size_t i = 0; i < series.size() && i < 30; ++i)
    t += (i ? ", " : "") + std::to_string(series[i].identity.seriesNumber);
  if (series.size() > 30) t += ", ...";
  return t;
}
}  // namespace

std::size_t chooseSeries(const std::vector<dicom::SeriesEntry>& series, const std::string& wanted,
                       const std::string& where) {
  std::vector<std::size_t> hits;
  const bool byNumber = allDigits(wanted);
  for (std::size_t i = 0; i < series.size(); ++i) {
    const auto& id = series[i].identity;
    if (byNumber ? std::to_string(id.seriesNumber) == std::to_string(std::stol(wanted)) : id.seriesInstanceUid == wanted)
      hits.push_back(i);
  }
  if (hits.empty())
    throw core::Error("no series " + wanted + " in " + where + " (series numbers there: " + numbers(series) + ")");
  if (hits.size() > 1)
    throw core::Error("series number " + wanted + " is not unique in " + where + "; give its SeriesInstanceUID");
  return hits.front();
}

std::vector<SeriesVolume> loadMovingImage(const std::filesystem::path& path, const std::optional<std::string>& series,
                                core::ProgressSink& progress) {
  try {
    if (!opensAsDicomStudy(path)) {
      if (series) throw core::Error("a series can only be chosen in a DICOM folder, DICOMDIR or file");
      // Every volume of a 4D file, labelled as the viewer labels them (b-values from a .bval beside it, times).
      if (io::isImageFileName(path)) return loadImageFileView(path, progress).volumes;
      return {{loadVolume(path, progress), {}, {}}};
    }
    core::SubProgress scanning(progress, 0.0, 0.4, "scanning");
    const dicom::ScanResult scan = dicom::scan(path, scanning);
    if (scan.series.empty()) throw core::Error("no DICOM image series found");
    std::size_t index = 0;
    if (series) {
      index = chooseSeries(scan.series, *series, path.string());
    } else if (scan.series.size() > 1) {
      throw core::Error("it holds " + std::to_string(scan.series.size()) + " series (numbers " + numbers(scan.series) +
                        "): choose one with --moving-series NUMBER or UID");
    }
    core::SubProgress loading(progress, 0.4, 1.0, "loading");
    return loadSeriesView(scan.series[index], loading).volumes;
  } catch (core::Error& e) {
    e.addContext("cannot load the moving image " + path.string());
    throw;
  }
}

}  // namespace fw::scene
