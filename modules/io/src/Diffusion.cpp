// FSL .bval/.bvec tables: conversion between patient LPS gradients and the voxel frame of a
// NIfTI file, and the two text files.
#include "fw/io/Diffusion.h"

#include "TempName.h"

#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <mutex>
#include <random>
#include <sstream>
#include <string>

#include "fw/core/Error.h"
#include "fw/io/Nifti.h"

namespace fw::io {
namespace fs = std::filesystem;
using core::Error;
using core::Vec3;

namespace {

// The unit voxel axes of a grid in LPS, and whether FSL negates x for it.
struct VoxelFrame {
  Vec3 axes[3];
  bool negateX = false;
};

VoxelFrame frameOf(const core::ImageGeometry& grid) {
  VoxelFrame f;
  for (int a = 0; a < 3; ++a) f.axes[a] = core::normalized(grid.direction().column(a));
  // det(RAS affine) = det(diag(-1,-1,1)) * det(LPS affine) = det(LPS direction) * spacings.
  f.negateX = grid.direction().determinant() > 0;
  return f;
}

std::string stripNifti(const fs::path& nifti) {
  std::string name = nifti.string();
  for (const char* ext : {".nii.gz", ".nii", ".NII.GZ", ".NII"}) {
    const std::string e = ext;
    if (name.size() > e.size() && name.compare(name.size() - e.size(), e.size(), e) == 0)
      return name.substr(0, name.size() - e.size());
  }
  return name;
}

std::string number(double v) {
  if (v == 0.0) v = 0.0;  // no "-0"
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.8g", v);
  return buf;
}

fs::path tempBeside(const fs::path& target) {
  const fs::path folder = target.parent_path().empty() ? fs::path(".") : target.parent_path();
  return folder / ("." + target.filename().string() + ".tmp-" + detail::randomFileTag());
}

void writeText(const fs::path& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  if (!out) throw Error(std::string("cannot create the file: ") + std::strerror(errno)).addContext("writing " + path.string());
  out << text;
  out.close();
  if (!out) throw Error("cannot write the file (disk full?)").addContext("writing " + path.string());
}

// The numbers of a text file, line by line (empty lines skipped).
std::vector<std::vector<double>> readNumbers(const fs::path& path) {
  std::error_code ec;
  if (!fs::exists(path, ec)) throw Error("file not found").addContext("reading " + path.string());
  if (fs::file_size(path, ec) > 16u * 1024 * 1024)
    throw Error("the file is too large for a gradient table").addContext("reading " + path.string());
  std::ifstream in(path);
  if (!in) throw Error("cannot open the file").addContext("reading " + path.string());
  std::vector<std::vector<double>> rows;
  std::string line;
  int lineNumber = 0;
  while (std::getline(in, line)) {
    ++lineNumber;
    std::istringstream words(line);
    std::vector<double> row;
    std::string word;
    while (words >> word) {
      char* end = nullptr;
      errno = 0;
      const double v = std::strtod(word.c_str(), &end);
      // NaN is let through here: some tools write "nan nan nan" for b=0 (checked by the caller).
      if (end == word.c_str() || *end != '\0' || errno == ERANGE || std::isinf(v))
        throw Error("line " + std::to_string(lineNumber) + ": '" + word + "' is not a number")
            .addContext("reading " + path.string());
      row.push_back(v);
    }
    if (!row.empty()) rows.push_back(std::move(row));
  }
  return rows;
}

}  // namespace

GradientTable fslGradients(const std::vector<double>& bValues, const std::vector<std::optional<Vec3>>& gradients,
                           const core::ImageGeometry& niftiGrid) {
  if (bValues.size() != gradients.size())
    throw Error(std::to_string(bValues.size()) + " b-values but " + std::to_string(gradients.size()) + " gradients");
  const VoxelFrame f = frameOf(niftiGrid);
  GradientTable t;
  t.bValues = bValues;
  for (std::size_t v = 0; v < bValues.size(); ++v) {
    Vec3 out{0, 0, 0};
    if (bValues[v] > 0 && gradients[v] && core::norm(*gradients[v]) > 1e-6) {
      const Vec3 g = core::normalized(*gradients[v]);
      for (int a = 0; a < 3; ++a) out[a] = core::dot(g, f.axes[a]);
      if (f.negateX) out.x = -out.x;
    }
    t.vectors.push_back(out);
  }
  return t;
}

std::vector<Vec3> gradientsLps(const GradientTable& table, const core::ImageGeometry& niftiGrid) {
  const VoxelFrame f = frameOf(niftiGrid);
  std::vector<Vec3> out;
  for (const Vec3& v : table.vectors) {
    Vec3 u = v;
    if (f.negateX) u.x = -u.x;
    out.push_back(f.axes[0] * u.x + f.axes[1] * u.y + f.axes[2] * u.z);
  }
  return out;
}

fs::path bvalPathFor(const fs::path& nifti) { return stripNifti(nifti) + ".bval"; }
fs::path bvecPathFor(const fs::path& nifti) { return stripNifti(nifti) + ".bvec"; }

void writeGradientTable(const GradientTable& table, const fs::path& bval, const fs::path& bvec, bool overwrite) {
  if (table.bValues.size() != table.vectors.size())
    throw Error("the gradient table has " + std::to_string(table.bValues.size()) + " b-values but " +
                std::to_string(table.vectors.size()) + " vectors")
        .addContext("writing " + bvec.string());
  std::error_code ec;
  for (const auto& p : {bval, bvec}) {
    if (fs::exists(p, ec) && !overwrite)
      throw Error("the file already exists and replacing it was not asked for").addContext("writing " + p.string());
    const fs::path folder = p.parent_path().empty() ? fs::path(".") : p.parent_path();
    if (!fs::is_directory(folder, ec))
      throw Error("the folder " + folder.string() + " does not exist").addContext("writing " + p.string());
  }
  std::string bvalText;
  for (std::size_t v = 0; v < table.bValues.size(); ++v) bvalText += (v ? " " : "") + number(table.bValues[v]);
  std::string bvecText;
  for (int a = 0; a < 3; ++a) {
    for (std::size_t v = 0; v < table.vectors.size(); ++v) bvecText += (v ? " " : "") + number(table.vectors[v][a]);
    bvecText += "\n";
  }
  const fs::path tempVal = tempBeside(bval), tempVec = tempBeside(bvec);
  try {
    writeText(tempVal, bvalText + "\n");
    writeText(tempVec, bvecText);
    fs::rename(tempVal, bval);
    fs::rename(tempVec, bvec);
  } catch (const fs::filesystem_error& e) {
    fs::remove(tempVal, ec);
    fs::remove(tempVec, ec);
    throw Error(e.code().message()).addContext("writing " + bvec.string());
  } catch (...) {
    fs::remove(tempVal, ec);
    fs::remove(tempVec, ec);
    throw;
  }
}

GradientTable readGradientTable(const fs::path& bval, const fs::path& bvec) {
  const auto valRows = readNumbers(bval);
  const auto vecRows = readNumbers(bvec);
  GradientTable t;
  // bval: one row of N, or N rows of one.
  if (valRows.size() == 1) {
    t.bValues = valRows.front();
  } else {
    for (const auto& r : valRows) {
      if (r.size() != 1)
        throw Error("expected one row of b-values (or one b-value per line)").addContext("reading " + bval.string());
      t.bValues.push_back(r.front());
    }
  }
  if (t.bValues.empty()) throw Error("the file holds no b-values").addContext("reading " + bval.string());
  for (double b : t.bValues)
    if (!(b >= 0)) throw Error("invalid b-value " + number(b) + " (negative or NaN)").addContext("reading " + bval.string());
  const std::size_t n = t.bValues.size();
  // bvec: 3 rows of N (FSL), or N rows of 3.
  if (vecRows.size() == 3 && vecRows[0].size() == n && vecRows[1].size() == n && vecRows[2].size() == n) {
    for (std::size_t v = 0; v < n; ++v) t.vectors.push_back({vecRows[0][v], vecRows[1][v], vecRows[2][v]});
  } else if (vecRows.size() == n && std::all_of(vecRows.begin(), vecRows.end(), [](const auto& r) { return r.size() == 3; })) {
    for (const auto& r : vecRows) t.vectors.push_back({r[0], r[1], r[2]});
  } else {
    throw Error("expected 3 rows of " + std::to_string(n) + " numbers (one column per b-value in " +
                bval.filename().string() + ")")
        .addContext("reading " + bvec.string());
  }
  for (std::size_t v = 0; v < n; ++v) {
    Vec3& vec = t.vectors[v];
    if (std::isnan(vec.x) || std::isnan(vec.y) || std::isnan(vec.z)) {
      // DIPY's sample data writes NaN vectors for b=0 volumes; a b > 0 volume needs a direction.
      if (t.bValues[v] > 0)
        throw Error("vector " + std::to_string(v + 1) + " is not a number (NaN) for b=" + number(t.bValues[v]))
            .addContext("reading " + bvec.string());
      vec = {0, 0, 0};
    }
    const double len = core::norm(vec);
    if (len > 1e-6 && std::abs(len - 1.0) > 0.05)
      throw Error("vector " + std::to_string(v + 1) + " has length " + number(len) + ", not 1")
          .addContext("reading " + bvec.string());
  }
  return t;
}

DiffusionImage readDiffusionImage(const fs::path& nifti, core::ProgressSink& progress) {
  const fs::path bval = bvalPathFor(nifti), bvec = bvecPathFor(nifti);
  std::error_code ec;
  for (const auto& p : {bval, bvec})
    if (!fs::exists(p, ec))
      throw Error("no " + p.filename().string() + " beside it (a DWI NIfTI needs its .bval and .bvec)")
          .addContext("reading " + nifti.string());
  DiffusionImage d;
  d.table = readGradientTable(bval, bvec);
  d.volumes = readImageVolumes(nifti, progress);
  if (d.volumes.size() != d.table.bValues.size())
    throw Error("the image has " + std::to_string(d.volumes.size()) + " volumes but " + bval.filename().string() +
                " has " + std::to_string(d.table.bValues.size()) + " b-values")
        .addContext("reading " + nifti.string());
  d.gradients = gradientsLps(d.table, d.volumes.front()->geometry());
  return d;
}

}  // namespace fw::io
