#pragma once
// Writes small enhanced MR multi-frame files with DCMTK for the dicom tests: frames in one or
// several stacks (Stack ID, In-Stack Position Number), each stack with its own orientation,
// geometry in the Shared and Per-frame Functional Groups as scanners write it.
#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include <dcmtk/config/osconfig.h>
#include <dcmtk/dcmdata/dcdatset.h>
#include <dcmtk/dcmdata/dcdeftag.h>
#include <dcmtk/dcmdata/dcfilefo.h>
#include <dcmtk/dcmdata/dcuid.h>

#include "fw/core/Geometry.h"

namespace fw::test {

struct EnhancedStack {
  std::string stackId;
  core::ImageGeometry grid;  // the stack's voxels: frame k is slice k of this grid
};

// Frame value: stack s, slice k, pixel (i, j).
using EnhancedValue = std::function<std::uint16_t(std::size_t s, std::size_t k, std::size_t i, std::size_t j)>;

// One enhanced MR file holding every slice of every stack (all stacks must share rows x columns).
// Frames are written stack by stack, slices in reverse order within a stack (so the reader must
// sort them). Throws std::runtime_error when DCMTK fails.
inline void writeEnhancedMr(const std::filesystem::path& file, const std::vector<EnhancedStack>& stacks,
                            const EnhancedValue& value, int seriesNumber = 7) {
  auto need = [&](const OFCondition& c, const char* what) {
    if (c.bad()) throw std::runtime_error(std::string("writing the enhanced test file: ") + what + ": " + c.text());
  };
  char uid[100];
  DcmFileFormat ff;
  DcmDataset& ds = *ff.getDataset();
  const std::size_t cols = stacks.front().grid.size()[0], rows = stacks.front().grid.size()[1];
  std::size_t frames = 0;
  for (const auto& s : stacks) frames += s.grid.size()[2];
  need(ds.putAndInsertString(DCM_SOPClassUID, UID_EnhancedMRImageStorage), "SOP class");
  need(ds.putAndInsertString(DCM_SOPInstanceUID, dcmGenerateUniqueIdentifier(uid, SITE_INSTANCE_UID_ROOT)), "uid");
  need(ds.putAndInsertString(DCM_StudyInstanceUID, dcmGenerateUniqueIdentifier(uid, SITE_STUDY_UID_ROOT)), "uid");
  need(ds.putAndInsertString(DCM_SeriesInstanceUID, dcmGenerateUniqueIdentifier(uid, SITE_SERIES_UID_ROOT)), "uid");
  need(ds.putAndInsertString(DCM_FrameOfReferenceUID, dcmGenerateUniqueIdentifier(uid, SITE_SERIES_UID_ROOT)), "uid");
  ds.putAndInsertString(DCM_Modality, "MR");
  ds.putAndInsertString(DCM_PatientName, "Enhanced^Test");
  ds.putAndInsertString(DCM_PatientID, "FW-ENH-1");
  ds.putAndInsertString(DCM_StudyDate, "20240102");
  ds.putAndInsertString(DCM_SeriesNumber, std::to_string(seriesNumber).c_str());
  ds.putAndInsertString(DCM_SeriesDescription, "enhanced stacks");
  ds.putAndInsertString(DCM_InstanceNumber, "1");
  ds.putAndInsertString(DCM_ImageType, "ORIGINAL\\PRIMARY\\M\\NONE");
  ds.putAndInsertUint16(DCM_SamplesPerPixel, 1);
  ds.putAndInsertString(DCM_PhotometricInterpretation, "MONOCHROME2");
  ds.putAndInsertString(DCM_NumberOfFrames, std::to_string(frames).c_str());
  ds.putAndInsertUint16(DCM_Rows, static_cast<Uint16>(rows));
  ds.putAndInsertUint16(DCM_Columns, static_cast<Uint16>(cols));
  ds.putAndInsertUint16(DCM_BitsAllocated, 16);
  ds.putAndInsertUint16(DCM_BitsStored, 16);
  ds.putAndInsertUint16(DCM_HighBit, 15);
  ds.putAndInsertUint16(DCM_PixelRepresentation, 0);
  auto num = [](double v) {
    char b[40];
    std::snprintf(b, sizeof b, "%.6f", v);
    return std::string(b);
  };
  auto vec = [&](const core::Vec3& v) { return num(v.x) + "\\" + num(v.y) + "\\" + num(v.z); };
  DcmItem* shared = nullptr;
  need(ds.findOrCreateSequenceItem(DCM_SharedFunctionalGroupsSequence, shared, 0), "shared groups");
  DcmItem* measures = nullptr;
  need(shared->findOrCreateSequenceItem(DCM_PixelMeasuresSequence, measures, 0), "pixel measures");
  const auto& g0 = stacks.front().grid;
  measures->putAndInsertString(DCM_PixelSpacing, (num(g0.spacing()[1]) + "\\" + num(g0.spacing()[0])).c_str());
  measures->putAndInsertString(DCM_SliceThickness, num(g0.spacing()[2]).c_str());
  std::vector<std::uint16_t> pixels;
  pixels.reserve(frames * rows * cols);
  long frameIndex = 0;
  for (std::size_t s = 0; s < stacks.size(); ++s) {
    const auto& g = stacks[s].grid;
    const std::size_t n = g.size()[2];
    for (std::size_t kk = 0; kk < n; ++kk) {
      const std::size_t k = n - 1 - kk;
      DcmItem* item = nullptr;
      need(ds.findOrCreateSequenceItem(DCM_PerFrameFunctionalGroupsSequence, item, frameIndex++), "per-frame item");
      DcmItem* position = nullptr;
      need(item->findOrCreateSequenceItem(DCM_PlanePositionSequence, position, 0), "plane position");
      const core::Vec3 p = g.origin() + g.direction().column(2) * (g.spacing()[2] * static_cast<double>(k));
      position->putAndInsertString(DCM_ImagePositionPatient, vec(p).c_str());
      DcmItem* orientation = nullptr;
      need(item->findOrCreateSequenceItem(DCM_PlaneOrientationSequence, orientation, 0), "plane orientation");
      orientation->putAndInsertString(DCM_ImageOrientationPatient,
                                      (vec(g.direction().column(0)) + "\\" + vec(g.direction().column(1))).c_str());
      DcmItem* content = nullptr;
      need(item->findOrCreateSequenceItem(DCM_FrameContentSequence, content, 0), "frame content");
      content->putAndInsertString(DCM_StackID, stacks[s].stackId.c_str());
      content->putAndInsertString(DCM_InStackPositionNumber, std::to_string(k + 1).c_str());
      const Uint32 index[2] = {static_cast<Uint32>(s + 1), static_cast<Uint32>(k + 1)};
      content->putAndInsertUint32Array(DCM_DimensionIndexValues, index, 2);
      for (std::size_t j = 0; j < rows; ++j)
        for (std::size_t i = 0; i < cols; ++i) pixels.push_back(value(s, k, i, j));
    }
  }
  need(ds.putAndInsertUint16Array(DCM_PixelData, pixels.data(), static_cast<unsigned long>(pixels.size())), "pixels");
  need(ff.saveFile(file.c_str(), EXS_LittleEndianExplicit), "save");
}

}  // namespace fw::test
