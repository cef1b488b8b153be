#include "ca/archive.hpp"

#include <ctime>

#include "core/files.hpp"

namespace signet::ca {
namespace fs = std::filesystem;

core::Result<fs::path> archive_ca_files(const HierarchyPaths& p, core::TimePoint now) {
  const std::time_t t = std::chrono::system_clock::to_time_t(now);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char stamp[32] = {};
  std::strftime(stamp, sizeof stamp, "%Y%m%dT%H%M%SZ", &tm);
  fs::path dir = p.archive / stamp;
  // Two changes in one second: the second gets a directory of its own.
  for (int n = 2; fs::exists(dir); ++n)
    dir = p.archive / (std::string(stamp) + "-" + std::to_string(n));
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) return core::internal_error("cannot create " + dir.string() + ": " + ec.message());
  fs::permissions(p.archive, fs::perms::owner_all, ec);
  for (const auto* f : {&p.root_cert, &p.root_key, &p.acme_cert, &p.acme_key, &p.acme_chain}) {
    if (!fs::exists(*f)) continue;
    auto data = core::read_file(*f);
    if (!data) return std::move(data).error();
    const bool key = f == &p.root_key || f == &p.acme_key;
    if (auto st = core::write_file(dir / f->filename(), *data, key ? 0600 : 0644); !st) {
      return std::move(st).error();
    }
  }
  return dir;
}

}  // namespace signet::ca
