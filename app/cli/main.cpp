// fusion-cli: every pipeline of the workstation, headless. `fusion-cli --help` lists them.
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "Command.h"
#include "Commands.h"
#include "fw/core/Error.h"

namespace {

const std::vector<fw::cli::Command>& commandTable() {
  static const std::vector<fw::cli::Command> table = fw::cli::allCommands();
  return table;
}

void printHelp() {
  std::printf(
      "fusion-cli: Fusion Workstation pipelines without a display.\n\n"
      "Usage: fusion-cli COMMAND [ARGS...]\n"
      "       fusion-cli COMMAND --help\n\n"
      "Commands:\n");
  for (const auto& c : commandTable()) std::printf("  %-14s %s\n", c.name, c.summary);
  std::printf("\nPositions are LPS millimetres (DICOM patient coordinates).\n");
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2 || !std::strcmp(argv[1], "--help") || !std::strcmp(argv[1], "-h") ||
      !std::strcmp(argv[1], "help")) {
    printHelp();
    return argc < 2 ? 2 : 0;
  }
  if (!std::strcmp(argv[1], "--version")) {
    std::printf("fusion-cli %s\n", FW_VERSION);
    return 0;
  }
  const std::string name = argv[1];
  for (const auto& c : commandTable()) {
    if (name != c.name) continue;
    std::vector<std::string> args(argv + 2, argv + argc);
    for (const auto& a : args)
      if (a == "--help" || a == "-h") {
        std::printf("%s\n", c.usage);
        return 0;
      }
    try {
      return c.run(args);
    } catch (const fw::core::Cancelled&) {
      std::fprintf(stderr, "fusion-cli %s: cancelled\n", c.name);
      return 130;
    } catch (const fw::core::Error& e) {
      std::fprintf(stderr, "fusion-cli %s: error: %s\n", c.name, e.what());
      return 1;
    } catch (const std::exception& e) {
      std::fprintf(stderr, "fusion-cli %s: internal error: %s\n", c.name, e.what());
      return 3;
    }
  }
  std::fprintf(stderr, "fusion-cli: unknown command '%s' (see fusion-cli --help)\n", name.c_str());
  return 2;
}
