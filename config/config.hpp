#pragma once
// Signet's configuration: defaults (the embedded default run), the TOML loader, and
// the checks every value passes before anything starts. Read once, in main.
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.hpp"

namespace signet::config {

// A remote vantage agent (`signet vantage`) that corroborates every validation.
struct Perspective {
  std::string name;    // letters, digits, '.', '_', '-'; shown in records and errors
  std::string url;     // https://HOST[:PORT]
  std::string region;  // a label for operators
};

// [rate_limits]: rates as COUNT/PERIOD ("300/3h"; "" switches a limit off), counts
// (0 switches a limit off).
struct RateLimits {
  std::string new_orders_per_account = "300/3h";
  std::string certificates_per_domain = "50/168h";
  std::string failed_validations_per_account_name = "5/1h";
  std::string new_accounts_per_ip = "10/3h";
  std::size_t pending_authorizations_per_account = 1000;
  std::size_t validations_in_flight_per_account = 16;
};

// [[rate_limits.overrides]]: other limits for one account; keys not given keep the
// [rate_limits] value.
struct RateLimitOverride {
  std::string account;  // the account id, as in its URL
  RateLimits limits;
};

// [profiles.NAME]: a certificate profile clients may ask for in newOrder
// (draft-ietf-acme-profiles). Unset validities take the [certificates] values.
struct ProfileConfig {
  std::string name;
  std::string description;  // empty: one is written from the settings
  std::optional<std::chrono::seconds> validity;      // validity_days or validity_hours
  std::optional<std::chrono::seconds> max_validity;  // max_validity_days or max_validity_hours
  std::vector<std::string> extended_key_usage = {"serverAuth"};
  std::vector<std::string> key_usage = {"digitalSignature", "keyEncipherment"};
  bool common_name = true;
  std::size_t max_identifiers = 0;  // 0: [orders] max_identifiers
  std::vector<std::string> identifier_types = {"dns", "ip"};
  // authorization_reuse_hours: reuse valid authorizations validated at most this long
  // ago (0: never); unset: as [orders] reuse_valid_authorizations says.
  std::optional<std::chrono::seconds> authorization_reuse;
  std::vector<std::string> key_types;  // empty: [policy.keys] certificate
  std::vector<std::string> accounts;   // account ids; empty: any account
  std::vector<std::string> eab_keys;   // external account key ids; empty: any
  bool revocation_pointers = true;     // CRL and OCSP URLs in its certificates
};

// The profiles of the embedded default: tlsserver, shortlived and tlsclient.
std::vector<ProfileConfig> embedded_profiles();

// [testing] inject: a problem a share of one resource's requests get instead of their
// answer.
struct InjectRule {
  std::string resource;  // a route's resource name (newOrder, finalize, order, ...)
  std::string problem;   // an ACME problem type name (rateLimited, badNonce, ...)
  int status = 0;        // 400-599; 0: the problem type's own status
  unsigned percent = 100;
  std::optional<std::chrono::seconds> retry_after;  // the Retry-After header
  bool operator==(const InjectRule&) const = default;
};

// A validation delay: each validation waits a random time in [min, max] first.
struct DelayRange {
  std::chrono::milliseconds min{0};
  std::chrono::milliseconds max{0};
};
inline constexpr std::chrono::seconds kMaxValidationDelay{60};

// [testing]: the test CA mode, for CI pipelines. Nothing here takes effect unless
// `enabled` (or `signet serve --testing`); a knob set without it is an error.
struct Testing {
  bool enabled = false;
  std::string resolve_all_to;  // an IP address: validation resolves every name to it
  bool always_valid = false;   // challenges pass unchecked; CAA is not looked up
  unsigned nonce_reject_percent = 0;
  std::string validation_delay;  // "" (none), "2s", "0s-3s", "250ms-1s"
  bool reuse_authorizations = true;
  std::vector<InjectRule> inject;
  // The knobs the file sets (every key of [testing] but enabled), to refuse them when
  // testing is not enabled.
  std::vector<std::string> knobs_set;
};

// "2s", "0s-3s", "250ms-1s": whole seconds or milliseconds, at most
// kMaxValidationDelay, the first no longer than the second.
core::Result<DelayRange> parse_delay_range(std::string_view text);

// The [testing] knobs' values: an address, percentages, the delay, each inject rule's
// problem type, status, percent and Retry-After (the resource names are the server's
// to check). Does not look at `enabled` (validate() does).
core::Status validate_testing(const Testing& t);

struct Config {
  // [server]
  std::string listen = "127.0.0.1:14000";
  // Plain HTTP for relying parties (CRLs, OCSP); empty: none. Port 0 picks one.
  std::string http_listen = "127.0.0.1:14080";
  // The base URL certificates name for CRLs and OCSP; default http://<host of
  // external_url, or localhost>:<http_listen port>.
  std::optional<std::string> http_url;
  // The admin listener (GET /metrics for Prometheus); empty: none. Port 0 picks one.
  std::string admin_listen = "127.0.0.1:14090";
  // A PEM bundle of CAs: when set, the admin listener is HTTPS and requires a client
  // certificate chaining to one of them; empty: plain HTTP.
  std::string admin_client_ca;
  std::string data_dir = "./signet-data";
  // The URL clients reach Signet at; default https://localhost:<port>.
  std::optional<std::string> external_url;
  int threads = 0;  // network threads; 0: one per core
  // Several nodes on one database. This node's name, distinct among them and kept across
  // restarts (its work in flight is leased to "<node_name>/<run>"); empty: the host name
  // and the listen port as configured (nodes sharing a host on port 0 need names).
  std::string node_name;
  // How long work in flight stays this node's without it renewing the lease: a node that
  // stopped has its validations and issuances taken over this long after.
  std::chrono::seconds lease{60};
  // Anti-replay nonces: "local" (this node's memory: no I/O) or "shared" (any node on
  // the database accepts a nonce once: one database write per request); empty: shared
  // on PostgreSQL, local on SQLite.
  std::string nonces;

