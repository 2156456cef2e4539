#include "SliceHeader.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <memory>

#include <dcmtk/config/osconfig.h>
#include <dcmtk/dcmdata/dcdatset.h>
#include <dcmtk/dcmdata/dcdeftag.h>
#include <dcmtk/dcmdata/dcfilefo.h>
#include <dcmtk/dcmdata/dcistrmb.h>
#include <dcmtk/dcmdata/dcmetinf.h>
#include <dcmtk/dcmdata/dcuid.h>
#include <dcmtk/dcmdata/dcxfer.h>

#include "DcmUtil.h"
#include "FastHeader.h"
#include "Vendor.h"

namespace fw::dicom::detail {

namespace {

// Header values are small; anything longer (pixel data, large private blobs) stays on disk.
constexpr Uint32 kMaxHeaderValueLength = 4096;
// Bytes read at once from the start of a file: the whole of a classic slice, the header of
// most enhanced files.
constexpr std::size_t kHeadBytes = 256 * 1024;
// Headers are parsed from memory up to this size (values longer than kMaxHeaderValueLength
// are then held in memory, not left on disk); longer ones from the file.
constexpr std::size_t kMaxBufferedHeader = 16 * 1024 * 1024;

std::optional<core::Vec3> getVec3(DcmItem& item, const DcmTagKey& tag, unsigned long first) {
  core::Vec3 v;
  for (unsigned long i = 0; i < 3; ++i) {
    auto d = getDouble(item, tag, first + i);
    if (!d) return std::nullopt;
    v[static_cast<int>(i)] = *d;
  }
  return v;
}

// "HHMMSS.frac" (or "HH:MM:SS" of old files) -> seconds since midnight.
std::optional<double> parseTimeS(std::string t) {
  t.erase(std::remove(t.begin(), t.end(), ':'), t.end());
  if (t.size() < 2 || !std::isdigit(static_cast<unsigned char>(t[0]))) return std::nullopt;
  const auto num = [&](std::size_t pos, std::size_t len) -> double {
    if (t.size() < pos + len) return 0;
    return std::atof(t.substr(pos, len).c_str());
  };
  double s = num(0, 2) * 3600 + num(2, 2) * 60;
  if (t.size() > 4) s += std::atof(t.substr(4).c_str());
  return s;
}

// A DateTime "YYYYMMDDHHMMSS.frac": the time part, in seconds since midnight.
std::optional<double> parseDateTimeS(const std::string& dt) {
  if (dt.size() < 10) return std::nullopt;
  return parseTimeS(dt.substr(8));
}

// The complex component from Image Type's third value (M, P, R, I, ...).
std::string complexFromImageType(const std::string& imageType) {
  std::vector<std::string> parts;
  std::size_t start = 0;
  for (std::size_t i = 0; i <= imageType.size(); ++i)
    if (i == imageType.size() || imageType[i] == '\\') {
      parts.push_back(imageType.substr(start, i - start));
      start = i + 1;
    }
  for (std::size_t i = 2; i < parts.size(); ++i) {
    const auto& v = parts[i];
    if (v == "M" || v == "MAG" || v == "MAGNITUDE") return "MAGNITUDE";
    if (v == "P" || v == "PHASE" || v == "PHA") return "PHASE";
    if (v == "R" || v == "REAL") return "REAL";
    if (v == "I" || v == "IMAGINARY") return "IMAGINARY";
  }
  return {};
}

DcmItem* firstItem(DcmItem& parent, const DcmTagKey& seq) {
  DcmItem* item = nullptr;
  if (parent.findAndGetSequenceItem(seq, item, 0).bad()) return nullptr;
  return item;
}

// Plane, pixel measures, value transformation, frame content, echo, frame type and diffusion
// from one functional-group item (shared or per-frame) onto `h`.
struct PlaneSeen {
  bool position = false, orientation = false;
};

void applyFunctionalGroup(DcmItem& group, SliceHeader& h, PlaneSeen& seen) {
  if (DcmItem* it = firstItem(group, DCM_PlanePositionSequence))
    if (auto pos = getVec3(*it, DCM_ImagePositionPatient, 0)) {
      h.position = *pos;
      seen.position = true;
    }
  if (DcmItem* it = firstItem(group, DCM_PlaneOrientationSequence)) {
    const auto row = getVec3(*it, DCM_ImageOrientationPatient, 0);
    const auto col = getVec3(*it, DCM_ImageOrientationPatient, 3);
    if (row && col && core::norm(*row) > 0.5 && core::norm(*col) > 0.5) {
      h.rowDirection = core::normalized(*row);
      h.columnDirection = core::normalized(*col);
      seen.orientation = true;
    }
  }
  if (DcmItem* it = firstItem(group, DCM_PixelMeasuresSequence)) {
    const auto psRow = getDouble(*it, DCM_PixelSpacing, 0);
    const auto psCol = getDouble(*it, DCM_PixelSpacing, 1);
    if (psRow && psCol && *psRow > 0 && *psCol > 0) {
      h.hasPixelSpacing = true;
      h.spacingBetweenRows = *psRow;
      h.spacingBetweenColumns = *psCol;
    }
    if (auto t = getDouble(*it, DCM_SliceThickness)) h.sliceThickness = *t;
    if (auto sp = getDouble(*it, DCM_SpacingBetweenSlices)) h.spacingBetweenSlices = *sp;
  }
  if (DcmItem* it = firstItem(group, DCM_PixelValueTransformationSequence)) {
    if (auto slope = getDouble(*it, DCM_RescaleSlope)) h.rescaleSlope = *slope == 0 ? 1 : *slope;
    if (auto icpt = getDouble(*it, DCM_RescaleIntercept)) h.rescaleIntercept = *icpt;
    h.rescaleType = getStringOr(*it, DCM_RescaleType, h.rescaleType);
  }
  if (DcmItem* it = firstItem(group, DCM_FrameVOILUTSequence)) {
    if (auto c = getDouble(*it, DCM_WindowCenter)) h.windowCenter = c;
    if (auto w = getDouble(*it, DCM_WindowWidth)) h.windowWidth = w;
  }
  if (DcmItem* it = firstItem(group, DCM_FrameContentSequence)) {
    h.stackId = getStringOr(*it, DCM_StackID, h.stackId);
    if (auto n = getLong(*it, DCM_InStackPositionNumber)) h.inStackPosition = *n;
    if (auto n = getLong(*it, DCM_TemporalPositionIndex)) h.temporalPosition = *n;
    if (auto n = getLong(*it, DCM_FrameAcquisitionNumber)) h.acquisitionNumber = *n;
    if (auto t = getString(*it, DCM_FrameAcquisitionDateTime)) {
      if (auto s = parseDateTimeS(*t)) h.acquisitionTimeS = s;
    }
    h.dimensionIndex.clear();
    for (unsigned long i = 0; i < 16; ++i) {
      Uint32 v = 0;
      if (it->findAndGetUint32(DCM_DimensionIndexValues, v, i).bad()) break;
      h.dimensionIndex.push_back(v);
    }
  }
  if (DcmItem* it = firstItem(group, DCM_MREchoSequence))
    if (auto te = getDouble(*it, DCM_EffectiveEchoTime)) h.echoTimeMs = te;
  if (DcmItem* it = firstItem(group, DCM_MRTimingAndRelatedParametersSequence))
    if (auto tr = getDouble(*it, DCM_RepetitionTime)) h.repetitionTimeMs = tr;
  for (const DcmTagKey& frameType : {DCM_MRImageFrameTypeSequence, DCM_CTImageFrameTypeSequence})
    if (DcmItem* it = firstItem(group, frameType)) {
      h.imageType = getStringOr(*it, DCM_FrameType, h.imageType);
      const std::string complex = getStringOr(*it, DCM_ComplexImageComponent);
      if (!complex.empty() && complex != "MIXED") h.complexComponent = complex;
    }
  if (DcmItem* it = firstItem(group, DCM_MRDiffusionSequence)) {
    const Diffusion d = readDiffusionFromFunctionalGroup(group);
    if (d.bValue) {
      h.bValue = d.bValue;
      h.gradient = d.gradientLps;
      h.diffusionIsotropic = d.isotropic;
    } else {
      // The standard attributes, until the vendor module reads them (same tags).
      h.bValue = getDouble(*it, DCM_DiffusionBValue);
      h.diffusionIsotropic = getStringOr(*it, DCM_DiffusionDirectionality) == "ISOTROPIC";
      h.gradient.reset();
      if (DcmItem* g = firstItem(*it, DCM_DiffusionGradientDirectionSequence))
        if (auto v = getVec3(*g, DCM_DiffusionGradientOrientation, 0); v && core::norm(*v) > 1e-6)
          h.gradient = core::normalized(*v);
    }
  }
}

}  // namespace

std::uint64_t SliceHeader::storedFrameBytes() const {
  const std::uint64_t r = frameRows ? frameRows : rows, c = frameColumns ? frameColumns : columns;
  return r * c * samplesPerPixel * ((bitsAllocated + 7) / 8);
}

namespace {

std::string byteCount(std::uint64_t n) {
  char buf[64];
  if (n >= (1ull << 30))
    std::snprintf(buf, sizeof buf, "%.1f GB", double(n) / double(1ull << 30));
  else if (n >= (1ull << 20))
    std::snprintf(buf, sizeof buf, "%.1f MB", double(n) / double(1ull << 20));
  else
    std::snprintf(buf, sizeof buf, "%llu bytes", static_cast<unsigned long long>(n));
  return buf;
}

// Finds the Pixel Data element of an uncompressed little-endian file by reading its tail (the
// parse stopped at Pixel Data, so its header is not kept by DCMTK), and checks that it holds
// what the header promises. Sets pixelDataOffset/Length or pixelDataProblem on `h`. `whole`
// (when not null) holds the whole file, `wholeSize` bytes, already read: nothing is read again.
void locatePixelData(const std::filesystem::path& file, SliceHeader& h, const std::uint8_t* whole,
                     std::size_t wholeSize) {
  const std::uint64_t frameBytes = h.storedFrameBytes();
  if (h.bitsAllocated % 8 != 0 || frameBytes == 0) return;
  const std::uint64_t expected = frameBytes * h.numberOfFrames;
  std::error_code ec;
  const std::uint64_t fileSize = whole ? wholeSize : std::filesystem::file_size(file, ec);
  if (ec) return;
  const std::string claim = std::to_string(h.numberOfFrames) + " frame(s) of " +
                            std::to_string(h.frameColumns ? h.frameColumns : h.columns) + "x" +
                            std::to_string(h.frameRows ? h.frameRows : h.rows) + " pixels";
  if (expected > fileSize) {
    h.pixelDataProblem = "the file is truncated or its header is wrong: it claims " + claim + " (" +
                         byteCount(expected) + ") but the whole file has " + byteCount(fileSize);
    return;
  }
  // Pixel Data is the last large element; only small elements (padding, a few private tags)
  // may follow it. Look for its tag in a window around where the pixel bytes must start
  // (later too, for a file cut short), latest candidate first.
  constexpr std::uint64_t kSlack = 64 * 1024;
  const std::uint64_t start = fileSize - expected;  // the value cannot start later in a whole file
  const std::uint64_t lo = start > kSlack ? start - kSlack : 0;
  const std::uint64_t hi = std::min(fileSize, start + kSlack);
  const std::size_t bufSize = static_cast<std::size_t>(hi - lo);
  std::vector<unsigned char> storage;
  const unsigned char* buf = whole ? whole + lo : nullptr;
  if (!whole) {
    std::ifstream in(file, std::ios::binary);
    if (!in) return;
    storage.resize(bufSize);
    in.seekg(static_cast<std::streamoff>(lo));
    in.read(reinterpret_cast<char*>(storage.data()), static_cast<std::streamsize>(storage.size()));
    if (static_cast<std::size_t>(in.gcount()) != storage.size()) return;
    buf = storage.data();
  }
  const bool explicitVr = h.transferSyntaxUid == UID_LittleEndianExplicitTransferSyntax;
  const std::size_t headerLen = explicitVr ? 12 : 8;
  if (bufSize < headerLen) return;
  for (std::size_t p = bufSize - headerLen + 1; p-- > 0;) {
    // Jump to the previous 0xE0 byte (memrchr scans many bytes at once; the window is 64 KB+).
    const void* e0 = memrchr(buf, 0xE0, p + 1);
    if (!e0) break;
    p = static_cast<std::size_t>(static_cast<const unsigned char*>(e0) - buf);
    if (buf[p] != 0xE0 || buf[p + 1] != 0x7F || buf[p + 2] != 0x10 || buf[p + 3] != 0x00) continue;
    std::uint32_t len = 0;
    if (explicitVr) {
      const bool ow = buf[p + 4] == 'O' && (buf[p + 5] == 'W' || buf[p + 5] == 'B');
      if (!ow || buf[p + 6] != 0 || buf[p + 7] != 0) continue;
      std::memcpy(&len, &buf[p + 8], 4);
    } else {
      std::memcpy(&len, &buf[p + 4], 4);
    }
    if (len == 0xFFFFFFFFu) return;  // encapsulated after all: leave it to DCMTK
    const std::uint64_t valueStart = lo + p + headerLen;
    const bool fitsFile = valueStart + len <= fileSize;
    if (fitsFile && len >= expected) {
      h.pixelDataOffset = valueStart;
      h.pixelDataLength = len;
      return;
    }
    if (!fitsFile && (len == expected || len == expected + 1)) {
      h.pixelDataProblem = "the file is truncated: Pixel Data should hold " + byteCount(len) + " but the file ends after " +
                           byteCount(fileSize - valueStart);
      return;
    }
    if (fitsFile && len < expected && valueStart + len + 1024 >= fileSize) {
      h.pixelDataProblem = "the header claims " + claim + " (" + byteCount(expected) + ") but Pixel Data holds " +
                           byteCount(len) + "; the frame count or image size does not match the data";
      return;
    }
  }
}

// What a non-image object is, in words a user knows ("structured report"), with DCMTK's
// SOP class name as a fallback.
std::string describeNonImage(const std::string& modality, const std::string& sopClassName) {
  static const std::pair<const char*, const char*> kinds[] = {
      {"SR", "structured report"},        {"PR", "presentation state"},     {"KO", "key object selection"},
      {"RTSTRUCT", "RT structure set"},   {"RTPLAN", "RT plan"},            {"RTRECORD", "RT treatment record"},
      {"SEG", "segmentation"},            {"REG", "spatial registration"},  {"DOC", "encapsulated document"},
      {"FID", "fiducials"},               {"RWV", "real world value map"},  {"PLAN", "plan"}};
  for (const auto& [code, text] : kinds)
    if (modality == code) return std::string(text) + ", " + sopClassName;
  return sopClassName;
}

}  // namespace

namespace {

// The DICOM check on the first bytes of a file (`n` of them were read).
bool looksLikeDicomBytes(const unsigned char* buf, std::size_t n) {
  if (n >= 132 && buf[128] == 'D' && buf[129] == 'I' && buf[130] == 'C' && buf[131] == 'M')
    return true;
  // A dataset without preamble (old ACR-NEMA style or stripped Part 10): little-endian tag of
  // group 0x0002 or 0x0008 first.
  if (n >= 8 && buf[1] == 0x00 && buf[3] == 0x00 && (buf[0] == 0x02 || buf[0] == 0x08))
    return true;
  return false;
}

}  // namespace

bool looksLikeDicom(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) return false;
  unsigned char buf[132] = {};
  in.read(reinterpret_cast<char*>(buf), sizeof buf);
  return looksLikeDicomBytes(buf, static_cast<std::size_t>(in.gcount()));
}

