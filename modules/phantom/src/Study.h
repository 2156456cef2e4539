#pragma once
// Internal constants of the sample study shared by its source files.
#include <cstddef>
#include <vector>

#include "fw/core/DicomIdentity.h"
#include "fw/phantom/SampleStudy.h"

namespace fw::phantom {

constexpr int kDwiB0Count = 2;
constexpr int kDwiDirections = 32;
constexpr double kDwiB = 1000;  // s/mm^2

constexpr std::size_t kBoldVolumes = 80;
constexpr double kBoldTrS = 2.0;
constexpr double kBlockS = 20.0;  // 20 s rest, 20 s task, repeated
constexpr double kActivationPercent = 2.0;

constexpr double kSwiEchoTimeMs = 20;
constexpr double kSwiFieldT = 3;
constexpr double kPhaseUnitRad = 0.001;

namespace detail {
core::DicomIdentity identityFor(const SeriesSpec& spec);
// The BOLD series and its activation-fraction map, and the SWI images and their vessel map,
// come from one sampling pass each.
std::vector<core::VolumePtr> makeBoldWithMap(core::ProgressSink& progress, core::VolumePtr* activationMap);
SwiImages makeSwiWithMap(core::ProgressSink& progress, core::VolumePtr* vesselMap);
}  // namespace detail

}  // namespace fw::phantom
