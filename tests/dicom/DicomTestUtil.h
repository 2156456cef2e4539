#pragma once
// Synthetic volumes for the dicom tests: small, oblique, with values that reveal any swapped
// axis or flipped slice order.
#include <cmath>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "fw/core/Volume.h"
#include "fw/dicom/SeriesWriter.h"

namespace fw::test {

// 20 x 24 x 10, anisotropic spacing, oblique right-handed direction.
inline core::ImageGeometry obliqueGeometry() {
  return core::ImageGeometry({20, 24, 10}, {0.8, 0.9, 2.5}, {-12.5, 30.25, -40.0},
                             core::Mat3::rotation({0.3, 1.0, 0.2}, 0.4));
}

// CT in HU, int16, range -1024..1975 plus a few signed extremes when `wide`.
inline core::VolumePtr makeCt(const core::ImageGeometry& g, bool wide = false) {
  auto img = core::allocateImage<core::ImageI16>(g);
  auto* p = img->GetBufferPointer();
  const auto& s = g.size();
  for (std::size_t k = 0; k < s[2]; ++k)
    for (std::size_t j = 0; j < s[1]; ++j)
      for (std::size_t i = 0; i < s[0]; ++i)
        p[i + s[0] * (j + s[1] * k)] = static_cast<std::int16_t>((i * 37 + j * 101 + k * 1009) % 3000) - 1024;
  if (wide) {
    p[0] = -3024;
    p[1] = 30000;
  }
  return std::make_shared<core::Volume>(img, core::Modality::CT, "HU");
}

// MR with non-integer float values.
inline core::VolumePtr makeMrFloat(const core::ImageGeometry& g) {
  auto img = core::allocateImage<core::ImageF32>(g);
  auto* p = img->GetBufferPointer();
  const auto& s = g.size();
  for (std::size_t k = 0; k < s[2]; ++k)
    for (std::size_t j = 0; j < s[1]; ++j)
      for (std::size_t i = 0; i < s[0]; ++i)
        p[i + s[0] * (j + s[1] * k)] =
            static_cast<float>(100.0 + 50.0 * std::sin(i * 0.3) * std::cos(j * 0.2) + 3.7 * k + 0.013 * i * j);
  return std::make_shared<core::Volume>(img, core::Modality::MR);
}

// One DWI volume: uint16 signal that differs per volume.
inline core::VolumePtr makeDwiVolume(const core::ImageGeometry& g, int volume) {
  auto img = core::allocateImage<core::ImageU16>(g);
  auto* p = img->GetBufferPointer();
  const auto& s = g.size();
  for (std::size_t k = 0; k < s[2]; ++k)
    for (std::size_t j = 0; j < s[1]; ++j)
      for (std::size_t i = 0; i < s[0]; ++i)
        p[i + s[0] * (j + s[1] * k)] = static_cast<std::uint16_t>(1000 * (volume + 1) + i + 20 * j + 7 * k);
  return std::make_shared<core::Volume>(img, core::Modality::MR);
}

inline core::DicomIdentity testIdentity(const std::string& description, int seriesNumber) {
  core::DicomIdentity id;
  id.patientName = "Müller^Jürgen";
  id.patientId = "FW-TEST-1";
  id.patientBirthDate = "19700101";
  id.patientSex = "M";
  id.studyDate = "20240102";
  id.studyTime = "101500";
  id.studyDescription = "Synthetic study";
  id.studyId = "1";
  id.seriesDescription = description;
  id.seriesNumber = seriesNumber;
  return id;
}

// The series the conformance tests check: CT, float MR, 3-volume DWI, 4-volume BOLD.
struct WrittenSeries {
  std::filesystem::path folder;
  std::vector<core::VolumePtr> volumes;
  std::vector<dicom::FrameInfo> frames;
  std::vector<std::filesystem::path> files;
};

inline WrittenSeries writeCtSeries(const std::filesystem::path& folder) {
  WrittenSeries w{folder, {makeCt(obliqueGeometry())}, {}, {}};
  dicom::SeriesWriteOptions o;
  o.identity = testIdentity("CT Head", 2);
  o.kvp = 120;
  w.files = dicom::writeSeries(w.volumes, w.frames, o, folder, core::NullProgress::instance());
  return w;
}

inline WrittenSeries writeMrSeries(const std::filesystem::path& folder) {
  WrittenSeries w{folder, {makeMrFloat(obliqueGeometry())}, {}, {}};
  dicom::SeriesWriteOptions o;
  o.modality = core::Modality::MR;
  o.identity = testIdentity("T1 MPRAGE", 3);
  o.repetitionTimeMs = 2300;
  o.echoTimeMs = 2.98;
  o.flipAngleDeg = 9;
  o.fieldStrengthT = 3;
  w.files = dicom::writeSeries(w.volumes, w.frames, o, folder, core::NullProgress::instance());
  return w;
}

inline WrittenSeries writeDwiSeries(const std::filesystem::path& folder) {
  WrittenSeries w{folder, {}, std::vector<dicom::FrameInfo>(3), {}};
  for (int v = 0; v < 3; ++v) w.volumes.push_back(makeDwiVolume(obliqueGeometry(), v));
  w.frames[0].bValue = 0;
  w.frames[1].bValue = 1000;
  w.frames[1].gradientLps = core::Vec3{1, 0, 0};
  w.frames[2].bValue = 1000;
  w.frames[2].gradientLps = core::normalized(core::Vec3{0.2, 1, 1});
  dicom::SeriesWriteOptions o;
  o.modality = core::Modality::MR;
  o.identity = testIdentity("DWI b1000", 4);
  o.scanningSequence = "EP";
  o.sequenceVariant = "SK\\SP";
  o.repetitionTimeMs = 3000;
  o.echoTimeMs = 80;
  w.files = dicom::writeSeries(w.volumes, w.frames, o, folder, core::NullProgress::instance());
  return w;
}

inline WrittenSeries writeBoldSeries(const std::filesystem::path& folder) {
  WrittenSeries w{folder, {}, std::vector<dicom::FrameInfo>(4), {}};
  for (int v = 0; v < 4; ++v) {
    w.volumes.push_back(makeDwiVolume(obliqueGeometry(), 3 - v));
    w.frames[static_cast<std::size_t>(v)].acquisitionTimeS = 2.0 * v;
  }
  dicom::SeriesWriteOptions o;
  o.modality = core::Modality::MR;
  o.identity = testIdentity("BOLD task", 5);
  o.scanningSequence = "EP";
  o.sequenceVariant = "SK";
  o.repetitionTimeMs = 2000;
  o.echoTimeMs = 30;
  w.files = dicom::writeSeries(w.volumes, w.frames, o, folder, core::NullProgress::instance());
  return w;
}

}  // namespace fw::test
