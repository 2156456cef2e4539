// fusion-cli info: what an image file (NIfTI, NRRD, MetaImage) or a DICOM folder holds:
// grid, LPS geometry, orientation, data type and value range, as text or one JSON object.
#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include "Command.h"
#include "Commands.h"
#include "fw/core/Error.h"
#include "fw/core/Geometry.h"
#include "fw/core/Volume.h"
#include "fw/dicom/Scan.h"
#include "fw/dicom/SeriesReader.h"
#include "fw/io/ImageFile.h"

namespace fw::cli {
namespace {

namespace fs = std::filesystem;

// Shortest text that reads back as the same double.
std::string number(double v) {
  if (!std::isfinite(v)) return "null";
  if (v == 0.0) v = 0.0;  // no "-0"
  char buf[40];
  for (int precision : {6, 10, 15, 17}) {
    std::snprintf(buf, sizeof buf, "%.*g", precision, v);
    if (std::strtod(buf, nullptr) == v) break;
  }
  return buf;
}

// A tiny JSON writer: enough for one object of numbers, strings and arrays.
std::string jsonString(const std::string& s) {
  std::string out = "\"";
  for (unsigned char c : s) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += static_cast<char>(c);
    } else if (c < 0x20) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\u%04x", c);
      out += buf;
    } else {
      out += static_cast<char>(c);
    }
  }
  return out + "\"";
}

template <class T, class F>
std::string jsonArray(const std::vector<T>& values, F&& toJson) {
  std::string out = "[";
  for (std::size_t i = 0; i < values.size(); ++i) out += (i ? ", " : "") + toJson(values[i]);
  return out + "]";
}

std::string jsonVec3(const core::Vec3& v) { return jsonArray(std::vector<double>{v.x, v.y, v.z}, number); }

std::string jsonMat3(const core::Mat3& m) {
  std::vector<core::Vec3> rows{{m(0, 0), m(0, 1), m(0, 2)}, {m(1, 0), m(1, 1), m(1, 2)}, {m(2, 0), m(2, 1), m(2, 2)}};
  return jsonArray(rows, jsonVec3);
}

class JsonObject {
 public:
  void add(const std::string& key, const std::string& rawJson) {
    m_text += (m_text.empty() ? "" : ",\n  ") + jsonString(key) + ": " + rawJson;
  }
  std::string str(int indent = 0) const {
    std::string pad(static_cast<std::size_t>(indent), ' ');
    std::string body = m_text;
    for (std::size_t p = 0; (p = body.find('\n', p)) != std::string::npos; p += 1 + pad.size())
      body.insert(p + 1, pad);
    return "{\n  " + pad + body + "\n" + pad + "}";
  }

 private:
  std::string m_text;
};

std::string joinSize(const std::vector<std::size_t>& size) {
  std::string t;
  for (std::size_t i = 0; i < size.size(); ++i) t += (i ? " x " : "") + std::to_string(size[i]);
  return t;
}

// For people: 6 significant digits (NIfTI stores float32, whose full digits are noise).
std::string shortNumber(double v) {
  char buf[40];
  std::snprintf(buf, sizeof buf, "%.6g", std::abs(v) < 5e-7 ? 0.0 : v);
  return buf;
}

std::string joinNumbers(const std::vector<double>& v, const char* sep = " x ") {
  std::string t;
  for (std::size_t i = 0; i < v.size(); ++i) t += (i ? sep : "") + shortNumber(v[i]);
  return t;
}

std::string vecText(const core::Vec3& v) { return "(" + joinNumbers({v.x, v.y, v.z}, ", ") + ")"; }

void printDirection(const core::Mat3& d, const char* label) {
  for (int r = 0; r < 3; ++r) {
    std::printf("%-16s [", r == 0 ? label : "");
    for (int c = 0; c < 3; ++c) std::printf(" %10.6f", std::abs(d(r, c)) < 5e-7 ? 0.0 : d(r, c));
    std::printf(" ]\n");
  }
}

