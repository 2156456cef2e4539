// fusion-cli info: what an image file (NIfTI, NRRD, MetaImage) or a DICOM folder holds:
// grid, LPS geometry, orientation, data type and value range, as text or one JSON object.
#include <algorithm>
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

int dicomInfo(const fs::path& path, bool json) {
  ConsoleProgress progress("scanning");
  const auto series = dicom::scanForSeries(path, progress);
  if (series.empty()) throw core::Error("no DICOM image series found in " + path.string());
  std::vector<std::string> jsonSeries;
  if (!json) std::printf("%s: %zu DICOM series\n", path.string().c_str(), series.size());
  for (std::size_t n = 0; n < series.size(); ++n) {
    const auto& s = series[n];
    JsonObject o;
    o.add("seriesNumber", std::to_string(s.identity.seriesNumber));
    o.add("modality", jsonString(core::modalityCode(s.modality)));
    o.add("description", jsonString(s.identity.seriesDescription));
    o.add("seriesInstanceUid", jsonString(s.identity.seriesInstanceUid));
    o.add("patientId", jsonString(s.identity.patientId));
    o.add("studyDate", jsonString(s.identity.studyDate));
    o.add("files", std::to_string(s.files.size()));
    o.add("volumes", std::to_string(s.volumeCount));
    if (!json)
      std::printf("\n[%zu] series %d  %s  %s\n    %zu files, %zu volume(s), %zu x %zu pixels\n", n + 1,
                  s.identity.seriesNumber, core::modalityCode(s.modality), s.identity.seriesDescription.c_str(),
                  s.files.size(), s.volumeCount, s.columns, s.rows);
    try {
      core::NullProgress quiet;
      const auto volume = dicom::loadSeriesVolume(s, quiet);
      const auto& g = volume->geometry();
      const auto [minValue, maxValue] = volume->valueRange();
      const std::string orientation = core::orientationCode(g.direction());
      if (json) {
        o.add("size", jsonArray(std::vector<std::size_t>(g.size().begin(), g.size().end()),
                                [](std::size_t v) { return std::to_string(v); }));
        o.add("spacing", jsonVec3(g.spacing()));
        o.add("origin", jsonVec3(g.origin()));
        o.add("direction", jsonMat3(g.direction()));
        o.add("orientation", jsonString(orientation));
        o.add("pixelType", jsonString(core::pixelTypeName(volume->pixelType())));
        o.add("valueRange", jsonArray(std::vector<double>{minValue, maxValue}, number));
      } else {
        std::printf("    %-14s %zu x %zu x %zu\n", "Size:", g.size()[0], g.size()[1], g.size()[2]);
        std::printf("    %-14s %s mm\n", "Spacing:",
                    joinNumbers({g.spacing().x, g.spacing().y, g.spacing().z}).c_str());
        std::printf("    %-14s %s mm\n", "Origin (LPS):", vecText(g.origin()).c_str());
        std::printf("    %-14s %s\n", "Orientation:", orientation.c_str());
        std::printf("    %-14s %s, %s .. %s\n", "Values:", core::pixelTypeName(volume->pixelType()),
                    shortNumber(minValue).c_str(), shortNumber(maxValue).c_str());
      }
    } catch (const core::Cancelled&) {
      throw;
    } catch (const core::Error& e) {
      if (json) o.add("error", jsonString(e.what()));
      else std::printf("    cannot load: %s\n", e.what());
    }
    for (const auto& w : s.warnings) {
      if (!json) std::printf("    warning: %s\n", w.c_str());
    }
    if (json) {
      o.add("warnings", jsonArray(s.warnings, jsonString));
      jsonSeries.push_back(o.str(4));
    }
  }
  if (json) {
    JsonObject top;
    top.add("path", jsonString(path.string()));
    top.add("format", jsonString("DICOM"));
    std::string list = "[";
    for (std::size_t i = 0; i < jsonSeries.size(); ++i) list += (i ? ", " : "") + jsonSeries[i];
    top.add("series", list + "]");
    std::printf("%s\n", top.str().c_str());
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
    "DICOM file or folder (searched recursively). Prints the format, size, voxel spacing, origin\n"
    "and direction matrix in LPS millimetres (DICOM patient coordinates), the orientation code,\n"
    "the stored data type and the value range (of the first volume for 4D files).\n\n"
    "Options:\n"
    "  --json   print the same facts as one JSON object\n\n"
    "Exit code 0 on success, 1 when the path cannot be read or the arguments are wrong.",
    runInfo};

}  // namespace fw::cli
