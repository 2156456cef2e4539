#pragma once
// Running the reference tools (dciodvfy, dcm2niix) and reading their output, for the
// conformance tests. A missing tool skips the test (exit 77), it never passes silently.
#include <QProcess>
#include <QStandardPaths>
#include <QString>
#include <QStringList>

#include <array>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <string>
#include <vector>

namespace fw::test {

inline QString requireTool(const QString& name) {
  const QString path = QStandardPaths::findExecutable(name);
  if (path.isEmpty()) {
    std::fprintf(stderr, "SKIP: %s is not on PATH (Debian: dicom3tools / dcm2niix)\n", qPrintable(name));
    std::exit(77);
  }
  return path;
}

struct ToolResult {
  int exitCode = -1;
  QString output;  // stdout and stderr together
};

inline ToolResult runTool(const QString& program, const QStringList& args, int timeoutMs = 120000) {
  QProcess p;
  p.setProcessChannelMode(QProcess::MergedChannels);
  p.start(program, args);
  ToolResult r;
  if (!p.waitForFinished(timeoutMs)) {
    p.kill();
    p.waitForFinished();
    r.output = "timed out";
    return r;
  }
  r.exitCode = p.exitStatus() == QProcess::NormalExit ? p.exitCode() : -1;
  r.output = QString::fromLocal8Bit(p.readAll());
  return r;
}

// A NIfTI-1 single file (.nii), as far as the tests need it.
struct Nifti {
  std::array<std::size_t, 4> dim{1, 1, 1, 1};
  std::array<double, 12> srow{};  // srow_x, srow_y, srow_z: voxel index -> RAS mm
  int sformCode = 0;
  std::vector<double> data;  // scaled values, x fastest, then y, z, t

  double at(std::size_t i, std::size_t j, std::size_t k, std::size_t t = 0) const {
    return data[i + dim[0] * (j + dim[1] * (k + dim[2] * t))];
  }
};

inline Nifti readNifti(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) throw std::runtime_error("cannot open " + file.string());
  std::vector<char> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (bytes.size() < 352) throw std::runtime_error("too short for NIfTI: " + file.string());
  auto get = [&](std::size_t off, auto v) {
    std::memcpy(&v, bytes.data() + off, sizeof v);
    return v;
  };
  if (get(0, std::int32_t{}) != 348) throw std::runtime_error("not a little-endian NIfTI-1 file: " + file.string());
  Nifti n;
  const auto ndim = get(40, std::int16_t{});
  for (int d = 0; d < 4; ++d) n.dim[d] = d < ndim ? static_cast<std::size_t>(get(42 + 2 * d, std::int16_t{})) : 1;
  const auto datatype = get(70, std::int16_t{});
  const auto voxOffset = static_cast<std::size_t>(get(108, float{}));
  double slope = get(112, float{});
  const double inter = get(116, float{});
  if (slope == 0) slope = 1;
  n.sformCode = get(254, std::int16_t{});
  for (int r = 0; r < 12; ++r) n.srow[r] = get(280 + 4 * r, float{});
  const std::size_t count = n.dim[0] * n.dim[1] * n.dim[2] * n.dim[3];
  n.data.resize(count);
  auto read = [&](auto sample) {
    using T = decltype(sample);
    if (voxOffset + count * sizeof(T) > bytes.size()) throw std::runtime_error("NIfTI data truncated");
    for (std::size_t i = 0; i < count; ++i) {
      T v;
      std::memcpy(&v, bytes.data() + voxOffset + i * sizeof(T), sizeof(T));
      n.data[i] = static_cast<double>(v) * slope + inter;
    }
  };
  switch (datatype) {
    case 2: read(std::uint8_t{}); break;
    case 4: read(std::int16_t{}); break;
    case 8: read(std::int32_t{}); break;
    case 16: read(float{}); break;
    case 512: read(std::uint16_t{}); break;
    default: throw std::runtime_error("unsupported NIfTI datatype " + std::to_string(datatype));
  }
  return n;
}

// Whitespace-separated numbers of a text file, row by row.
inline std::vector<std::vector<double>> readTable(const std::filesystem::path& file) {
  std::ifstream in(file);
  std::vector<std::vector<double>> rows;
  std::string line;
  while (std::getline(in, line)) {
    std::vector<double> row;
    std::size_t pos = 0;
    while (pos < line.size()) {
      std::size_t used = 0;
      try {
        row.push_back(std::stod(line.substr(pos), &used));
      } catch (...) {
        break;
      }
      pos += used;
    }
    if (!row.empty()) rows.push_back(row);
  }
  return rows;
}

}  // namespace fw::test
