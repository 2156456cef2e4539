#include "fw/scene/VolumeLoader.h"

#include <QDir>
#include <QStandardPaths>
#include <algorithm>

#include "fw/core/Error.h"
#include "fw/dicom/SeriesReader.h"
#include "fw/io/ImageFile.h"
#include "fw/phantom/SampleStudy.h"

namespace fs = std::filesystem;

namespace fw::scene {

namespace {

std::string noSeriesMessage(const fs::path& path, const dicom::ScanResult& scan) {
  std::string m = "no DICOM image series found in " + path.string();
  if (!scan.series.empty()) m = "no series in " + path.string() + " forms a volume";
  m += " (" + std::to_string(scan.filesExamined) + " files examined";
  if (!scan.skipped.empty())
    m += ", " + std::to_string(scan.skipped.size()) + " skipped, e.g. " + scan.skipped.front().file.string() + ": " +
         scan.skipped.front().reason;
  return m + ")";
}

core::VolumePtr loadDicom(const fs::path& path, core::ProgressSink& progress) {
  core::SubProgress scanning(progress, 0.0, 0.3, "scanning DICOM files");
  const auto scan = dicom::scan(path, scanning);
  const int chosen = preferredSeries(scan);
  if (chosen < 0) throw core::Error(noSeriesMessage(path, scan));
  core::SubProgress reading(progress, 0.3, 1.0, "reading slices");
  return dicom::loadSeriesVolume(scan.series[static_cast<std::size_t>(chosen)], reading);
}

bool loadable(const dicom::SeriesEntry& s) {
  return s.kind != dicom::SeriesKind::Localizer && s.kind != dicom::SeriesKind::NotAssembled && s.geometry;
}

}  // namespace

core::VolumePtr loadVolume(const fs::path& path, core::ProgressSink& progress) {
  try {
    std::error_code ec;
    if (!fs::exists(path, ec)) throw core::Error("no such file or folder");
    if (fs::is_directory(path, ec)) {
      // The sample study's root: open its CT.
      if (fs::is_directory(path / "dicom" / "ct", ec)) return loadDicom(path / "dicom" / "ct", progress);
      return loadDicom(path, progress);
    }
    if (io::isImageFileName(path)) return io::readImageFile(path, progress);
    return loadDicom(path, progress);
  } catch (core::Cancelled&) {
    throw;
  } catch (core::Error& e) {
    throw e.addContext("cannot open " + path.string());
  }
}

bool opensAsDicomStudy(const fs::path& path) {
  std::error_code ec;
  return fs::is_directory(path, ec) || !io::isImageFileName(path);
}

fs::path dicomScanRoot(const fs::path& path) {
  std::error_code ec;
  if (fs::is_directory(path / "dicom" / "ct", ec) && fs::is_regular_file(path / "truth.json", ec)) return path / "dicom";
  return path;
}

int preferredSeries(const dicom::ScanResult& scan) {
  auto voxels = [](const dicom::SeriesEntry& s) { return double(s.rows) * double(s.columns) * double(s.sliceCount); };
  int best = -1;
  for (int pass = 0; pass < 2 && best < 0; ++pass)
    for (std::size_t i = 0; i < scan.series.size(); ++i) {
      const auto& s = scan.series[i];
      if (!loadable(s) || (pass == 0 && s.modality != core::Modality::CT)) continue;
      if (best < 0 || voxels(s) > voxels(scan.series[static_cast<std::size_t>(best)])) best = static_cast<int>(i);
    }
  return best;
}

SeriesView loadSeriesView(const dicom::SeriesEntry& series, core::ProgressSink& progress) {
  SeriesView out;
  out.warnings = series.warnings;
  dicom::LoadOptions options;
  options.volumeIndex = 0;  // 4D series: the first volume for now
  progress.checkCancel(0.0, "reading slices");
  auto loaded = dicom::loadSeries(series, progress, options);
  progress.checkCancel(1.0, "reading slices");
  if (loaded.volumes.empty() || !loaded.volumes.front())
    throw core::Error("loading series '" + series.displayName() + "' gave no volume");
  out.volume = loaded.volumes.front();
  out.volumeCount = std::max<std::size_t>(1, series.volumeCount);
  for (auto& w : loaded.warnings)
    if (std::find(out.warnings.begin(), out.warnings.end(), w) == out.warnings.end()) out.warnings.push_back(std::move(w));
  return out;
}

StudyOpening openDicomStudy(const fs::path& path, core::ProgressSink& progress) {
  StudyOpening out;
  const fs::path root = dicomScanRoot(path);
  // Cancel is honoured at every stage boundary too (not only where the importer reports), so a
  // cancelled opening never replaces what the browser and views show.
  progress.checkCancel(0.0, "scanning DICOM files");
  try {
    core::SubProgress scanning(progress, 0.0, 0.4, "scanning DICOM files");
    out.scan = dicom::scan(root, scanning);
  } catch (core::Cancelled&) {
    throw;
  } catch (core::Error& e) {
    throw e.addContext("cannot open " + path.string());
  }
  progress.checkCancel(0.4, "scanning DICOM files");
  out.shown = preferredSeries(out.scan);
  if (out.shown < 0) {
    out.loadError = noSeriesMessage(root, out.scan);
    return out;
  }
  try {
    core::SubProgress reading(progress, 0.4, 1.0, "reading slices");
    out.view = loadSeriesView(out.scan.series[static_cast<std::size_t>(out.shown)], reading);
  } catch (core::Cancelled&) {
    throw;
  } catch (const std::exception& e) {
    out.loadError = e.what();
    out.shown = -1;
  }
  progress.checkCancel(1.0, "reading slices");
  return out;
}

fs::path sampleStudyLocation() {
  QString base = QStandardPaths::writableLocation(QStandardPaths::CacheLocation);
  if (base.isEmpty()) base = QDir::tempPath() + "/fusion-workstation";
  return fs::path(base.toStdString()) / (std::string("sample-study-") + phantom::sampleStudyVersion());
}

fs::path ensureSampleStudy(core::ProgressSink& progress) {
  const fs::path where = sampleStudyLocation();
  std::error_code ec;
  // writeSampleStudy renames a finished temporary folder into place, so existence means complete.
  if (fs::is_directory(where / "dicom" / "ct", ec)) return where;
  fs::create_directories(where.parent_path(), ec);
  if (ec) throw core::Error("cannot create " + where.parent_path().string() + ": " + ec.message());
  phantom::writeSampleStudy(where, progress);
  return where;
}

}  // namespace fw::scene