HeaderResult sliceHeaderFrom(DcmFileFormat& ff, const std::filesystem::path& file, const std::uint8_t* wholeFile,
                             std::size_t wholeFileSize) {
  HeaderResult r;
  DcmDataset& ds = *ff.getDataset();
  DcmMetaInfo& meta = *ff.getMetaInfo();

  const std::string mediaClass = getStringOr(meta, DCM_MediaStorageSOPClassUID);
  if (mediaClass == UID_MediaStorageDirectoryStorage) {
    r.skipReason = "a DICOMDIR (directory index), not an image";
    return r;
  }

  const auto rows = getUShort(ds, DCM_Rows);
  const auto cols = getUShort(ds, DCM_Columns);
  if (!rows || !cols || *rows == 0 || *cols == 0) {
    const std::string cls = getStringOr(ds, DCM_SOPClassUID, mediaClass);
    const char* name = dcmFindNameOfUID(cls.c_str(), nullptr);
    const std::string what = name ? name : cls.empty() ? "no SOP class" : cls;
    if (!cls.empty() && dcmIsImageStorageSOPClassUID(cls.c_str())) {
      // An image class without Rows/Columns: the file was cut between two header elements
      // (which parses cleanly), not a report or presentation state to ignore.
      r.skipReason = "truncated or damaged header: an image (" + what + ") without Rows/Columns";
      return r;
    }
    r.skipReason = "not an image (" + describeNonImage(getStringOr(ds, DCM_Modality), what) + ")";
    r.nonImage = !cls.empty();
    return r;
  }

  // Character set: strings are UTF-8 from here on.
  const std::string charset = getStringOr(ds, DCM_SpecificCharacterSet);
  if (!charset.empty() && charset != "ISO_IR 192" && charset != "ISO_IR 6") {
    const OFCondition cond = ff.convertToUTF8();
    if (cond.bad())
      r.warnings.push_back(file.string() + ": cannot convert character set '" + charset +
                           "' to UTF-8 (" + cond.text() + "); names may show wrongly");
  }

  SliceHeader h;
  h.file = file;
  h.rows = *rows;
  h.columns = *cols;
  h.sopClassUid = getStringOr(ds, DCM_SOPClassUID, mediaClass);
  h.sopInstanceUid = getStringOr(ds, DCM_SOPInstanceUID, getStringOr(meta, DCM_MediaStorageSOPInstanceUID));
  h.transferSyntaxUid = getStringOr(meta, DCM_TransferSyntaxUID);
  if (h.transferSyntaxUid.empty()) h.transferSyntaxUid = DcmXfer(ds.getOriginalXfer()).getXferID();
  h.modality = getStringOr(ds, DCM_Modality);

  auto& id = h.identity;
  id.patientName = getStringOr(ds, DCM_PatientName);
  id.patientId = getStringOr(ds, DCM_PatientID);
  id.patientBirthDate = getStringOr(ds, DCM_PatientBirthDate);
  id.patientSex = getStringOr(ds, DCM_PatientSex);
  id.studyInstanceUid = getStringOr(ds, DCM_StudyInstanceUID);
  id.studyDate = getStringOr(ds, DCM_StudyDate);
  id.studyTime = getStringOr(ds, DCM_StudyTime);
  id.studyDescription = getStringOr(ds, DCM_StudyDescription);
  id.studyId = getStringOr(ds, DCM_StudyID);
  id.accessionNumber = getStringOr(ds, DCM_AccessionNumber);
  id.seriesInstanceUid = getStringOr(ds, DCM_SeriesInstanceUID);
  id.seriesDescription = getStringOr(ds, DCM_SeriesDescription);
  id.seriesNumber = static_cast<int>(getLong(ds, DCM_SeriesNumber).value_or(0));
  id.frameOfReferenceUid = getStringOr(ds, DCM_FrameOfReferenceUID);

  if (auto n = getLong(ds, DCM_NumberOfFrames)) h.numberOfFrames = *n > 0 ? static_cast<std::size_t>(*n) : 1;
  h.samplesPerPixel = getUShort(ds, DCM_SamplesPerPixel).value_or(1);
  h.bitsAllocated = getUShort(ds, DCM_BitsAllocated).value_or(16);
  h.bitsStored = getUShort(ds, DCM_BitsStored).value_or(h.bitsAllocated);
  h.highBit = getUShort(ds, DCM_HighBit).value_or(h.bitsStored - 1);
  h.pixelRepresentation = getUShort(ds, DCM_PixelRepresentation).value_or(0);
  h.photometric = getStringOr(ds, DCM_PhotometricInterpretation, "MONOCHROME2");

  const auto row = getVec3(ds, DCM_ImageOrientationPatient, 0);
  const auto col = getVec3(ds, DCM_ImageOrientationPatient, 3);
  const auto pos = getVec3(ds, DCM_ImagePositionPatient, 0);
  if (row && col && pos && core::norm(*row) > 0.5 && core::norm(*col) > 0.5) {
    h.rowDirection = core::normalized(*row);
    h.columnDirection = core::normalized(*col);
    h.position = *pos;
    h.hasPlane = std::abs(core::dot(h.rowDirection, h.columnDirection)) < 1e-2;
    if (!h.hasPlane)
      r.warnings.push_back(file.string() + ": Image Orientation (Patient) rows and columns are not perpendicular");
  }
  const auto psRow = getDouble(ds, DCM_PixelSpacing, 0);
  const auto psCol = getDouble(ds, DCM_PixelSpacing, 1);
  if (psRow && psCol && *psRow > 0 && *psCol > 0) {
    h.hasPixelSpacing = true;
    h.spacingBetweenRows = *psRow;
    h.spacingBetweenColumns = *psCol;
  }
  h.sliceThickness = getDouble(ds, DCM_SliceThickness).value_or(0);
  h.spacingBetweenSlices = getDouble(ds, DCM_SpacingBetweenSlices).value_or(0);

  h.rescaleSlope = getDouble(ds, DCM_RescaleSlope).value_or(1);
  if (h.rescaleSlope == 0) h.rescaleSlope = 1;  // a zero slope is a writer bug; ignore it
  h.rescaleIntercept = getDouble(ds, DCM_RescaleIntercept).value_or(0);
  h.rescaleType = getStringOr(ds, DCM_RescaleType);
  // Philips classic images: dcm2niix's default values, the "precise" floating-point scale
  // (docs/dicom-assembly.md). Enhanced images take theirs from the functional groups.
  if (!ds.tagExists(DCM_PerFrameFunctionalGroupsSequence))
    if (const auto p = philipsPreciseScale(ds)) {
      h.rescaleSlope = p->slope;
      h.rescaleIntercept = p->intercept;
    }
  h.windowCenter = getDouble(ds, DCM_WindowCenter);
  h.windowWidth = getDouble(ds, DCM_WindowWidth);

  h.instanceNumber = getLong(ds, DCM_InstanceNumber).value_or(0);
  h.acquisitionNumber = getLong(ds, DCM_AcquisitionNumber).value_or(0);
  h.temporalPosition = getLong(ds, DCM_TemporalPositionIdentifier).value_or(0);
  h.echoNumber = getLong(ds, DCM_EchoNumbers).value_or(0);
  h.echoTimeMs = getDouble(ds, DCM_EchoTime);
  h.repetitionTimeMs = getDouble(ds, DCM_RepetitionTime);
  h.acquisitionTime = getStringOr(ds, DCM_AcquisitionTime);
  h.imageType = getStringOr(ds, DCM_ImageType);

  h.manufacturer = getStringOr(ds, DCM_Manufacturer);
  h.seriesTime = getStringOr(ds, DCM_SeriesTime);
  if (auto dt = getString(ds, DCM_AcquisitionDateTime)) h.acquisitionTimeS = parseDateTimeS(*dt);
  if (!h.acquisitionTimeS) h.acquisitionTimeS = parseTimeS(h.acquisitionTime);
  h.complexComponent = complexFromImageType(h.imageType);

  const Diffusion diffusion = readDiffusion(ds, h.manufacturer, h.rowDirection, h.columnDirection);
  h.bValue = diffusion.bValue;
  h.gradient = diffusion.gradientLps;
  h.diffusionIsotropic = diffusion.isotropic;

  const bool nativeLe = h.transferSyntaxUid == UID_LittleEndianImplicitTransferSyntax ||
                        h.transferSyntaxUid == UID_LittleEndianExplicitTransferSyntax;

  DcmSequenceOfItems* perFrame = nullptr;
  if (ds.findAndGetSequence(DCM_PerFrameFunctionalGroupsSequence, perFrame).good() && perFrame) {
    // Enhanced multi-frame: one header per frame from the shared and per-frame groups.
    const std::size_t items = perFrame->card();
    if (items != h.numberOfFrames) {
      r.skipReason = "damaged enhanced multi-frame header: Number of Frames is " + std::to_string(h.numberOfFrames) +
                     " but the per-frame functional groups describe " + std::to_string(items) + " frame(s)";
      return r;
    }
    PlaneSeen sharedSeen;
    sharedSeen.position = sharedSeen.orientation = h.hasPlane;  // top-level attributes, if any
    DcmItem* shared = firstItem(ds, DCM_SharedFunctionalGroupsSequence);
    if (shared) applyFunctionalGroup(*shared, h, sharedSeen);
    if (nativeLe) {
      h.nativeLittleEndian = true;
      locatePixelData(file, h, wholeFile, wholeFileSize);
    }
    r.headers.reserve(items);
    for (std::size_t f = 0; f < items; ++f) {
      SliceHeader fh = h;
      fh.frame = f;
      PlaneSeen seen = sharedSeen;
      if (DcmItem* item = perFrame->getItem(static_cast<unsigned long>(f))) applyFunctionalGroup(*item, fh, seen);
      fh.hasPlane = seen.position && seen.orientation && std::abs(core::dot(fh.rowDirection, fh.columnDirection)) < 1e-2;
      if (fh.complexComponent.empty()) fh.complexComponent = complexFromImageType(fh.imageType);
      r.headers.push_back(std::move(fh));
    }
    return r;
  }

  if (const auto mosaic = readMosaic(ds, h.rows, h.columns);
      mosaic && mosaic->tileCount > 0 && mosaic->tileRows > 0 && mosaic->tileColumns > 0 &&
      mosaic->tilesPerRow * mosaic->tileColumns <= h.columns && mosaic->tilesPerRow * mosaic->tileRows <= h.rows) {
    // Siemens mosaic: one header per tile, placed with the vendor's correction.
    h.frameRows = h.rows;
    h.frameColumns = h.columns;
    if (nativeLe) {
      h.nativeLittleEndian = true;
      locatePixelData(file, h, wholeFile, wholeFileSize);
    }
    h.rows = mosaic->tileRows;
    h.columns = mosaic->tileColumns;
    h.mosaicTileCount = mosaic->tileCount;
    h.mosaicTileRows = mosaic->tileRows;
    h.mosaicTileColumns = mosaic->tileColumns;
    const core::Vec3 framePosition = h.position;
    for (std::size_t t = 0; t < mosaic->tileCount; ++t) {
      SliceHeader th = h;
      th.mosaicTile = t;
      th.position = mosaicTilePosition(*mosaic, framePosition, h.rowDirection, h.columnDirection, h.spacingBetweenRows,
                                       h.spacingBetweenColumns, t);
      r.headers.push_back(std::move(th));
    }
    return r;
  }

  if (nativeLe) {
    h.nativeLittleEndian = true;
    locatePixelData(file, h, wholeFile, wholeFileSize);
  }
  r.headers.push_back(std::move(h));
  return r;
}

