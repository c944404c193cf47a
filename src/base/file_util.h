// Small file helpers that report failures as Status (never throw, never abort).
#pragma once

#include <string>
#include <string_view>

#include "base/status.h"

namespace hitless {

// Reads a whole regular file. REQUIRES: the file is at most `max_bytes` long (guards memory
// against a wrong path such as a device or a huge file).
Result<std::string> readFile(const std::string& path, size_t max_bytes = size_t{1} << 30);

// Crash-consistent replace: writes `path`.tmp, fsyncs it, renames it over `path`, fsyncs the
// directory. After a crash the file holds either the old or the new content, never a mix.
Status writeFileAtomic(const std::string& path, std::string_view content, unsigned mode = 0644);

// Makes a rename or creation inside `dir` durable.
Status fsyncDirectory(const std::string& dir);

bool pathExists(const std::string& path);

// Lowercase hex of bytes, and its inverse (rejects odd length and non-hex characters).
std::string toHex(std::string_view bytes);
Result<std::string> fromHex(std::string_view hex);

}  // namespace hitless
