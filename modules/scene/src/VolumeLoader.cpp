#include "fw/scene/VolumeLoader.h"

#include <QCoreApplication>
#include <QDir>
#include <QStandardPaths>
#include <algorithm>
#include <cmath>

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

QString seriesKindText(dicom::SeriesKind kind) {
  switch (kind) {
    case dicom::SeriesKind::Image: return QCoreApplication::translate("fw::scene", "image");
    case dicom::SeriesKind::Diffusion: return QCoreApplication::translate("fw::scene", "DWI");
    case dicom::SeriesKind::Functional: return QCoreApplication::translate("fw::scene", "BOLD");
    case dicom::SeriesKind::MultiEcho: return QCoreApplication::translate("fw::scene", "multi-echo");
    case dicom::SeriesKind::OtherMultiVolume: return QCoreApplication::translate("fw::scene", "4D");
    case dicom::SeriesKind::Localizer: return QCoreApplication::translate("fw::scene", "localizer");
    case dicom::SeriesKind::NotAssembled: return QCoreApplication::translate("fw::scene", "not a volume");
  }
  return QString::fromLatin1(dicom::seriesKindName(kind));
}

QString volumeMetaText(const dicom::VolumeMeta& meta, dicom::SeriesKind kind) {
  QStringList parts;
  const bool dwi = kind == dicom::SeriesKind::Diffusion;
  if (meta.bValue && (dwi || *meta.bValue > 0)) {
    parts << QCoreApplication::translate("fw::scene", "b = %1 s/mm²").arg(*meta.bValue, 0, 'f', 0);
    if (meta.gradient && *meta.bValue > 0)
      parts << QCoreApplication::translate("fw::scene", "gradient (%1, %2, %3)")
                   .arg(meta.gradient->x, 0, 'f', 2)
                   .arg(meta.gradient->y, 0, 'f', 2)
                   .arg(meta.gradient->z, 0, 'f', 2);
  }
  if (meta.echoTimeMs && (kind == dicom::SeriesKind::MultiEcho || kind == dicom::SeriesKind::OtherMultiVolume))
    parts << QCoreApplication::translate("fw::scene", "TE = %1 ms").arg(*meta.echoTimeMs, 0, 'f', 1);
  if (meta.timeS && !dwi && kind != dicom::SeriesKind::MultiEcho)
    parts << QCoreApplication::translate("fw::scene", "t = %1 s").arg(*meta.timeS, 0, 'f', 1);
  return parts.join(QStringLiteral(", "));
}

core::VolumePtr luminanceOf(const ColourChannels& rgb) { return dicom::colourLuminance(rgb); }

SeriesView loadSeriesView(const dicom::SeriesEntry& series, core::ProgressSink& progress) {
  SeriesView out;
  out.warnings = series.warnings;
  out.kind = series.kind;
  progress.checkCancel(0.0, "reading slices");
  // Every volume: a 4D series switches volumes in the views without reading files again.
  auto loaded = dicom::loadSeries(series, progress);
  progress.checkCancel(1.0, "reading slices");
  out.colour = loaded.colour == dicom::ColourModel::Rgb;
  const std::size_t perVolume = out.colour ? 3 : 1;
  const std::size_t count = loaded.volumes.size() / perVolume;
  for (std::size_t i = 0; i < count; ++i) {
    SeriesVolume v;
    if (out.colour) {
      for (std::size_t c = 0; c < 3; ++c) v.rgb[c] = loaded.volumes[perVolume * i + c];
      v.volume = luminanceOf(v.rgb);
    } else {
      v.volume = loaded.volumes[i];
    }
    if (!v.volume) continue;
    if (count > 1 && i < loaded.meta.size()) v.label = volumeMetaText(loaded.meta[i], series.kind);
    out.volumes.push_back(std::move(v));
  }
  if (out.volumes.empty())
    throw core::Error("loading series '" + series.displayName() + "' gave no volume");
  out.volume = out.volumes.front().volume;
  out.volumeCount = out.volumes.size();
  for (auto& w : loaded.warnings)
    if (std::find(out.warnings.begin(), out.warnings.end(), w) == out.warnings.end()) out.warnings.push_back(std::move(w));
  return out;
}

SeriesView loadImageFileView(const fs::path& path, core::ProgressSink& progress) {
  try {
    const io::ImageSeries file = io::readImageSeries(path, progress);
    SeriesView out;
    out.warnings = file.warnings;
    const std::size_t count = file.volumes.size();
    const bool dwi = !file.bValues.empty();
    const auto kind = dwi ? dicom::SeriesKind::Diffusion
                          : (file.volumeSpacing ? dicom::SeriesKind::Functional : dicom::SeriesKind::OtherMultiVolume);
    out.kind = count > 1 ? kind : dicom::SeriesKind::Image;
    for (std::size_t i = 0; i < count; ++i) {
      SeriesVolume v;
      v.volume = file.volumes[i];
      if (count > 1) {
        dicom::VolumeMeta meta;
        if (dwi) {
          meta.bValue = file.bValues[i];
          if (core::norm(file.gradientsLps[i]) > 0.5) meta.gradient = file.gradientsLps[i];
        } else if (file.volumeSpacing) {
          meta.timeS = *file.volumeSpacing * static_cast<double>(i);
        }
        v.label = volumeMetaText(meta, kind);  // empty for a 4D file with nothing to say: the bar shows "i / N"
      }
      out.volumes.push_back(std::move(v));
    }
    if (out.volumes.empty()) throw core::Error("the file holds no volume");
    out.volume = out.volumes.front().volume;
    out.volumeCount = out.volumes.size();
    return out;
  } catch (core::Cancelled&) {
    throw;
  } catch (core::Error& e) {
    throw e.addContext("cannot open " + path.string());
  }
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

dicom::ScanResult scanDicomStudy(const fs::path& path, core::ProgressSink& progress) {
  try {
    return dicom::scan(dicomScanRoot(path), progress);
  } catch (core::Cancelled&) {
    throw;
  } catch (core::Error& e) {
    throw e.addContext("cannot scan " + path.string());
  }
}

int findSeries(const dicom::ScanResult& scan, const std::string& seriesInstanceUid) {
  if (seriesInstanceUid.empty()) return -1;
  for (std::size_t i = 0; i < scan.series.size(); ++i)
    if (scan.series[i].identity.seriesInstanceUid == seriesInstanceUid) return static_cast<int>(i);
  return -1;
}

fs::path sampleStudyCtFolder(const fs::path& root) { return root / "dicom" / "ct"; }

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