int imageFileInfo(const fs::path& path, bool json) {
  const io::ImageFileInfo info = io::readImageInfo(path);
  const core::VolumePtr volume = io::readImageFile(path);
  const auto [minValue, maxValue] = volume->valueRange();
  const std::string orientation = core::orientationCode(info.direction);
  const char* pixelType = core::pixelTypeName(volume->pixelType());
  if (json) {
    JsonObject o;
    o.add("path", jsonString(path.string()));
    o.add("format", jsonString(info.format));
    o.add("dimensions", std::to_string(info.dimensions));
    o.add("size", jsonArray(info.size, [](std::size_t s) { return std::to_string(s); }));
    o.add("spacing", jsonArray(info.spacing, number));
    o.add("origin", jsonVec3(info.origin));
    o.add("direction", jsonMat3(info.direction));
    o.add("orientation", jsonString(orientation));
    o.add("dataType", jsonString(info.componentType));
    o.add("components", std::to_string(info.components));
    o.add("pixelType", jsonString(pixelType));
    o.add("valueRange", jsonArray(std::vector<double>{minValue, maxValue}, number));
    std::printf("%s\n", o.str().c_str());
    return 0;
  }
  std::printf("%-16s %s\n", "File:", path.string().c_str());
  std::printf("%-16s %s\n", "Format:", info.format.c_str());
  std::printf("%-16s %u\n", "Dimensions:", info.dimensions);
  std::printf("%-16s %s\n", "Size:", joinSize(info.size).c_str());
  const std::vector<double> spatial(info.spacing.begin(), info.spacing.begin() + std::min<std::size_t>(3, info.spacing.size()));
  std::printf("%-16s %s mm", "Spacing:", joinNumbers(spatial).c_str());
  if (info.spacing.size() > 3) std::printf(" (4th axis: %s)", shortNumber(info.spacing[3]).c_str());
  std::printf("\n");
  std::printf("%-16s %s mm\n", "Origin (LPS):", vecText(info.origin).c_str());
  printDirection(info.direction, "Direction:");
  std::printf("%-16s %s\n", "Orientation:", orientation.c_str());
  std::printf("%-16s %s (loaded as %s)\n", "Data type:", info.componentType.c_str(), pixelType);
  std::printf("%-16s %s .. %s%s\n", "Value range:", shortNumber(minValue).c_str(), shortNumber(maxValue).c_str(),
              info.dimensions > 3 ? " (first volume)" : "");
  return 0;
}

std::string sizeJson(const std::array<std::size_t, 3>& size) {
  return jsonArray(std::vector<std::size_t>(size.begin(), size.end()), [](std::size_t v) { return std::to_string(v); });
}

// One series of the tree: identity, kind, counts and (when it assembles) its volume grid.
std::string seriesJson(const dicom::SeriesEntry& s) {
  JsonObject o;
  o.add("seriesNumber", std::to_string(s.identity.seriesNumber));
  o.add("seriesInstanceUid", jsonString(s.identity.seriesInstanceUid));
  // What --series accepts for this entry ("5", or "5.2" for stack 2 of a split series).
  o.add("selector", jsonString(seriesLabel(s.identity.seriesNumber, s.stackIndex)));
  o.add("stack", std::to_string(s.stackIndex));
  o.add("stackCount", std::to_string(s.stackCount));
  o.add("description", jsonString(s.identity.seriesDescription));
  o.add("modality", jsonString(s.modalityCode.empty() ? core::modalityCode(s.modality) : s.modalityCode));
  o.add("kind", jsonString(dicom::seriesKindName(s.kind)));
  o.add("manufacturer", jsonString(s.manufacturer));
  o.add("seriesTime", jsonString(s.seriesTime));
  o.add("imageType", jsonString(s.imageType));
  o.add("files", std::to_string(s.files.size()));
  o.add("images", std::to_string(s.frameCount));
  o.add("slices", std::to_string(s.sliceCount));
  o.add("volumes", std::to_string(s.volumeCount));
  o.add("rows", std::to_string(s.rows));
  o.add("columns", std::to_string(s.columns));
  o.add("colour", jsonString(s.colour == dicom::ColourModel::Rgb ? "RGB" : "grey"));
  o.add("transferSyntaxUid", jsonString(s.transferSyntaxUid));
  o.add("frameOfReferenceUid", jsonString(s.identity.frameOfReferenceUid));
  if (s.geometry) {
    const auto& g = *s.geometry;
    JsonObject geo;
    geo.add("size", sizeJson(g.size()));
    geo.add("spacing", jsonVec3(g.spacing()));
    geo.add("origin", jsonVec3(g.origin()));
    geo.add("direction", jsonMat3(g.direction()));
    geo.add("orientation", jsonString(core::orientationCode(g.direction())));
    o.add("geometry", geo.str(2));
  } else {
    o.add("geometry", "null");
  }
  o.add("warnings", jsonArray(s.warnings, jsonString));
  return o.str(6);
}

// Patients and studies in the scan's order (it sorts by patient, then study date and time).
struct StudyGroup {
  const dicom::SeriesEntry* first;
  std::vector<const dicom::SeriesEntry*> series;
};
struct PatientGroup {
  const dicom::SeriesEntry* first;
  std::vector<StudyGroup> studies;
};

