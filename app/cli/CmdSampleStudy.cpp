// fusion-cli sample-study OUT_DIR: writes the digital head phantom study (DICOM + truth).
#include <chrono>
#include <cstdio>
#include <filesystem>

#include "Command.h"
#include "Commands.h"
#include "fw/core/Error.h"
#include "fw/phantom/SampleStudy.h"

namespace fw::cli {

namespace {

namespace fs = std::filesystem;

std::size_t countFiles(const fs::path& folder, std::uintmax_t& bytes) {
  std::size_t n = 0;
  for (const auto& e : fs::recursive_directory_iterator(folder))
    if (e.is_regular_file()) {
      ++n;
      bytes += e.file_size();
    }
  return n;
}

int run(const std::vector<std::string>& argv) {
  const Args args(argv, {}, {});
  args.expectPositional(1, "OUT_DIR");
  const fs::path out = args.positional()[0];
  if (fs::exists(out) || fs::is_symlink(out))
    throw core::Error(out.string() + " already exists; give a folder that does not exist yet");

  const auto start = std::chrono::steady_clock::now();
  std::fflush(stdout);
  {
    ConsoleProgress progress("sample study");
    phantom::writeSampleStudy(out, progress);
  }
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();

  std::printf("Sample study (phantom %s) written to %s in %.1f s\n", phantom::sampleStudyVersion(),
              out.string().c_str(), seconds);
  std::uintmax_t totalBytes = 0;
  for (const auto& s : phantom::seriesSpecs()) {
    std::uintmax_t bytes = 0;
    const std::size_t files = countFiles(out / "dicom" / s.key, bytes);
    const auto& size = s.geometry.size();
    std::printf("  dicom/%-10s %-26s %3zux%3zux%3zu x%-3zu %5zu files %7.1f MB\n", s.key.c_str(),
                s.description.c_str(), size[0], size[1], size[2], s.volumes, files, bytes / 1e6);
    totalBytes += bytes;
  }
  std::uintmax_t truthBytes = 0;
  const std::size_t truthFiles = countFiles(out / "truth", truthBytes);
  std::printf("  truth.json, README.txt, truth/ (%zu label maps, %.1f MB)\n", truthFiles, truthBytes / 1e6);
  std::printf("  total %.1f MB\n", (totalBytes + truthBytes) / 1e6);
  return 0;
}

}  // namespace

const Command kSampleStudyCommand = {
    "sample-study", "write the digital head phantom sample study (DICOM + truth)",
    "Usage: fusion-cli sample-study OUT_DIR\n\n"
    "Writes the sample study into OUT_DIR, which must not exist: a deterministic digital head\n"
    "phantom as DICOM series sharing one patient, study and frame of reference (CT, T1, DWI,\n"
    "BOLD, SWI magnitude and phase) in OUT_DIR/dicom/, and every truth (the CT->T1 rigid\n"
    "transform, landmarks, lesion, fibre bundles, activation blob and block timing, veins and\n"
    "microbleeds, gradient table) in OUT_DIR/truth.json and OUT_DIR/truth/*.nii.gz.",
    run};

}  // namespace fw::cli
