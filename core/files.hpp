#pragma once
// Whole-file reads, and writes that never leave half a file (keys among them).
#include <sys/types.h>

#include <filesystem>
#include <string>

#include "core/result.hpp"

namespace signet::core {

Result<std::string> read_file(const std::filesystem::path& p);
// Writes via a temporary file and rename, created with `mode` (no moment with wider
// permissions), and synced before the rename.
Status write_file(const std::filesystem::path& p, const std::string& data, mode_t mode);

}  // namespace signet::core
