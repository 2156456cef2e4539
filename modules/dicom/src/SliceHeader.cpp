#include "SliceHeader.h"

#include <cmath>
#include <fstream>

#include <dcmtk/config/osconfig.h>
#include <dcmtk/dcmdata/dcdatset.h>
#include <dcmtk/dcmdata/dcdeftag.h>
#include <dcmtk/dcmdata/dcfilefo.h>
#include <dcmtk/dcmdata/dcmetinf.h>
#include <dcmtk/dcmdata/dcuid.h>
#include <dcmtk/dcmdata/dcxfer.h>

#include "DcmUtil.h"

namespace fw::dicom::detail {

namespace {

// Header values are small; anything longer (pixel data, large private blobs) stays on disk.
constexpr Uint32 kMaxHeaderValueLength = 4096;

std::optional<core::Vec3> getVec3(DcmItem& item, const DcmTagKey& tag, unsigned long first) {
  core::Vec3 v;
  for (unsigned long i = 0; i < 3; ++i) {
    auto d = getDouble(item, tag, first + i);
    if (!d) return std::nullopt;
    v[static_cast<int>(i)] = *d;
  }
  return v;
}

}  // namespace

bool looksLikeDicom(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) return false;
  unsigned char buf[132] = {};
  in.read(reinterpret_cast<char*>(buf), sizeof buf);
  const auto n = in.gcount();
  if (n >= 132 && buf[128] == 'D' && buf[129] == 'I' && buf[130] == 'C' && buf[131] == 'M')
    return true;
  // A dataset without preamble (old ACR-NEMA style or stripped Part 10): little-endian tag of
  // group 0x0002 or 0x0008 first.
  if (n >= 8 && buf[1] == 0x00 && buf[3] == 0x00 && (buf[0] == 0x02 || buf[0] == 0x08))
    return true;
  return false;
}

HeaderResult sliceHeaderFrom(DcmFileFormat& ff, const std::filesystem::path& file) {
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
    r.skipReason = "not an image (" + std::string(name ? name : cls.empty() ? "no SOP class" : cls.c_str()) + ")";
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
  h.windowCenter = getDouble(ds, DCM_WindowCenter);
  h.windowWidth = getDouble(ds, DCM_WindowWidth);

  h.instanceNumber = getLong(ds, DCM_InstanceNumber).value_or(0);
  h.acquisitionNumber = getLong(ds, DCM_AcquisitionNumber).value_or(0);
  h.temporalPosition = getLong(ds, DCM_TemporalPositionIdentifier).value_or(0);
  h.echoNumber = getLong(ds, DCM_EchoNumbers).value_or(0);
  h.bValue = getDouble(ds, DCM_DiffusionBValue);
  if (auto g = getVec3(ds, DCM_DiffusionGradientOrientation, 0)) h.gradient = *g;
  h.echoTimeMs = getDouble(ds, DCM_EchoTime);
  h.repetitionTimeMs = getDouble(ds, DCM_RepetitionTime);
  h.acquisitionTime = getStringOr(ds, DCM_AcquisitionTime);
  h.imageType = getStringOr(ds, DCM_ImageType);

  h.manufacturer = getStringOr(ds, DCM_Manufacturer);
  h.seriesTime = getStringOr(ds, DCM_SeriesTime);
  r.headers.push_back(std::move(h));
  return r;
}

HeaderResult readSliceHeader(const std::filesystem::path& file) {
  HeaderResult r;
  if (!looksLikeDicom(file)) {
    r.skipReason = "not a DICOM file";
    return r;
  }
  quietDcmtkWarnings();
  DcmFileFormat ff;
  const OFCondition cond = ff.loadFileUntilTag(file.c_str(), EXS_Unknown, EGL_noChange,
                                               kMaxHeaderValueLength, ERM_autoDetect, DCM_PixelData);
  if (cond.bad()) {
    r.skipReason = std::string("unreadable DICOM header (") + cond.text() + ")";
    return r;
  }
  return sliceHeaderFrom(ff, file);
}

}  // namespace fw::dicom::detail
