#include "fw/scene/VolumeLoader.h"

#include <QDir>
#include <QStandardPaths>

#include "fw/core/Error.h"
#include "fw/dicom/SeriesReader.h"
#include "fw/io/ImageFile.h"
#include "fw/phantom/SampleStudy.h"

namespace fs = std::filesystem;

namespace fw::scene {

namespace {

core::VolumePtr loadDicom(const fs::path& path, core::ProgressSink& progress) {
  core::SubProgress scanning(progress, 0.0, 0.3, "scanning DICOM files");
  const auto series = dicom::scanForSeries(path, scanning);
  if (series.empty()) throw core::Error("no DICOM image series found in " + path.string());
  // Prefer a CT; otherwise the series with the most files (the main acquisition).
  const dicom::SeriesEntry* chosen = nullptr;
  for (const auto& s : series)
    if (s.modality == core::Modality::CT && (!chosen || s.files.size() > chosen->files.size())) chosen = &s;
  if (!chosen)
    for (const auto& s : series)
      if (!chosen || s.files.size() > chosen->files.size()) chosen = &s;
  core::SubProgress reading(progress, 0.3, 1.0, "reading slices");
  return dicom::loadSeriesVolume(*chosen, reading);
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
