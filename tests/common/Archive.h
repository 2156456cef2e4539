#pragma once
// Extracting the shared data's .tar.xz archives into the build tree (never into ../shared/data).
#include <QProcess>
#include <QString>

#include <filesystem>
#include <stdexcept>
#include <string>

#include "TestData.h"

namespace fw::test {

// Extracts `archive` into a fresh scratch folder `scratchName` and returns that folder.
// Throws std::runtime_error with tar's message when it fails.
inline std::filesystem::path extractArchive(const std::filesystem::path& archive, const std::string& scratchName) {
  const auto dir = scratchDir(scratchName);
  QProcess tar;
  tar.start("tar", {"-xJf", QString::fromStdString(archive.string()), "-C", QString::fromStdString(dir.string())});
  if (!tar.waitForFinished(300000) || tar.exitStatus() != QProcess::NormalExit || tar.exitCode() != 0)
    throw std::runtime_error("cannot extract " + archive.string() + ": " + tar.readAllStandardError().toStdString());
  return dir;
}

}  // namespace fw::test
