#pragma once
// What the DICOM importer knows about one series (from the header scan) and what loading it
// gives back (volumes plus per-volume acquisition metadata for DWI, BOLD and multi-echo).
// No DCMTK type appears here: the headers read by the scan travel in an opaque cache, so
// loading a series never reads its headers twice.
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "fw/core/DicomIdentity.h"
#include "fw/core/Geometry.h"
#include "fw/core/Volume.h"

namespace fw::dicom {

namespace detail {
struct SeriesHeaders;  // the scan's parsed headers of one series (internal)
}

// What a series holds, for the browser and for choosing a pipeline.
enum class SeriesKind {
  Image,          // one 3D volume (CT, T1, ...)
  Diffusion,      // DWI: volumes with b-values and gradient directions
  Functional,     // BOLD / time series: volumes in time order
  MultiEcho,      // volumes at several echo times
  OtherMultiVolume,
  Localizer,      // scout / survey: shown, but not a volume to read
  NotAssembled    // the slices cannot form a volume (see warnings)
};
const char* seriesKindName(SeriesKind kind);  // "image", "DWI", "BOLD", "multi-echo", "4D", ...

// How the voxels of a series are coloured. Grey: one scalar volume per volume of the series.
// Rgb: a colour series (Photometric Interpretation RGB, YBR_*, PALETTE COLOR), loaded as three
// channel volumes per volume of the series, in the order red, green, blue (core::Volume of
// PixelType::UInt16 holding 0..255, named "<series> (red)", "(green)", "(blue)").
enum class ColourModel { Grey, Rgb };

struct SeriesEntry {
  core::DicomIdentity identity;
  core::Modality modality = core::Modality::Unknown;
  std::string modalityCode;   // (0008,0060) as written: "CT", "MR", "SC", ...
  std::string manufacturer;   // (0008,0070)
  std::string seriesTime;     // (0008,0031)
  std::string imageType;      // (0008,0008) of the first image, e.g. "ORIGINAL\PRIMARY\M\ND"
  SeriesKind kind = SeriesKind::Image;
  std::vector<std::filesystem::path> files;  // every image file of the series
  std::size_t frameCount = 0;    // 2D images in all (frames of multi-frame files, mosaic tiles)
  std::size_t sliceCount = 0;    // slices per volume
  std::size_t volumeCount = 1;   // > 1 for 4D series (DWI, BOLD, multi-echo)
  std::size_t rows = 0, columns = 0;
  std::optional<core::ImageGeometry> geometry;  // of one volume, when the series assembles
  std::string transferSyntaxUid;  // of the first file
  ColourModel colour = ColourModel::Grey;  // Rgb: loading gives three channel volumes per volume
  std::vector<std::string> warnings;  // for the user: missing slices, tilt, skipped files, ...
  // One stack of a series the scan split (an enhanced file holding several stacks): which one,
  // 1-based, of stackCount. The stacks share series number and UID; 0 when not split.
  std::size_t stackIndex = 0, stackCount = 0;
  std::shared_ptr<const detail::SeriesHeaders> headers;  // set by the scan; may be null

  // "<description>" or "<modality> series <number>" when the description is empty.
  std::string displayName() const;
};

// Per-volume acquisition metadata of a loaded series.
struct VolumeMeta {
  std::optional<double> bValue;          // s/mm^2
  std::optional<core::Vec3> gradient;    // unit diffusion gradient in patient LPS coordinates
  std::optional<double> echoTimeMs;
  std::optional<double> timeS;           // acquisition time relative to the first volume
  std::string imageType;                 // e.g. ...\M\... magnitude, ...\P\... phase
};

struct LoadOptions {
  std::optional<std::size_t> volumeIndex;  // load only this volume of a 4D series
};

struct LoadedSeries {
  // In acquisition order. For ColourModel::Rgb: three per volume of the series, red, green,
  // blue (volumes[3*i + c] is channel c of volume i); meta still has one entry per volume.
  std::vector<core::VolumePtr> volumes;
  std::vector<VolumeMeta> meta;          // one per volume
  ColourModel colour = ColourModel::Grey;
  std::optional<double> repetitionTimeMs;
  std::vector<std::string> warnings;     // for the user (tilt corrected, missing slices, ...)
};

// A small greyscale preview of a series (the middle slice of its first volume, windowed).
struct Thumbnail {
  int width = 0, height = 0;
  std::vector<std::uint8_t> grey;  // width*height, row 0 at the top
};

}  // namespace fw::dicom
