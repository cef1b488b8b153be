#pragma once
// What the server and the vantage agent build the same way: the configuration with
// its command-line overrides, the validation stack, and the run loop.
#include <boost/asio/io_context.hpp>
#include <boost/asio/ssl/context.hpp>

#include <functional>
#include <map>
#include <memory>
#include <set>
#include <string>

#include "authority/rules.hpp"
#include "ca/certificate_authority.hpp"
#include "config/config.hpp"
#include "server/commands/commands.hpp"
#include "server/http/listener.hpp"
#include "server/json/encode.hpp"
#include "storage/executor_stats.hpp"
#include "storage/store.hpp"
#include "validation/checker.hpp"
#include "validation/resolver.hpp"
#include "validation/testing.hpp"
#include "validation/validation_authority.hpp"

namespace signet::server::commands {

// The configuration file (if any) with the command line over it, checked.
core::Result<config::Config> load_config(const Overrides& o);
// The configuration's database ([storage]): PostgreSQL at its url, else signet.db in
// data_dir (created if need be); with its executor's counters.
struct Database {
  std::unique_ptr<storage::Store> store;
  std::function<storage::detail::ExecutorStats()> stats;
};
core::Result<Database> open_store(const config::Config& cfg,
                                  std::shared_ptr<core::metrics::Registry> metrics = nullptr);
// [log]: level, format and file, from now on (at start and on SIGHUP).
core::Status apply_log_config(const config::Config& cfg);

// The rules of a configuration: names, keys, rate limits, terms and CAA identities,
// for the challenge types this server offers, and the name constraints of the CA's ACME
// issuer (an imported CA's; none for Signet's own). Errors name the key at fault.
core::Result<authority::RulesPtr> build_rules(
    const config::Config& cfg, const std::set<core::ChallengeType>& challenges,
    const policy::NameConstraints& issuer_constraints = {});

// The directory's meta object of a configuration and the rules built from it (their
// profiles); without a configured website, the server's own home page (base_url + "/").
json::DirectoryMeta directory_meta(const config::Config& cfg, const authority::Rules& rules,
                                   const std::string& base_url);

// The resolver and the challenge checkers of one vantage point. With the test mode's
// records (`signet serve --testing`), the resolver answers from them while
// resolve_all_to is set, and loopback addresses may be validated.
struct ValidationStack {
  std::shared_ptr<validation::Resolver> resolver;
  std::map<core::ChallengeType, std::shared_ptr<validation::Checker>> checkers;
};
core::Result<ValidationStack> validation_stack(
    boost::asio::io_context& va_io, const config::Config& cfg,
    std::shared_ptr<const validation::TestDns> test_dns = nullptr);

// The validation queue and quorum settings of the configuration.
validation::ValidationConfig validation_config(const config::Config& cfg);

// Where to listen ("localhost" is 127.0.0.1), and the limits of each connection, with
// the command's own per-address cap when the configuration sets none.
boost::asio::ip::tcp::endpoint listen_endpoint(const config::Config& cfg);
// The endpoint of a checked "HOST:PORT" ("localhost" is 127.0.0.1).
boost::asio::ip::tcp::endpoint endpoint_of(const std::string& host_port);
http::Limits connection_limits(const config::Config& cfg, std::size_t default_per_address);

// The files Signet keeps open besides its connections: the database and its WAL, the
// log, resolver sockets, validation and perspective connections, with room to spare.
inline constexpr std::size_t kOwnFiles = 256;

// Has glibc's allocator keep the memory the server frees. By default it gives the top of
// a thread's heap back to the kernel once 128 KiB are free there, and serves blocks of
// 128 KiB and more with mmap: under load, SQLite's writer gave pages back after every
// commit and faulted them in again, with a TLB shootdown on every core each time.
void keep_freed_memory();

// Raises the soft open-file limit to the hard one; an error, naming both numbers and
// what to change, when max_connections + kOwnFiles still does not fit under it.
core::Status raise_file_limit(std::size_t max_connections);

// Network threads to run: the configured number, or one per core.
unsigned network_threads(const config::Config& cfg);

// Runs io on `threads` threads and va_io on one until SIGINT/SIGTERM, then stops the
// listener, lets requests in flight finish (up to 10 s), runs `drain` (bounded by the
// caller) and returns. SIGHUP runs `reload` (one at a time), when given.
void run_until_signalled(boost::asio::io_context& io, boost::asio::io_context& va_io,
                         http::Listener& listener, unsigned threads,
                         std::function<boost::asio::awaitable<void>()> drain = {},
                         std::function<boost::asio::awaitable<void>()> reload = {});

// TLS 1.2 or later, presenting this certificate chain and key.
void use_credentials(boost::asio::ssl::context& tls, const std::string& chain_pem,
                     const std::string& key_pem);

int fail(const std::string& what);

// Records a certificate the CA just signed for Signet itself (nothing when nullopt):
// every certificate Signet signs is in storage.
core::Status record_signed(storage::Store& store,
                           const std::optional<ca::SignedRecord>& signed_cert,
                           const core::Clock& clock, const std::string& actor);

}  // namespace signet::server::commands