  // [directory] meta (RFC 8555 §7.1.1)
  std::string terms_of_service;
  std::string website;
  std::vector<std::string> caa_identities;

  // [acme]: RFC 8555 §7.3.4, new accounts need an external account binding.
  bool external_account_required = false;

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
  // Orders and authorizations that expired this long ago without a certificate are
  // deleted, with their challenges; 0 keeps them for ever.
  std::chrono::seconds purge_after = std::chrono::hours(24 * 30);

  // [policy]: which names this CA issues for.
  std::vector<std::string> allowed_domains;  // empty: any name
  std::vector<std::string> denied_domains;
  bool allow_wildcards = true;
  std::vector<std::string> allowed_ip_ranges = {"0.0.0.0/0", "::/0"};
  std::vector<std::string> reserved_names = {"localhost", "invalid"};
  // [policy.keys]: key types by name (rsa2048, rsa3072, rsa4096, p256, p384, p521,
  // ed25519), and a file of blocked keys (SHA-256 of SubjectPublicKeyInfo, hex).
  std::vector<std::string> account_keys = {"rsa2048", "rsa3072", "rsa4096", "p256",
                                           "p384",    "p521",    "ed25519"};
  std::vector<std::string> certificate_keys = {"rsa2048", "rsa3072", "rsa4096", "p256", "p384"};
  std::string blocked_keys_file;

  // [rate_limits]
  RateLimits rate_limits;
  std::vector<RateLimitOverride> rate_limit_overrides;

  // [crl]: CRLs per issuer (each certificate is in one shard, for good), how long each
  // is valid, and how often it is signed again at the latest.
  std::size_t crl_shards = 16;
  std::chrono::seconds crl_validity = std::chrono::hours(24);
  std::chrono::seconds crl_regenerate = std::chrono::minutes(60);

  // [log]: what is logged, how, and where ("" for stderr). Changes on SIGHUP.
  std::string log_level = "info";
  std::string log_format = "text";
  std::string log_file;

