#pragma once
// Signet's configuration: defaults (the embedded default run), the TOML loader, and
// the checks every value passes before anything starts. Read once, in main.
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "core/result.hpp"

namespace signet::config {

// A remote vantage agent (`signet vantage`) that corroborates every validation.
struct Perspective {
  std::string name;    // letters, digits, '.', '_', '-'; shown in records and errors
  std::string url;     // https://HOST[:PORT]
  std::string region;  // a label for operators
};

struct Config {
  // [server]
  std::string listen = "127.0.0.1:14000";
  std::string data_dir = "./signet-data";
  // The URL clients reach Signet at; default https://localhost:<port>.
  std::optional<std::string> external_url;
  int threads = 0;  // network threads; 0: one per core

  // [directory] meta (RFC 8555 §7.1.1)
  std::string terms_of_service;
  std::string website;
  std::vector<std::string> caa_identities;

  // [validation]
  uint16_t http01_port = 80;
  uint16_t tlsalpn01_port = 443;
  std::vector<std::string> dns_resolvers;
  std::vector<std::string> validation_allow;
  std::vector<std::string> validation_deny;
  std::chrono::seconds validation_timeout{20};
  std::size_t validation_max_in_flight = 64;
  std::size_t validation_max_pending = 4096;
  std::chrono::seconds caa_recheck_age = std::chrono::hours(8);
  // [[validation.perspectives]], and how many of them may disagree (default: CA/B
  // Forum BR 3.2.2.9) and how long they are waited for.
  std::vector<Perspective> perspectives;
  std::optional<std::size_t> max_remote_failures;
  std::chrono::seconds remote_timeout{15};

  // [orders]
  std::chrono::seconds order_lifetime = std::chrono::hours(24 * 7);
  std::chrono::seconds pending_authz_lifetime = std::chrono::hours(24 * 7);
  std::chrono::seconds valid_authz_lifetime = std::chrono::hours(24 * 30);
  std::size_t max_identifiers = 100;
  bool reuse_valid_authorizations = true;
  std::size_t orders_page_size = 50;

  // [certificates]
  std::chrono::seconds default_validity = std::chrono::hours(24 * 90);
  std::chrono::seconds max_validity = std::chrono::hours(24 * 100);

  // [limits]
  std::size_t max_body_bytes = 64 * 1024;
  std::size_t max_header_bytes = 8 * 1024;
  std::chrono::seconds read_timeout{10};
  std::chrono::seconds idle_timeout{60};
  std::size_t max_connections = 1024;
};

// Reads a TOML file over the defaults. Unknown keys and wrong types are errors.
core::Result<Config> load_file(const std::filesystem::path& path);

// Checks values that do not depend on the file format (ports, CIDRs, addresses).
core::Status validate(const Config& c);

// "HOST:PORT" or "[V6]:PORT" split into host and port.
core::Result<std::pair<std::string, uint16_t>> split_host_port(const std::string& s);

}  // namespace signet::config
