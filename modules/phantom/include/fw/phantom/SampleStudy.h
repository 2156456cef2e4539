#pragma once
// The sample study the product ships: the digital head phantom (HeadPhantom.h) acquired as
// CT, T1 MR, DWI, BOLD and SWI magnitude/phase, all sharing one patient, study and frame of
// reference, plus every truth needed to score our algorithms (truth.json, truth/*.nii.gz).
//
// Two worlds: the CT world is the phantom's head frame. The MR series (T1, DWI, BOLD, SWI) were
// "acquired in another session": their anatomy sits at ctToMr(p) for a CT point p, a known rigid
// transform of a few degrees and millimetres. Truth for MR-only features (bundles, activation,
// veins, microbleeds) is given in the MR world, the world of the series that show them.
// Everything is deterministic: fixed seeds, fixed UIDs and dates, same bytes every run.
#include <array>
#include <cstddef>
#include <filesystem>
#include <string>
#include <vector>

#include "fw/core/Geometry.h"
#include "fw/core/Progress.h"
#include "fw/core/Volume.h"
#include "fw/phantom/HeadPhantom.h"

namespace fw::phantom {

// y = rotation * x + translation (LPS mm). rotation = Rz(angles.z) * Ry(angles.y) * Rx(angles.x),
// angles in degrees about the LPS axes through the world origin.
struct RigidTransform {
  core::Vec3 anglesDeg;
  core::Vec3 translation;
  core::Mat3 rotation;

  static RigidTransform fromParameters(const core::Vec3& anglesDeg, const core::Vec3& translation);
  core::Vec3 apply(const core::Vec3& p) const { return rotation * p + translation; }
  core::Vec3 applyToVector(const core::Vec3& v) const { return rotation * v; }
  RigidTransform inverse() const;  // anglesDeg of the inverse are not filled in (zero)
  std::array<double, 16> matrix() const;  // row-major 4x4
};

// One DICOM series of the study: where it goes, its grid and acquisition parameters.
struct SeriesSpec {
  std::string key;          // "ct", "t1", "dwi", "bold", "swi_mag", "swi_phase"; folder dicom/<key>
  std::string description;  // Series Description
  int number = 0;           // Series Number
  core::Modality modality = core::Modality::MR;
  core::ImageGeometry geometry;
  std::size_t volumes = 1;
  bool mrWorld = true;      // anatomy moved by ctToMr
  std::string imageType = "ORIGINAL\\PRIMARY\\AXIAL";
  std::string scanningSequence = "GR";
  std::string sequenceVariant = "NONE";
  double repetitionTimeMs = 0, echoTimeMs = 0, flipAngleDeg = 0, fieldStrengthT = 0;  // MR
  double kvp = 0;                                                                     // CT
  std::string units;        // "HU", "a.u.", "mrad"
};

struct StudyTruth {
  RigidTransform ctToMr;  // maps a point in CT world (LPS mm) to the same anatomical point in MR world
  std::vector<NamedPoint> landmarksCt, landmarksMr;  // same order
  Ball lesionCt, lesionMr;
  std::vector<Polyline> bundlesMr;     // DWI world
  Ball activationMr;                   // BOLD world
  double activationPercent = 0;        // peak signal change of the block response, percent
  double repetitionTimeS = 0;          // BOLD TR
  std::size_t boldVolumes = 0;
  double blockDurationS = 0;
  std::vector<double> blockOnsetsS;    // task ("on") block onsets, seconds from the first volume
  std::vector<double> blockRegressor;  // per BOLD volume: block design convolved with the canonical HRF, peak 1
  std::vector<double> bValues;         // per DWI volume, s/mm^2
  std::vector<core::Vec3> gradientsLps;  // per DWI volume, unit vectors (zero for b = 0)
  std::vector<Polyline> veinsMr;       // SWI world
  std::vector<Ball> microbleedsMr;
  double swiPhaseUnitRad = 0.001;      // SWI phase pixel value * this = radians
};

// Version of the phantom's definition; bumped whenever pixel content or layout changes (the GUI
// caches the written study per version).
const char* sampleStudyVersion();

// The series of the study, in writing order.
const std::vector<SeriesSpec>& seriesSpecs();
const SeriesSpec& seriesSpec(const std::string& key);  // throws core::Error for an unknown key
// All analytic truth (cheap; no pixels).
const StudyTruth& studyTruth();

// In-memory volumes, exactly as written to DICOM (identity filled in). Each takes a progress sink
// that may cancel (throws core::Cancelled).
core::VolumePtr makeCt(core::ProgressSink& progress = core::NullProgress::instance());  // int16 HU
core::VolumePtr makeT1(core::ProgressSink& progress = core::NullProgress::instance());  // int16
std::vector<core::VolumePtr> makeDwi(core::ProgressSink& progress = core::NullProgress::instance());
std::vector<core::VolumePtr> makeBold(core::ProgressSink& progress = core::NullProgress::instance());
struct SwiImages {
  core::VolumePtr magnitude;  // int16
  core::VolumePtr phase;      // int16, milliradians in (-pi, pi]
};
SwiImages makeSwi(core::ProgressSink& progress = core::NullProgress::instance());

// Truth maps on a series' grid (int16 unless stated):
//   tissue labels (Tissue values) at voxel centres, for any series;
//   "bundles": 1 CST left, 2 CST right, 3 callosal (majority of supersamples), DWI grid;
//   "activation": float32 fraction of each voxel inside the active blob and in brain, BOLD grid;
//   "vessels": 1 vein or venous sinus, 2 microbleed (any supersample), SWI grid.
core::VolumePtr makeTissueLabels(const std::string& seriesKey,
                                 core::ProgressSink& progress = core::NullProgress::instance());
core::VolumePtr makeBundleMap(core::ProgressSink& progress = core::NullProgress::instance());
core::VolumePtr makeActivationMap(core::ProgressSink& progress = core::NullProgress::instance());
core::VolumePtr makeVesselMap(core::ProgressSink& progress = core::NullProgress::instance());

// Writes the whole study into outDir, which must not exist (written to a temporary sibling that
// is renamed at the end; nothing is left behind on failure or cancel). Layout:
//   outDir/dicom/{ct,t1,dwi,bold,swi_mag,swi_phase}/  DICOM series
//   outDir/truth.json, outDir/truth/*.nii.gz, outDir/README.txt
void writeSampleStudy(const std::filesystem::path& outDir, core::ProgressSink& progress);

// The truth as JSON text (what truth.json holds).
std::string truthJson();

}  // namespace fw::phantom