std::vector<PatientGroup> groupSeries(const std::vector<dicom::SeriesEntry>& series) {
  std::vector<PatientGroup> patients;
  for (const auto& s : series) {
    auto p = std::find_if(patients.begin(), patients.end(), [&](const PatientGroup& g) {
      return g.first->identity.patientId == s.identity.patientId && g.first->identity.patientName == s.identity.patientName;
    });
    if (p == patients.end()) p = patients.insert(patients.end(), PatientGroup{&s, {}});
    auto st = std::find_if(p->studies.begin(), p->studies.end(), [&](const StudyGroup& g) {
      return g.first->identity.studyInstanceUid == s.identity.studyInstanceUid;
    });
    if (st == p->studies.end()) st = p->studies.insert(p->studies.end(), StudyGroup{&s, {}});
    st->series.push_back(&s);
  }
  return patients;
}

std::string dateText(const std::string& d) {
  return d.size() == 8 ? d.substr(0, 4) + "-" + d.substr(4, 2) + "-" + d.substr(6, 2) : d;
}

void printSeriesText(const dicom::SeriesEntry& s) {
  std::printf("    Series %s  %s  %s  \"%s\"\n", seriesLabel(s.identity.seriesNumber, s.stackIndex).c_str(),
              s.modalityCode.empty() ? core::modalityCode(s.modality) : s.modalityCode.c_str(), dicom::seriesKindName(s.kind),
              s.identity.seriesDescription.c_str());
  std::printf("      %-14s %zu images in %zu files, %zu volume(s) of %zu slices, %zu x %zu pixels%s\n", "Content:",
              s.frameCount, s.files.size(), s.volumeCount, s.sliceCount, s.columns, s.rows,
              s.colour == dicom::ColourModel::Rgb ? ", RGB" : "");
  std::printf("      %-14s %s\n", "UID:", seriesUidLabel(s.identity.seriesInstanceUid, s.stackIndex).c_str());
  if (s.stackIndex > 0)
    std::printf("      %-14s %zu of %zu in this series (--series %s or %s)\n", "Stack:", s.stackIndex, s.stackCount,
                seriesLabel(s.identity.seriesNumber, s.stackIndex).c_str(),
                seriesUidLabel(s.identity.seriesInstanceUid, s.stackIndex).c_str());
  if (s.geometry) {
    const auto& g = *s.geometry;
    std::printf("      %-14s %zu x %zu x %zu\n", "Size:", g.size()[0], g.size()[1], g.size()[2]);
    std::printf("      %-14s %s mm\n", "Spacing:", joinNumbers({g.spacing().x, g.spacing().y, g.spacing().z}).c_str());
    std::printf("      %-14s %s mm\n", "Origin (LPS):", vecText(g.origin()).c_str());
    std::printf("      %-14s %s\n", "Orientation:", core::orientationCode(g.direction()).c_str());
  } else {
    std::printf("      %-14s none (the images do not form a volume)\n", "Geometry:");
  }
  for (const auto& w : s.warnings) std::printf("      warning: %s\n", w.c_str());
}

