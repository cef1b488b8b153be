#pragma once
// Copies of the CA's files before an import or a rollover replaces them. Private to ca/.
#include <filesystem>

#include "ca/hierarchy.hpp"
#include "core/clock.hpp"
#include "core/result.hpp"

namespace signet::ca {

// Copies root.pem, the root's key and the ACME issuer's certificate, key and chain (those
// present) into a new directory ca/archive/<UTC time>/, keys with mode 0600, and returns
// it. Nothing is moved or deleted: the files in place are replaced afterwards, each
// with a write that leaves either the old or the new file.
core::Result<std::filesystem::path> archive_ca_files(const HierarchyPaths& p, core::TimePoint now);

}  // namespace signet::ca
