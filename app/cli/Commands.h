#pragma once
// The table of subcommands. Each Cmd*.cpp file defines one Command; add it to allCommands().
#include <vector>

#include "Command.h"

namespace fw::cli {

extern const Command kInfoCommand;         // CmdInfo.cpp
extern const Command kSampleStudyCommand;  // CmdSampleStudy.cpp
extern const Command kConvertCommand;      // CmdConvert.cpp
extern const Command kBenchImportCommand;  // CmdBenchImport.cpp
extern const Command kBenchRegisterCommand;  // CmdBenchRegister.cpp
extern const Command kRegisterCommand;     // CmdRegister.cpp

inline std::vector<Command> allCommands() { return {kInfoCommand, kConvertCommand, kSampleStudyCommand, kBenchImportCommand, kBenchRegisterCommand, kRegisterCommand}; }

}  // namespace fw::cli
