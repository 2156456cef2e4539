// fusion-cli convert: one DICOM series to NIfTI (3D, or 4D for DWI/BOLD/multi-echo), in
// dcm2niix's voxel order and conventions, with FSL .bval/.bvec for diffusion series.
#include <algorithm>
#include <cctype>
#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

#include "Command.h"
#include "Commands.h"
#include "fw/core/Error.h"
#include "fw/dicom/Scan.h"
#include "fw/dicom/SeriesReader.h"
#include "fw/io/Diffusion.h"
#include "fw/io/Nifti.h"

namespace fw::cli {
namespace {

namespace fs = std::filesystem;

std::string seriesNumbers(const std::vector<dicom::SeriesEntry>& series) {
  std::string t;
  for (std::size_t i = 0; i < series.size() && i < 30; ++i)
    t += (i ? ", " : "") + seriesLabel(series[i].identity.seriesNumber, series[i].stackIndex);
  if (series.size() > 30) t += ", ...";
  return t;
}

// The series the user asked for: a series number, or a SeriesInstanceUID; "N.S" or "UID#S" for
// stack S of a series the scan split into stacks.
const dicom::SeriesEntry& chooseSeries(const std::vector<dicom::SeriesEntry>& series, const std::optional<std::string>& wanted,
                                       const fs::path& path) {
  if (series.empty()) throw core::Error("no DICOM image series found in " + path.string());
  if (!wanted) {
    if (series.size() == 1) return series.front();
    throw core::Error(path.string() + " holds " + std::to_string(series.size()) +
                      " series (numbers " + seriesNumbers(series) +
                      "): choose one with --series NUMBER or --series UID (NUMBER.STACK or UID#STACK for one "
                      "stack of a split series; see --list)");
  }
  std::vector<const dicom::SeriesEntry*> hits;
  for (const auto& s : series) {
    if (seriesMatches(*wanted, s.identity.seriesNumber, s.identity.seriesInstanceUid, s.stackIndex)) hits.push_back(&s);
  }
  if (hits.empty())
    throw core::Error("no series " + *wanted + " in " + path.string() + " (series numbers there: " + seriesNumbers(series) +
                      "; see --list)");
  if (hits.size() > 1) {
    // Every hit one stack of the same series: name the stacks by number (5.1, 5.2), else by UID.
    const bool oneSplitSeries = std::all_of(hits.begin(), hits.end(), [&](const dicom::SeriesEntry* s) {
      return s->stackIndex > 0 && s->identity.seriesInstanceUid == hits.front()->identity.seriesInstanceUid;
    });
    bool numbersUnique = true;
    for (const auto* h : hits)
      numbersUnique = numbersUnique && std::count_if(series.begin(), series.end(), [&](const dicom::SeriesEntry& s) {
                                         return s.identity.seriesNumber == h->identity.seriesNumber &&
                                                s.stackIndex == h->stackIndex;
                                       }) == 1;
    std::string choices;
    for (const auto* s : hits)
      choices += "\n  " +
                 (numbersUnique ? seriesLabel(s->identity.seriesNumber, s->stackIndex)
                                : seriesUidLabel(s->identity.seriesInstanceUid, s->stackIndex)) +
                 "  " + s->displayName();
    if (oneSplitSeries)
      throw core::Error("series " + *wanted + " in " + path.string() + " holds " + std::to_string(hits.size()) +
                        " stacks, each its own volume; choose one with --series:" + choices);
    throw core::Error("series " + *wanted + " is not unique in " + path.string() + "; choose one with --series:" + choices);
  }
  return *hits.front();
}

std::string sizeText(const dicom::SeriesEntry& s) {
  if (!s.geometry) return std::to_string(s.columns) + " x " + std::to_string(s.rows);
  const auto& n = s.geometry->size();
  std::string t = std::to_string(n[0]) + " x " + std::to_string(n[1]) + " x " + std::to_string(n[2]);
  if (s.volumeCount > 1) t += " x " + std::to_string(s.volumeCount);
  return t;
}

void printList(const dicom::ScanResult& scan, const fs::path& path) {
  std::printf("%s: %zu DICOM series\n", path.string().c_str(), scan.series.size());
  std::printf("%6s  %-4s %-12s %7s  %-18s %s\n", "series", "mod", "kind", "images", "size", "description / UID");
  for (const auto& s : scan.series) {
    std::printf("%6s  %-4s %-12s %7zu  %-18s %s\n", seriesLabel(s.identity.seriesNumber, s.stackIndex).c_str(),
                s.modalityCode.empty() ? core::modalityCode(s.modality) : s.modalityCode.c_str(),
                dicom::seriesKindName(s.kind), s.frameCount ? s.frameCount : s.files.size(), sizeText(s).c_str(),
                s.identity.seriesDescription.c_str());
    std::printf("%6s  %s\n", "", seriesUidLabel(s.identity.seriesInstanceUid, s.stackIndex).c_str());
  }
  if (!scan.skipped.empty()) std::printf("%zu file(s) skipped (see fusion-cli info)\n", scan.skipped.size());
}

bool isNiftiName(const fs::path& p) {
  std::string s = p.filename().string();
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  auto ends = [&](const std::string& e) { return s.size() > e.size() && s.compare(s.size() - e.size(), e.size(), e) == 0; };
  return ends(".nii") || ends(".nii.gz");
}

void refuseExisting(const fs::path& p, bool force) {
  std::error_code ec;
  if (fs::is_directory(p, ec)) throw core::Error("cannot write " + p.string() + ": a folder of that name exists");
  if (!force && fs::exists(p, ec))
    throw core::Error(p.string() + " already exists (use --force to replace it)");
}

int runConvert(const std::vector<std::string>& argv) {
  const Args args(argv, {"--series", "-o", "--output"}, {"--list", "--force", "--native-order"});
  args.expectPositional(1, "PATH (a DICOM folder, file or DICOMDIR)");
  const fs::path path = args.positional()[0];
  const bool list = args.flag("--list");
  const bool force = args.flag("--force");
  std::optional<std::string> out = args.value("-o");
  if (!out) out = args.value("--output");
  if (!list && !out) throw core::Error("missing option -o OUT.nii[.gz] (or --list to see the series)");
  std::error_code ec;
  if (!fs::exists(path, ec)) throw core::Error("no such file or folder: " + path.string());
  fs::path output;
  if (out) {
    output = *out;
    if (!isNiftiName(output)) throw core::Error("the output " + output.string() + " must end in .nii or .nii.gz");
    const fs::path folder = output.parent_path().empty() ? fs::path(".") : output.parent_path();
    if (!fs::is_directory(folder, ec)) throw core::Error("the output folder " + folder.string() + " does not exist");
    refuseExisting(output, force);
  }

  dicom::ScanResult scan;
  {
    ConsoleProgress progress("scanning");
    scan = dicom::scan(path, progress);
  }
  if (list) {
    printList(scan, path);
    return 0;
  }
  const dicom::SeriesEntry& series = chooseSeries(scan.series, args.value("--series"), path);

  dicom::LoadedSeries loaded;
  {
    ConsoleProgress progress("loading");
    loaded = dicom::loadSeries(series, progress);
  }
  if (loaded.volumes.empty()) throw core::Error("series " + series.displayName() + " gave no volume");
  for (const auto& w : loaded.warnings) std::fprintf(stderr, "warning: %s\n", w.c_str());

  // DWI: a table when there are several volumes and any b-value > 0. (dcm2niix also writes a
  // placeholder "b=0" table for some single DWI volumes; a table of one volume serves no
  // pipeline, so we write none.)
  const bool rgb = loaded.colour == dicom::ColourModel::Rgb;
  const std::size_t volumeCount = loaded.meta.size();  // a colour volume is three channel volumes
  const bool diffusion =
      volumeCount > 1 && std::any_of(loaded.meta.begin(), loaded.meta.end(),
                                               [](const dicom::VolumeMeta& m) { return m.bValue && *m.bValue > 0; });
  const fs::path bval = io::bvalPathFor(output), bvec = io::bvecPathFor(output);
  if (diffusion) {
    refuseExisting(bval, force);
    refuseExisting(bvec, force);
  }
  io::NiftiWriteOptions options;
  options.dcm2niixLayout = !args.flag("--native-order");
  options.overwrite = force;
  options.description = series.identity.seriesDescription;
  options.rgb24 = rgb;
  if (loaded.repetitionTimeMs && volumeCount > 1) options.repetitionTimeS = *loaded.repetitionTimeMs / 1000.0;
  const bool existed = fs::exists(output, ec);
  {
    ConsoleProgress progress("writing");
    io::writeNifti(loaded.volumes, output, options, progress);
  }
  if (diffusion) {
    std::vector<double> bValues;
    std::vector<std::optional<core::Vec3>> gradients;
    for (const auto& m : loaded.meta) {
      bValues.push_back(m.bValue.value_or(0.0));
      gradients.push_back(m.gradient);
    }
    const auto grid = io::niftiGrid(loaded.volumes.front()->geometry(), options.dcm2niixLayout);
    try {
      io::writeGradientTable(io::fslGradients(bValues, gradients, grid), bval, bvec, force);
    } catch (const core::Error&) {
      if (!existed) fs::remove(output, ec);  // no NIfTI without its table
      throw;
    }
  }
  const auto& g = loaded.volumes.front()->geometry();
  std::printf("%s: series %s (%s) -> %s, %zu x %zu x %zu", path.string().c_str(),
              seriesLabel(series.identity.seriesNumber, series.stackIndex).c_str(),
              series.displayName().c_str(), output.string().c_str(), g.size()[0], g.size()[1], g.size()[2]);
  if (volumeCount > 1) std::printf(" x %zu", volumeCount);
  std::printf(", %s\n", rgb ? "RGB24" : core::pixelTypeName(loaded.volumes.front()->pixelType()));
  if (diffusion) std::printf("  + %s, %s\n", bval.string().c_str(), bvec.string().c_str());
  return 0;
}

}  // namespace

const Command kConvertCommand{
    "convert", "a DICOM series to NIfTI (3D/4D, with .bval/.bvec for DWI)",
    "Usage: fusion-cli convert PATH --list\n"
    "       fusion-cli convert PATH [--series NUMBER|UID] -o OUT.nii[.gz] [--force] [--native-order]\n\n"
    "PATH is a DICOM folder (searched recursively), a DICOMDIR or one DICOM file.\n\n"
    "Options:\n"
    "  --list            list the series found (number, modality, kind, images, size, UID)\n"
    "  --series N|UID    the series to convert: its SeriesNumber, or its SeriesInstanceUID when\n"
    "                    numbers repeat; may be left out when PATH holds one series. An enhanced\n"
    "                    file with several stacks gives one series per stack: N.S or UID#S names\n"
    "                    stack S (as --list and info show them)\n"
    "  -o, --output OUT  the NIfTI file (.nii or .nii.gz); a multi-volume series (DWI, BOLD,\n"
    "                    multi-echo) becomes one 4D file, TR in pixdim[4]; DWI series also get\n"
    "                    OUT.bval and OUT.bvec (FSL convention, as dcm2niix writes them); a\n"
    "                    colour series (RGB, YBR, palette) becomes NIfTI RGB24 (datatype 128)\n"
    "  --force           replace existing output files (otherwise they are never overwritten)\n"
    "  --native-order    keep the importer's voxel order instead of dcm2niix's (rows reversed,\n"
    "                    slices ascending along the slice normal); the geometry is right either way\n\n"
    "sform and qform are RAS with code 1 (scanner); voxels keep the data's type (int16, uint16,\n"
    "or float32 where rescaling gives fractions). Files are written to a temporary name and\n"
    "renamed, so a failed or cancelled conversion leaves no partial file.\n\n"
    "Exit code 0 on success, 1 on an error (wrong series, existing output, unreadable data).",
    runConvert};

}  // namespace fw::cli