  // [storage]: where Signet's state lives. "sqlite": signet.db in data_dir (embedded,
  // one node); "postgresql": the database at `url` ("postgresql://user@host/db"),
  // shared by every node that names it, through `connections` connections per node,
  // each statement cancelled after `statement_timeout_seconds`.
  std::string storage_backend = "sqlite";
  std::string storage_url;
  std::size_t storage_connections = 16;
  std::chrono::seconds storage_statement_timeout{10};

  // [audit]: where the audit log's entries are copied as JSON lines for a SIEM, as
  // they are written ("": nowhere; the database holds them either way).
  std::string audit_file;

  // [ocsp]: how long an OCSP answer is valid (nextUpdate - thisUpdate), and who signs
  // answers about the ACME issuer's certificates: "responder" (the delegated responder,
  // its key a file), "issuer" (the issuer's own key), or "" for the default, the issuer
  // when its key is in a token ([ca] key), else the responder. See ocsp_signed_by_issuer.
  std::chrono::seconds ocsp_validity = std::chrono::hours(24);
  std::string ocsp_signed_by;

  // [certificates]
  std::chrono::seconds default_validity = std::chrono::hours(24 * 90);
  std::chrono::seconds max_validity = std::chrono::hours(24 * 100);
  std::string default_profile = "tlsserver";  // for orders that name none

  // [profiles.*]: any profile table in the file replaces the whole embedded set.
  std::vector<ProfileConfig> profiles = embedded_profiles();

  // [limits]
  std::size_t max_body_bytes = 64 * 1024;
  std::size_t max_header_bytes = 8 * 1024;
  std::chrono::seconds handshake_timeout{10};  // the TLS handshake
  std::chrono::seconds header_timeout{10};     // first byte to the end of a request's head
  std::chrono::seconds read_timeout{10};       // a request's body, a response's write
  std::chrono::seconds idle_timeout{60};       // between kept-alive requests
  std::size_t max_connections = 1024;
  // 0: off. Unset: kDefaultConnectionsPerAddress for `signet serve`; off for `signet
  // vantage`, whose one client, the Signet server, opens a connection per validation.
  std::optional<std::size_t> max_connections_per_address;

  // [testing]
  Testing testing;

  // [ca]: the ACME issuer's key in a PKCS#11 token (HSM); empty key: a file in the data
  // directory, as Signet creates it. The PIN comes from a file or the environment, one of
  // the two, never from this file.
  std::string ca_key;            // an RFC 7512 URI, "pkcs11:token=signet;object=intermediate"
  std::string ca_pkcs11_module;  // the PKCS#11 module (.so); required with a key
  std::string ca_pin_file;       // a file whose first line is the user PIN
  std::string ca_pin_env;        // an environment variable holding it
};

inline constexpr std::size_t kDefaultConnectionsPerAddress = 64;

// A profile's default and maximum validity: its own, or the [certificates] values (an
// unset maximum is the profile's own validity when it sets one).
std::pair<std::chrono::seconds, std::chrono::seconds> profile_validity(const Config& c,
                                                                      const ProfileConfig& p);

// Whether the ACME issuer signs OCSP answers itself ([ocsp] signed_by, its default
// following [ca] key), rather than the delegated responder.
bool ocsp_signed_by_issuer(const Config& c);

// Reads a TOML file over the defaults. Unknown keys and wrong types are errors.
core::Result<Config> load_file(const std::filesystem::path& path);

// Checks values that do not depend on the file format (ports, CIDRs, addresses).
// Names, key types and rates are checked where the policy is built from them.
core::Status validate(const Config& c);

// The keys that take effect only at start (listen address, data directory, threads,
// validation and limits settings), by name, whose values differ between a and b: a
// reload logs them as ignored.
std::vector<std::string> restart_only_changes(const Config& a, const Config& b);

// "HOST:PORT" or "[V6]:PORT" split into host and port.
core::Result<std::pair<std::string, uint16_t>> split_host_port(const std::string& s);

}  // namespace signet::config
