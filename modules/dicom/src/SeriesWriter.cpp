#include "fw/dicom/SeriesWriter.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <ctime>
#include <limits>
#include <random>

#include <dcmtk/config/osconfig.h>
#include <dcmtk/dcmdata/dcdatset.h>
#include <dcmtk/dcmdata/dcdeftag.h>
#include <dcmtk/dcmdata/dcfilefo.h>
#include <dcmtk/dcmdata/dcuid.h>

#include "DcmUtil.h"
#include "fw/core/Error.h"

namespace fw::dicom {

namespace fs = std::filesystem;
using detail::formatDS;
using detail::formatIS;
using detail::put;
using detail::putUShort;

std::string newUid() {
  char buf[100];
  dcmGenerateUniqueIdentifier(buf, SITE_INSTANCE_UID_ROOT);
  return buf;
}

namespace {

// How values become 16-bit stored pixels: value = stored * slope + intercept.
struct StoragePlan {
  bool isSigned = true;
  double slope = 1, intercept = 0;
  std::string slopeText = "1", interceptText = "0";
  double windowCenter = 40, windowWidth = 80;

  int store(double v) const {
    if (!std::isfinite(v)) v = intercept;
    const double s = std::round((v - intercept) / slope);
    const double lo = isSigned ? -32768.0 : 0.0, hi = isSigned ? 32767.0 : 65535.0;
    return static_cast<int>(std::clamp(s, lo, hi));
  }
};

struct ValueStats {
  double lo = std::numeric_limits<double>::max(), hi = std::numeric_limits<double>::lowest();
  bool allIntegral = true;
};

ValueStats statsOf(const std::vector<core::VolumePtr>& volumes) {
  ValueStats s;
  for (const auto& v : volumes) {
    const std::size_t n = v->geometry().voxelCount();
    v->visitData([&](const auto* p) {
      for (std::size_t i = 0; i < n; ++i) {
        const double x = static_cast<double>(p[i]);
        if (!std::isfinite(x)) continue;
        s.lo = std::min(s.lo, x);
        s.hi = std::max(s.hi, x);
        if (s.allIntegral && x != std::round(x)) s.allIntegral = false;
      }
    });
  }
  if (s.hi < s.lo) s.lo = s.hi = 0;
  return s;
}

StoragePlan planStorage(const std::vector<core::VolumePtr>& volumes, core::Modality modality) {
  const ValueStats s = statsOf(volumes);
  StoragePlan p;
  const bool allUnsignedInput = std::all_of(volumes.begin(), volumes.end(),
                                            [](const auto& v) { return v->pixelType() == core::PixelType::UInt16; });
  if (s.allIntegral && modality == core::Modality::CT && s.lo >= -1024 && s.hi <= 65535 - 1024) {
    // The classic CT encoding: unsigned stored values, HU = stored - 1024.
    p.isSigned = false;
    p.intercept = -1024;
  } else if (s.allIntegral && (allUnsignedInput || s.hi > 32767) && s.lo >= 0 && s.hi <= 65535) {
    p.isSigned = false;
  } else if (s.allIntegral && s.lo >= -32768 && s.hi <= 32767) {
    p.isSigned = true;
  } else {
    // Scale the range onto 0..65535. The slope and intercept are used as written (DS has at
    // most 16 characters), so what a reader computes is exactly what we quantised to.
    p.isSigned = false;
    const double range = s.hi - s.lo;
    p.slope = range > 0 ? range / 65535.0 : 1.0;
    p.intercept = s.lo;
    p.slopeText = formatDS(p.slope);
    p.slope = std::stod(p.slopeText);
    if (s.lo + 65535.0 * p.slope < s.hi) {  // rounding the text made the slope too small
      p.slopeText = formatDS(p.slope * (1 + 1e-9));
      p.slope = std::stod(p.slopeText);
    }
    p.interceptText = formatDS(p.intercept);
    p.intercept = std::stod(p.interceptText);
  }
  p.slopeText = formatDS(p.slope);
  p.interceptText = formatDS(p.intercept);
  if (modality == core::Modality::CT) {
    p.windowCenter = 40;
    p.windowWidth = 80;
  } else {
    p.windowCenter = 0.5 * (s.lo + s.hi);
    p.windowWidth = std::max(1.0, s.hi - s.lo);
  }
  return p;
}

std::string nowDate() {
  const std::time_t t = std::time(nullptr);
  std::tm tm{};
  localtime_r(&t, &tm);
  char buf[16];
  std::strftime(buf, sizeof buf, "%Y%m%d", &tm);
  return buf;
}

std::string nowTime() {
  const std::time_t t = std::time(nullptr);
  std::tm tm{};
  localtime_r(&t, &tm);
  char buf[16];
  std::strftime(buf, sizeof buf, "%H%M%S", &tm);
  return buf;
}

// DICOM TM "HHMMSS[.FFFFFF]" -> seconds after midnight.
double secondsOf(const std::string& tm) {
  std::string d;
  for (char c : tm)
    if ((c >= '0' && c <= '9') || c == '.') d += c;
  if (d.size() < 2) return 0;
  const double h = std::stod(d.substr(0, 2));
  const double m = d.size() >= 4 ? std::stod(d.substr(2, 2)) : 0;
  const double s = d.size() >= 6 ? std::stod(d.substr(4)) : 0;
  return h * 3600 + m * 60 + s;
}

// Seconds after midnight -> "HHMMSS.FFFFFF" (wraps at midnight).
std::string timeOf(double seconds) {
  seconds = std::fmod(std::max(0.0, seconds), 86400.0);
  const long micro = std::lround(seconds * 1e6);
  const long s = micro / 1000000, us = micro % 1000000;
  char buf[32];
  std::snprintf(buf, sizeof buf, "%02ld%02ld%02ld.%06ld", (s / 3600) % 24, (s / 60) % 60, s % 60, us);
  return buf;
}

bool sameGeometry(const core::ImageGeometry& a, const core::ImageGeometry& b) {
  if (a.size() != b.size()) return false;
  for (int i = 0; i < 3; ++i) {
    if (std::abs(a.spacing()[i] - b.spacing()[i]) > 1e-6 || std::abs(a.origin()[i] - b.origin()[i]) > 1e-6) return false;
    for (int j = 0; j < 3; ++j)
      if (std::abs(a.direction()(i, j) - b.direction()(i, j)) > 1e-9) return false;
  }
  return true;
}

// Everything that is the same in every file of the series.
struct SeriesHeader {
  const SeriesWriteOptions* options = nullptr;
  core::DicomIdentity identity;  // with UIDs, dates and times filled in
  std::string sopClassUid;
  StoragePlan storage;
  std::size_t volumeCount = 1;
};

void fillSeriesAttributes(DcmDataset& ds, const SeriesHeader& s) {
  const SeriesWriteOptions& o = *s.options;
  const auto& id = s.identity;
  const bool isCT = o.modality == core::Modality::CT;

  // SOP Common
  put(ds, DCM_SpecificCharacterSet, "ISO_IR 192");
  put(ds, DCM_SOPClassUID, s.sopClassUid);
  put(ds, DCM_InstanceCreationDate, nowDate());
  put(ds, DCM_InstanceCreationTime, nowTime());
  // Patient
  put(ds, DCM_PatientName, id.patientName);
  put(ds, DCM_PatientID, id.patientId);
  put(ds, DCM_PatientBirthDate, id.patientBirthDate);
  put(ds, DCM_PatientSex, id.patientSex);
  // General Study
  put(ds, DCM_StudyInstanceUID, id.studyInstanceUid);
  put(ds, DCM_StudyDate, id.studyDate);
  put(ds, DCM_StudyTime, id.studyTime);
  put(ds, DCM_ReferringPhysicianName, "");
  put(ds, DCM_StudyID, id.studyId);
  put(ds, DCM_AccessionNumber, id.accessionNumber);
  if (!id.studyDescription.empty()) put(ds, DCM_StudyDescription, id.studyDescription);
  // General Series
  put(ds, DCM_Modality, core::modalityCode(o.modality));
  put(ds, DCM_SeriesInstanceUID, id.seriesInstanceUid);
  put(ds, DCM_SeriesNumber, formatIS(id.seriesNumber));
  put(ds, DCM_SeriesDate, id.studyDate);
  put(ds, DCM_SeriesTime, id.studyTime);
  if (!id.seriesDescription.empty()) put(ds, DCM_SeriesDescription, id.seriesDescription);
  if (!o.bodyPartExamined.empty()) put(ds, DCM_BodyPartExamined, o.bodyPartExamined);
  put(ds, DCM_PatientPosition, "HFS");
  // Frame of Reference
  put(ds, DCM_FrameOfReferenceUID, id.frameOfReferenceUid);
  put(ds, DCM_PositionReferenceIndicator, "");
  // General Equipment
  put(ds, DCM_Manufacturer, o.manufacturer);
  put(ds, DCM_ManufacturerModelName, "Fusion Workstation");
  put(ds, DCM_SoftwareVersions, "0.1");
  // Image Pixel
  putUShort(ds, DCM_SamplesPerPixel, 1);
  put(ds, DCM_PhotometricInterpretation, "MONOCHROME2");
  putUShort(ds, DCM_BitsAllocated, 16);
  putUShort(ds, DCM_BitsStored, 16);
  putUShort(ds, DCM_HighBit, 15);
  putUShort(ds, DCM_PixelRepresentation, s.storage.isSigned ? 1 : 0);
  // Modality LUT (CT Image / MR rescale) and VOI LUT
  // Required in CT; in MR outside the IOD (dciodvfy warns), so written only when not identity.
  if (isCT || s.storage.slope != 1 || s.storage.intercept != 0) {
    put(ds, DCM_RescaleIntercept, s.storage.interceptText);
    put(ds, DCM_RescaleSlope, s.storage.slopeText);
  }
  put(ds, DCM_WindowCenter, formatDS(s.storage.windowCenter));
  put(ds, DCM_WindowWidth, formatDS(s.storage.windowWidth));

  if (isCT) {
    put(ds, DCM_KVP, o.kvp ? formatDS(*o.kvp) : "");
  } else {
    put(ds, DCM_ScanningSequence, o.scanningSequence);
    put(ds, DCM_SequenceVariant, o.sequenceVariant);
    put(ds, DCM_ScanOptions, "");
    put(ds, DCM_MRAcquisitionType, "3D");
    put(ds, DCM_EchoTrainLength, "");
    if (o.repetitionTimeMs) put(ds, DCM_RepetitionTime, formatDS(*o.repetitionTimeMs));
    else put(ds, DCM_RepetitionTime, "");
    if (o.flipAngleDeg) put(ds, DCM_FlipAngle, formatDS(*o.flipAngleDeg));
    if (o.fieldStrengthT) put(ds, DCM_MagneticFieldStrength, formatDS(*o.fieldStrengthT));
    put(ds, DCM_ImagedNucleus, "1H");
  }
  if (s.volumeCount > 1) put(ds, DCM_NumberOfTemporalPositions, formatIS(static_cast<long>(s.volumeCount)));
}

template <class T>
void fillPixels(const T* src, std::size_t count, const StoragePlan& plan, Uint16* dst) {
  for (std::size_t i = 0; i < count; ++i) {
    const int s = plan.store(static_cast<double>(src[i]));
    dst[i] = static_cast<Uint16>(static_cast<std::int32_t>(s) & 0xFFFF);
  }
}

void writeSlice(const SeriesHeader& s, const core::Volume& volume, const FrameInfo* frame, std::size_t volumeIndex,
                std::size_t k, long instanceNumber, const fs::path& file) {
  const SeriesWriteOptions& o = *s.options;
  const auto& g = volume.geometry();
  DcmFileFormat ff;
  DcmDataset& ds = *ff.getDataset();
  fillSeriesAttributes(ds, s);

  put(ds, DCM_SOPInstanceUID, newUid());
  // General Image
  put(ds, DCM_InstanceNumber, formatIS(instanceNumber));
  std::string imageType = frame && !frame->imageType.empty() ? frame->imageType : o.imageType;
  // AXIAL (the default, a CT term) is not a defined term for MR value 3; OTHER is.
  if (o.modality == core::Modality::MR && imageType == "ORIGINAL\\PRIMARY\\AXIAL") imageType = "ORIGINAL\\PRIMARY\\OTHER";
  put(ds, DCM_ImageType, imageType);
  put(ds, DCM_AcquisitionNumber, formatIS(static_cast<long>(volumeIndex + 1)));
  double acquisitionSeconds = secondsOf(s.identity.studyTime);
  if (frame && frame->acquisitionTimeS) acquisitionSeconds += *frame->acquisitionTimeS;
  put(ds, DCM_AcquisitionDate, s.identity.studyDate);
  put(ds, DCM_AcquisitionTime, timeOf(acquisitionSeconds));
  put(ds, DCM_ContentDate, s.identity.studyDate);
  put(ds, DCM_ContentTime, timeOf(acquisitionSeconds));
  if (s.volumeCount > 1) put(ds, DCM_TemporalPositionIdentifier, formatIS(static_cast<long>(volumeIndex + 1)));

  // Image Plane
  const core::Vec3 row = g.direction().column(0), col = g.direction().column(1);
  const core::Vec3 normal = core::normalized(core::cross(row, col));
  const core::Vec3 ipp = g.indexToWorld({0, 0, static_cast<double>(k)});
  put(ds, DCM_ImageOrientationPatient, formatDS(row) + "\\" + formatDS(col));
  put(ds, DCM_ImagePositionPatient, formatDS(ipp));
  put(ds, DCM_PixelSpacing, formatDS(g.spacing()[1]) + "\\" + formatDS(g.spacing()[0]));
  put(ds, DCM_SliceThickness, formatDS(g.spacing()[2]));
  put(ds, DCM_SpacingBetweenSlices, formatDS(g.spacing()[2]));
  put(ds, DCM_SliceLocation, formatDS(core::dot(ipp, normal)));

  if (o.modality == core::Modality::MR) {
    const std::optional<double> te = frame && frame->echoTimeMs ? frame->echoTimeMs : o.echoTimeMs;
    put(ds, DCM_EchoTime, te ? formatDS(*te) : "");
    if (frame && frame->echoTimeMs) put(ds, DCM_EchoNumbers, formatIS(static_cast<long>(volumeIndex + 1)));
    if (frame && frame->bValue) {
      put(ds, DCM_DiffusionBValue, formatDS(*frame->bValue));
      const bool directional = frame->gradientLps && *frame->bValue > 0 && core::norm(*frame->gradientLps) > 0;
      put(ds, DCM_DiffusionDirectionality, directional ? "DIRECTIONAL" : "NONE");
      if (directional) put(ds, DCM_DiffusionGradientOrientation, formatDS(core::normalized(*frame->gradientLps)));
    }
  }

  // Image Pixel
  const std::size_t cols = g.size()[0], rows = g.size()[1];
  putUShort(ds, DCM_Rows, static_cast<unsigned>(rows));
  putUShort(ds, DCM_Columns, static_cast<unsigned>(cols));
  std::vector<Uint16> pixels(rows * cols);
  volume.visitData([&](const auto* p) { fillPixels(p + k * rows * cols, rows * cols, s.storage, pixels.data()); });
  detail::check(ds.putAndInsertUint16Array(DCM_PixelData, pixels.data(), static_cast<unsigned long>(pixels.size())),
                "cannot store the pixel data");

  detail::check(ff.saveFile(file.c_str(), EXS_LittleEndianExplicit), "cannot write the file");
}

fs::path temporarySibling(const fs::path& folder) {
  std::random_device rd;
  std::mt19937_64 rng(rd() ^ static_cast<std::uint64_t>(std::chrono::steady_clock::now().time_since_epoch().count()));
  for (int attempt = 0; attempt < 100; ++attempt) {
    char suffix[32];
    std::snprintf(suffix, sizeof suffix, ".partial-%08llx", static_cast<unsigned long long>(rng() & 0xffffffffu));
    const fs::path p = folder.parent_path() / ("." + folder.filename().string() + suffix);
    std::error_code ec;
    if (fs::create_directory(p, ec)) return p;
  }
  throw core::Error("cannot create a temporary folder beside " + folder.string());
}

}  // namespace

std::vector<fs::path> writeSeries(const std::vector<core::VolumePtr>& volumes, const std::vector<FrameInfo>& frames,
                                  const SeriesWriteOptions& options, const fs::path& folderIn,
                                  core::ProgressSink& progress) {
  const fs::path folder = folderIn.has_filename() ? folderIn : folderIn.parent_path();  // "a/b/" -> "a/b"
  const std::string what = "writing DICOM series " + folder.string();
  if (volumes.empty()) throw core::Error("no volumes to write").addContext(what);
  for (const auto& v : volumes)
    if (!v) throw core::Error("a volume is missing (null)").addContext(what);
  if (options.modality != core::Modality::CT && options.modality != core::Modality::MR)
    throw core::Error("only CT and MR series can be written").addContext(what);
  if (!frames.empty() && frames.size() != volumes.size())
    throw core::Error(std::to_string(frames.size()) + " frame descriptions for " + std::to_string(volumes.size()) +
                      " volumes")
        .addContext(what);
  const auto& g = volumes.front()->geometry();
  for (const auto& v : volumes)
    if (!sameGeometry(v->geometry(), g))
      throw core::Error("the volumes of a 4D series must share one geometry").addContext(what);
  if (g.size()[0] > 65535 || g.size()[1] > 65535)
    throw core::Error("images wider than 65535 pixels cannot be stored in DICOM").addContext(what);
  std::error_code ec;
  if (fs::exists(folder, ec) || fs::is_symlink(folder, ec))
    throw core::Error("the destination already exists; choose a new folder (existing data is never overwritten)")
        .addContext(what);

  SeriesHeader header;
  header.options = &options;
  header.volumeCount = volumes.size();
  header.sopClassUid = options.modality == core::Modality::CT ? UID_CTImageStorage : UID_MRImageStorage;
  header.identity = options.identity;
  auto& id = header.identity;
  if (id.studyInstanceUid.empty()) id.studyInstanceUid = newUid();
  if (id.seriesInstanceUid.empty()) id.seriesInstanceUid = newUid();
  if (id.frameOfReferenceUid.empty()) id.frameOfReferenceUid = newUid();
  if (id.studyDate.empty()) id.studyDate = nowDate();
  if (id.studyTime.empty()) id.studyTime = nowTime();
  if (id.seriesNumber <= 0) id.seriesNumber = 1;
  header.storage = planStorage(volumes, options.modality);

  fs::path temp;
  fs::path current;
  try {
    if (!folder.parent_path().empty()) fs::create_directories(folder.parent_path());
    temp = temporarySibling(folder);
    const std::size_t nz = g.size()[2];
    const std::size_t total = nz * volumes.size();
    std::vector<fs::path> written;
    written.reserve(total);
    for (std::size_t v = 0; v < volumes.size(); ++v) {
      const FrameInfo* frame = frames.empty() ? nullptr : &frames[v];
      for (std::size_t k = 0; k < nz; ++k) {
        const std::size_t n = v * nz + k;
        progress.checkCancel(static_cast<double>(n) / static_cast<double>(total), "writing DICOM slices");
        char name[32];
        std::snprintf(name, sizeof name, "IM%06zu.dcm", n + 1);
        current = temp / name;
        writeSlice(header, *volumes[v], frame, v, k, static_cast<long>(n + 1), current);
        written.push_back(folder / name);
      }
    }
    current.clear();
    if (fs::exists(folder)) throw core::Error("the destination appeared while writing; not overwriting it");
    fs::rename(temp, folder);
    progress.report(1.0, "writing DICOM slices");
    return written;
  } catch (...) {
    if (!temp.empty()) fs::remove_all(temp, ec);
    try {
      throw;
    } catch (core::Cancelled&) {
      throw;
    } catch (core::Error& e) {
      if (!current.empty()) e.addContext("writing " + current.string());
      e.addContext(what);
      throw;
    } catch (const std::exception& e) {
      core::Error err(e.what());
      if (!current.empty()) err.addContext("writing " + current.string());
      throw err.addContext(what);
    }
  }
}

}  // namespace fw::dicom
