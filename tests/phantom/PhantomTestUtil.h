#pragma once
// The sample study shared by the phantom's disk tests, and a small DCMTK reader for its files.
#include <dcmtk/dcmdata/dcdeftag.h>
#include <dcmtk/dcmdata/dcfilefo.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <string>
#include <vector>

#include "TestData.h"
#include "fw/core/Geometry.h"
#include "fw/phantom/SampleStudy.h"

namespace fw::test {

// <build>/tests/scratch/phantom_study/study: written by the phantom_study fixture
// (phantom_generate_study), or here when a test runs alone and it is missing.
inline std::filesystem::path sampleStudyDir() {
  return std::filesystem::path(FW_TEST_BINARY_DIR) / "scratch" / "phantom_study" / "study";
}

inline std::filesystem::path writeFreshSampleStudy() {
  const auto dir = scratchDir("phantom_study") / "study";
  phantom::writeSampleStudy(dir, core::NullProgress::instance());
  return dir;
}

inline std::filesystem::path ensureSampleStudy() {
  const auto dir = sampleStudyDir();
  if (std::filesystem::exists(dir / "truth.json")) return dir;
  std::fprintf(stderr, "writing the sample study into %s\n", dir.string().c_str());
  return writeFreshSampleStudy();
}

inline std::string readText(const std::filesystem::path& p) {
  std::ifstream f(p, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
}

// One DICOM image file, read with DCMTK.
struct DicomSlice {
  std::map<std::string, std::string> text;  // a few string attributes by keyword
  core::Vec3 ipp;
  core::Vec3 row, col;  // IOP
  double rowSpacing = 0, colSpacing = 0;  // PixelSpacing[0] (between rows), [1] (between columns)
  unsigned rows = 0, cols = 0;
  long instance = 0;
  double bValue = -1;
  core::Vec3 gradient;
  std::vector<double> values;  // rescaled pixel values, row by row
  std::vector<std::uint16_t> raw;

  double at(unsigned column, unsigned rowIndex) const { return values[rowIndex * cols + column]; }
};

inline DicomSlice readDicomSlice(const std::filesystem::path& file, bool pixels = true) {
  DcmFileFormat ff;
  if (ff.loadFile(file.c_str()).bad()) throw std::runtime_error("cannot read " + file.string());
  DcmDataset* ds = ff.getDataset();
  DicomSlice s;
  const std::pair<const char*, DcmTagKey> tags[] = {
      {"PatientName", DCM_PatientName}, {"PatientID", DCM_PatientID},
      {"StudyInstanceUID", DCM_StudyInstanceUID}, {"SeriesInstanceUID", DCM_SeriesInstanceUID},
      {"FrameOfReferenceUID", DCM_FrameOfReferenceUID}, {"Modality", DCM_Modality},
      {"SeriesDescription", DCM_SeriesDescription}, {"StudyDate", DCM_StudyDate},
      {"ImageType", DCM_ImageType}, {"SeriesNumber", DCM_SeriesNumber}};
  for (const auto& [name, tag] : tags) {
    OFString v;
    if (ds->findAndGetOFStringArray(tag, v).good()) s.text[name] = v.c_str();
  }
  for (int i = 0; i < 3; ++i) {
    Float64 v = 0;
    ds->findAndGetFloat64(DCM_ImagePositionPatient, v, static_cast<unsigned long>(i));
    s.ipp[i] = v;
    ds->findAndGetFloat64(DCM_ImageOrientationPatient, v, static_cast<unsigned long>(i));
    s.row[i] = v;
    ds->findAndGetFloat64(DCM_ImageOrientationPatient, v, static_cast<unsigned long>(i + 3));
    s.col[i] = v;
    if (ds->findAndGetFloat64(DCM_DiffusionGradientOrientation, v, static_cast<unsigned long>(i)).good())
      s.gradient[i] = v;
  }
  Float64 v = 0;
  ds->findAndGetFloat64(DCM_PixelSpacing, v, 0);
  s.rowSpacing = v;
  ds->findAndGetFloat64(DCM_PixelSpacing, v, 1);
  s.colSpacing = v;
  if (ds->findAndGetFloat64(DCM_DiffusionBValue, v).good()) s.bValue = v;
  Uint16 r = 0, c = 0, rep = 0;
  ds->findAndGetUint16(DCM_Rows, r);
  ds->findAndGetUint16(DCM_Columns, c);
  ds->findAndGetUint16(DCM_PixelRepresentation, rep);
  s.rows = r;
  s.cols = c;
  Sint32 inst = 0;
  ds->findAndGetSint32(DCM_InstanceNumber, inst);
  s.instance = inst;
  if (pixels) {
    // Absent in MR: DCMTK zeroes the output when an element is missing, so keep our defaults.
    Float64 slope = 1, intercept = 0, x = 0;
    if (ds->findAndGetFloat64(DCM_RescaleSlope, x).good()) slope = x;
    if (ds->findAndGetFloat64(DCM_RescaleIntercept, x).good()) intercept = x;
    const Uint16* data = nullptr;
    unsigned long count = 0;
    if (ds->findAndGetUint16Array(DCM_PixelData, data, &count).bad() || count != std::size_t(r) * c)
      throw std::runtime_error("no pixel data in " + file.string());
    s.raw.assign(data, data + count);
    s.values.resize(count);
    for (unsigned long i = 0; i < count; ++i) {
      const double stored = rep ? static_cast<double>(static_cast<std::int16_t>(data[i])) : data[i];
      s.values[i] = stored * slope + intercept;
    }
  }
  return s;
}

// A series folder's files in order (IM000001.dcm ...), as written for nz slices x volumes.
inline std::vector<std::filesystem::path> seriesFiles(const std::filesystem::path& folder) {
  std::vector<std::filesystem::path> files;
  for (const auto& e : std::filesystem::directory_iterator(folder))
    if (e.path().extension() == ".dcm") files.push_back(e.path());
  std::sort(files.begin(), files.end());
  return files;
}

// World <-> (column, row, slice) from the first two slices' headers, as a reader would.
struct SliceGrid {
  core::Vec3 origin;
  core::Mat3 indexToWorld;
  core::Mat3 worldToIndex;

  static SliceGrid fromSlices(const DicomSlice& first, const DicomSlice& second) {
    SliceGrid g;
    g.origin = first.ipp;
    g.indexToWorld = core::Mat3::fromColumns(first.row * first.colSpacing, first.col * first.rowSpacing,
                                             second.ipp - first.ipp);
    g.worldToIndex = g.indexToWorld.inverse();
    return g;
  }
  // Nearest (column, row, slice); false outside [0, size).
  bool nearest(const core::Vec3& world, const std::array<long, 3>& size, std::array<long, 3>& idx) const {
    const core::Vec3 c = worldToIndex * (world - origin);
    for (int a = 0; a < 3; ++a) {
      idx[static_cast<std::size_t>(a)] = std::lround(c[a]);
      if (idx[static_cast<std::size_t>(a)] < 0 || idx[static_cast<std::size_t>(a)] >= size[static_cast<std::size_t>(a)])
        return false;
    }
    return true;
  }
};

}  // namespace fw::test