namespace {

enum class Parser { Auto, Dcmtk, Fast };

// FW_DICOM_HEADER_READER=dcmtk sends every header through DCMTK, to compare both readers in one
// run (docs/dicom-scan.md, "Fast header reader").
bool fastReaderEnabled() {
  static const bool enabled = [] {
    const char* v = std::getenv("FW_DICOM_HEADER_READER");
    return !(v && std::string(v) == "dcmtk");
  }();
  return enabled;
}

// Reads the header of `file` with our fast reader, DCMTK, or the fast reader with DCMTK when it
// declines. With Parser::Fast, a declined file gives nothing (`why` says why).
std::optional<HeaderResult> readHeaderWith(const std::filesystem::path& file, Parser parser, std::string* why) {
  HeaderResult r;
  // One read of the file's head serves the DICOM check, the fast reader and, for nearly every
  // file, DCMTK's parse from memory (docs/dicom-scan.md, "Speed"); a file read whole is not
  // read again to locate its pixel data. A longer header is fed to DCMTK piece by piece, which
  // goes on where it stopped.
  // One buffer per thread, kept between files: a fresh zeroed 256 KB per file cost an mmap,
  // page faults and a memset each time.
  thread_local std::vector<unsigned char> head(kHeadBytes);
  head.resize(kHeadBytes);  // after a long header: the first read stays 256 KB (the memory is kept)
  std::size_t got = 0;
  bool wholeFile = false;
  std::ifstream in(file, std::ios::binary);
  const auto readPiece = [&] {
    in.read(reinterpret_cast<char*>(head.data()), static_cast<std::streamsize>(head.size()));
    got = static_cast<std::size_t>(in.gcount());
    wholeFile = got < head.size();
  };
  if (in) readPiece();
  if (!looksLikeDicomBytes(head.data(), got)) {
    r.skipReason = "not a DICOM file";
    return r;
  }
  quietDcmtkWarnings();
  if (parser != Parser::Dcmtk) {
    // An enhanced header longer than the first read (XA30 T1: 290 KB of functional groups):
    // read on, doubling, while the fast reader only ran short of bytes.
    bool needMore = false;
    auto fast = parseHeaderFast(head.data(), got, why, &needMore);
    while (!fast && needMore && !wholeFile && head.size() < kMaxBufferedHeader) {
      head.resize(head.size() * 2);
      in.read(reinterpret_cast<char*>(head.data() + got), static_cast<std::streamsize>(head.size() - got));
      const auto more = static_cast<std::size_t>(in.gcount());
      wholeFile = got + more < head.size();
      got += more;
      fast = parseHeaderFast(head.data(), got, why, &needMore);
    }
    if (fast) return sliceHeaderFrom(*fast, file, wholeFile ? head.data() : nullptr, got);
    if (parser == Parser::Fast) return std::nullopt;
  }
  const std::uint8_t* whole = wholeFile ? head.data() : nullptr;
  const std::size_t wholeSize = got;
  auto ffp = std::make_unique<DcmFileFormat>();
  OFCondition cond = EC_StreamNotifyClient;
  {
    DcmInputBufferStream stream;
    stream.setBuffer(head.data(), static_cast<offile_off_t>(got));
    if (wholeFile) stream.setEos();
    ffp->transferInit();
    cond = ffp->readUntilTag(stream, EXS_Unknown, EGL_noChange, kMaxHeaderValueLength, DCM_PixelData);
    for (std::size_t total = got; cond == EC_StreamNotifyClient && !wholeFile && total < kMaxBufferedHeader;
         total += got) {
      stream.releaseBuffer();
      if (stream.status().bad()) break;  // DCMTK could not keep its unread bytes: file parse below
      readPiece();
      if (got > 0) stream.setBuffer(head.data(), static_cast<offile_off_t>(got));
      if (wholeFile) stream.setEos();
      cond = ffp->readUntilTag(stream, EXS_Unknown, EGL_noChange, kMaxHeaderValueLength, DCM_PixelData);
    }
    ffp->transferEnd();
  }
  if (cond.bad()) {
    // A header longer than kMaxBufferedHeader, or a damaged one (then the error is the file
    // parse's, exactly as before): DCMTK reads it from the file.
    ffp = std::make_unique<DcmFileFormat>();
    cond = ffp->loadFileUntilTag(file.c_str(), EXS_Unknown, EGL_noChange, kMaxHeaderValueLength, ERM_autoDetect,
                                 DCM_PixelData);
  }
  DcmFileFormat& ff = *ffp;
  if (cond == EC_StreamNotifyClient) {
    r.skipReason = "unreadable DICOM header: the file is truncated (it ends inside the header)";
    return r;
  }
  if (cond.bad()) {
    r.skipReason = std::string("unreadable DICOM header (") + cond.text() + ")";
    return r;
  }
  return sliceHeaderFrom(ff, file, whole, wholeSize);
}

}  // namespace

HeaderResult readSliceHeader(const std::filesystem::path& file) {
  return *readHeaderWith(file, fastReaderEnabled() ? Parser::Auto : Parser::Dcmtk, nullptr);
}

HeaderResult readSliceHeaderDcmtk(const std::filesystem::path& file) {
  return *readHeaderWith(file, Parser::Dcmtk, nullptr);
}

std::optional<HeaderResult> readSliceHeaderFast(const std::filesystem::path& file, std::string* why) {
  return readHeaderWith(file, Parser::Fast, why);
}

}  // namespace fw::dicom::detail