int dicomInfo(const fs::path& path, bool json) {
  dicom::ScanResult scan;
  {
    ConsoleProgress progress("scanning");
    scan = dicom::scan(path, progress);
  }
  if (scan.series.empty()) {
    std::string why = "no DICOM image series found in " + path.string() + " (" +
                      std::to_string(scan.filesExamined) + " file(s) examined";
    if (!scan.skipped.empty()) why += "; first skipped: " + scan.skipped.front().file.string() + ": " + scan.skipped.front().reason;
    throw core::Error(why + ")");
  }
  const auto patients = groupSeries(scan.series);
  std::size_t studyCount = 0;
  for (const auto& p : patients) studyCount += p.studies.size();
  if (json) {
    std::vector<std::string> patientJson;
    for (const auto& p : patients) {
      const auto& id = p.first->identity;
      JsonObject po;
      po.add("patientId", jsonString(id.patientId));
      po.add("patientName", jsonString(id.patientName));
      po.add("birthDate", jsonString(id.patientBirthDate));
      po.add("sex", jsonString(id.patientSex));
      std::vector<std::string> studyJson;
      for (const auto& st : p.studies) {
        const auto& sid = st.first->identity;
        JsonObject so;
        so.add("studyInstanceUid", jsonString(sid.studyInstanceUid));
        so.add("studyDate", jsonString(sid.studyDate));
        so.add("studyTime", jsonString(sid.studyTime));
        so.add("studyDescription", jsonString(sid.studyDescription));
        so.add("studyId", jsonString(sid.studyId));
        so.add("accessionNumber", jsonString(sid.accessionNumber));
        std::vector<std::string> seriesList;
        for (const auto* s : st.series) seriesList.push_back(seriesJson(*s));
        so.add("series", jsonArray(seriesList, [](const std::string& x) { return x; }));
        studyJson.push_back(so.str(4));
      }
      po.add("studies", jsonArray(studyJson, [](const std::string& x) { return x; }));
      patientJson.push_back(po.str(2));
    }
    JsonObject top;
    top.add("path", jsonString(path.string()));
    top.add("format", jsonString("DICOM"));
    top.add("filesExamined", std::to_string(scan.filesExamined));
    top.add("seriesCount", std::to_string(scan.series.size()));
    top.add("patients", jsonArray(patientJson, [](const std::string& x) { return x; }));
    top.add("skipped", jsonArray(scan.skipped, [](const dicom::SkippedFile& f) {
              return "{\"file\": " + jsonString(f.file.string()) + ", \"reason\": " + jsonString(f.reason) + "}";
            }));
    top.add("notes", jsonArray(scan.notes, jsonString));
    std::printf("%s\n", top.str().c_str());
    return 0;
  }
  std::printf("%s: %zu DICOM series in %zu stud%s of %zu patient%s (%zu files examined, %zu skipped)\n",
              path.string().c_str(), scan.series.size(), studyCount, studyCount == 1 ? "y" : "ies", patients.size(),
              patients.size() == 1 ? "" : "s", scan.filesExamined, scan.skipped.size());
  for (const auto& p : patients) {
    const auto& id = p.first->identity;
    std::printf("\nPatient %s  (ID %s%s%s%s%s)\n", id.patientName.empty() ? "(no name)" : id.patientName.c_str(),
                id.patientId.c_str(), id.patientBirthDate.empty() ? "" : ", born ",
                dateText(id.patientBirthDate).c_str(), id.patientSex.empty() ? "" : ", sex ", id.patientSex.c_str());
    for (const auto& st : p.studies) {
      const auto& sid = st.first->identity;
      std::printf("  Study %s %s  \"%s\"  (UID %s)\n", dateText(sid.studyDate).c_str(), sid.studyTime.substr(0, 6).c_str(),
                  sid.studyDescription.c_str(), sid.studyInstanceUid.c_str());
      for (const auto* s : st.series) printSeriesText(*s);
    }
  }
  if (!scan.skipped.empty()) {
    std::printf("\nSkipped files (%zu):\n", scan.skipped.size());
    const std::size_t shown = std::min<std::size_t>(scan.skipped.size(), 20);
    for (std::size_t i = 0; i < shown; ++i)
      std::printf("  %s: %s\n", scan.skipped[i].file.string().c_str(), scan.skipped[i].reason.c_str());
    if (shown < scan.skipped.size()) std::printf("  ... and %zu more (all are listed by --json)\n", scan.skipped.size() - shown);
  }
  if (!scan.notes.empty()) {
    std::printf("\nNotes:\n");
    for (const auto& n : scan.notes) std::printf("  %s\n", n.c_str());
  }
  return 0;
}

int runInfo(const std::vector<std::string>& argv) {
  const Args args(argv, {}, {"--json"});
  args.expectPositional(1, "PATH (an image file or a DICOM folder)");
  const fs::path path = args.positional()[0];
  const bool json = args.flag("--json");
  std::error_code ec;
  if (io::isImageFileName(path)) return imageFileInfo(path, json);  // reports a missing file itself
  if (!fs::exists(path, ec)) throw core::Error("no such file or folder: " + path.string());
  return dicomInfo(path, json);
}

}  // namespace

const Command kInfoCommand{
    "info", "grid, LPS geometry and values of an image file or DICOM folder",
    "Usage: fusion-cli info PATH [--json]\n\n"
    "PATH is a NIfTI (.nii, .nii.gz), NRRD (.nrrd, .nhdr) or MetaImage (.mha, .mhd) file, or a\n"
    "DICOM file, folder (searched recursively) or DICOMDIR.\n\n"
    "For an image file: the format, size, voxel spacing, origin and direction matrix in LPS\n"
    "millimetres (DICOM patient coordinates), the orientation code, the stored data type and the\n"
    "value range (of the first volume for 4D files).\n\n"
    "For DICOM: the tree patient > study > series; per series its number (N.S for stack S of an\n"
    "enhanced file split into stacks, as convert --series accepts it), description, modality,\n"
    "kind (image, DWI, BOLD, multi-echo, 4D, localizer), images, volumes, the grid of one volume\n"
    "(size, spacing, origin, direction, orientation) and warnings; then the files skipped (with\n"
    "the reason) and notes. Headers only: no pixel data is read. docs/cli.md documents the JSON.\n\n"
    "Options:\n"
    "  --json   print the same facts as one JSON object\n\n"
    "Exit code 0 on success, 1 when the path cannot be read or the arguments are wrong.",
    runInfo};

}  // namespace fw::cli
