// signet-bench: starts a Signet server on loopback and runs complete ACME orders
// against it from concurrent clients, then prints what it measured. See
// docs/performance.md. Not a test: nothing here judges the figures.
#include <signal.h>

#include <rapidjson/document.h>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/use_future.hpp>

#include <fstream>
#include <iomanip>
#include <iostream>
#include <thread>

#include "tests/bench/acme_client.hpp"
#include "tests/bench/options.hpp"
#include "tests/bench/process.hpp"
#include "tests/bench/report.hpp"
#include "tests/bench/responders.hpp"
#include "tests/bench/revocation.hpp"

namespace signet::bench {
namespace {

namespace asio = boost::asio;
namespace http = boost::beast::http;

std::atomic<bool> g_interrupted{false};

extern "C" void on_signal(int) {
  g_interrupted = true;
}

// A run with more failed orders than this stops: the figures would mean nothing.
constexpr std::uint64_t kMaxFailures = 1000;

struct ServerUrl {
  std::string base;  // https://host:port
  std::string host;
  uint16_t port = 0;
};

std::optional<ServerUrl> parse_directory_url(const std::string& url) {
  constexpr std::string_view scheme = "https://";
  if (!url.starts_with(scheme)) return std::nullopt;
  const auto slash = url.find('/', scheme.size());
  const auto colon = url.rfind(':', slash);
  if (slash == std::string::npos || colon == std::string::npos || colon < scheme.size())
    return std::nullopt;
  ServerUrl u;
  u.base = url.substr(0, slash);
  u.host = url.substr(scheme.size(), colon - scheme.size());
  const long port = std::strtol(url.c_str() + colon + 1, nullptr, 10);
  if (port <= 0 || port > 65535) return std::nullopt;
  u.port = static_cast<uint16_t>(port);
  return u;
}

// Polls the directory until the server answers it (readiness), then reads it.
asio::awaitable<std::optional<Directory>> fetch_directory(asio::ssl::context& tls,
                                                          const asio::ip::tcp::endpoint& server,
                                                          const ServerUrl& url,
                                                          const std::string& directory_url,
                                                          std::string& problem) {
  auto ex = co_await asio::this_coro::executor;
  const auto deadline = Clock::now() + std::chrono::seconds(30);
  const std::string target = directory_url.substr(url.base.size());
  const std::string empty;
  while (Clock::now() < deadline) {
    HttpsConnection conn(ex, tls, server, url.host);
    HttpReply r = co_await conn.send(http::verb::get, target, empty);
    if (!r.error && r.status == 200) {
      rapidjson::Document d;
      d.Parse(r.body.data(), r.body.size());
      auto get = [&d](const char* name) {
        auto it = d.FindMember(name);
        return it != d.MemberEnd() && it->value.IsString() ? std::string(it->value.GetString())
                                                           : std::string();
      };
      Directory dir{url.base, {}, {}, {}, {}};
      if (!d.HasParseError() && d.IsObject()) {
        dir.new_nonce = get("newNonce");
        dir.new_account = get("newAccount");
        dir.new_order = get("newOrder");
        dir.revoke_cert = get("revokeCert");
      }
      if (dir.new_nonce.empty() || dir.new_account.empty() || dir.new_order.empty()) {
        problem = "the directory lacks newNonce, newAccount or newOrder: " + r.body;
        co_return std::nullopt;
      }
      co_return dir;
    }
    problem = r.error ? r.error.message() : "HTTP " + std::to_string(r.status);
    asio::steady_timer t(ex);
    t.expires_after(std::chrono::milliseconds(20));  // polling for readiness
    co_await t.async_wait(asio::use_awaitable);
  }
  problem = "the directory did not answer within 30 s: " + problem;
  co_return std::nullopt;
}

// One run. Members are declared in the order their lifetimes need: what coroutine
// frames touch when destroyed (the token store) outlives the io_context; sockets die
// before it; the io threads stop before anything they use.
class Bench {
 public:
  explicit Bench(const Options& o)
      : o_(o), deadline_(Clock::now() + std::chrono::seconds(o.max_seconds)), io_(o.threads) {}
  ~Bench() { stop_io(); }

  int run();

 private:
  bool start_server();
  bool create_clients();
  // Waits for f until the run's deadline; false (with a message) if the run is
  // interrupted, the server exits or the deadline passes first.
  template <class T>
  bool wait_ready(std::future<T>& f, const char* what);
  // Runs `phase` on every client until it is done, the run is over or interrupted.
  // Empty if it finished; else why it stopped.
  std::string run_phase(Phase& phase, bool progress);
  Checkpoint memory();
  // Every node's CPU time and RSS added up, and the highest peak RSS.
  ProcessSample sample_servers();
  // False once a node has exited; `how` then says which and how.
  bool servers_running(std::string* how);
  void stop_io();

  const Options& o_;
  const Clock::time_point deadline_;
  TempDir tmp_;
  std::unique_ptr<ServerProcess> server_;               // the first node
  std::vector<std::unique_ptr<ServerProcess>> others_;  // the other nodes (--nodes)
  std::unique_ptr<FsyncCounter> fsync_;
  TokenStore tokens_;
  std::atomic<bool> stop_{false};
  // Read by coroutines that may outlive the function that starts them.
  ServerUrl url_;
  asio::ip::tcp::endpoint endpoint_;               // the first node
  std::vector<asio::ip::tcp::endpoint> endpoints_;  // every node
  std::string problem_;
  std::vector<std::string> account_problems_;
  std::optional<Directory> directory_;
  std::optional<ClientSetup> setup_;
  std::optional<Recorder> setup_recorder_;
  std::optional<Recorder> warmup_recorder_;
  std::optional<Recorder> recorder_;
  std::optional<Phase> warmup_;
  std::optional<Phase> timed_;
  asio::io_context io_;
  DnsResponder dns_{io_.get_executor(), static_cast<uint16_t>(o_.dns_port)};
  ChallengeResponder http01_{io_.get_executor(), static_cast<uint16_t>(o_.http01_port), tokens_};
  asio::ssl::context tls_{asio::ssl::context::tls_client};
  std::vector<std::unique_ptr<AcmeClient>> clients_;
  asio::executor_work_guard<asio::io_context::executor_type> work_{io_.get_executor()};
  std::vector<std::thread> threads_;
};

void Bench::stop_io() {
  work_.reset();
  io_.stop();
  for (auto& t : threads_) t.join();
  threads_.clear();
  clients_.clear();  // their sockets go before the io_context
}

ProcessSample Bench::sample_servers() {
  ProcessSample sum = sample_process(server_->pid());
  for (const auto& p : others_) {
    const ProcessSample s = sample_process(p->pid());
    sum.cpu_seconds += s.cpu_seconds;
    sum.rss_kb += s.rss_kb;
    sum.hwm_kb = std::max(sum.hwm_kb, s.hwm_kb);
  }
  return sum;
}

bool Bench::servers_running(std::string* how) {
  if (!server_->running(how)) return false;
  for (std::size_t i = 0; i < others_.size(); ++i) {
    if (!others_[i]->running(how)) {
      if (how) *how = "(node " + std::to_string(i + 2) + ") " + *how;
      return false;
    }
  }
  return true;
}

Checkpoint Bench::memory() {
  const ProcessSample s = sample_servers();
  Checkpoint c;
  c.rss_kb = s.rss_kb;
  c.hwm_kb = s.hwm_kb;
  return c;
}

bool Bench::start_server() {
  dns_.start();
  http01_.start();
  for (int i = 0; i < o_.threads; ++i) threads_.emplace_back([this] { io_.run(); });

  std::vector<std::string> argv{o_.signet,
                                "serve",
                                "--data-dir",
                                o_.data_dir.empty() ? tmp_.path() + "/data" : o_.data_dir,
                                "--listen",
                                "127.0.0.1:0",
                                "--http-listen",
                                "127.0.0.1:0",
                                "--admin-listen",
                                "127.0.0.1:0",
                                "--http01-port",
                                std::to_string(http01_.port()),
                                "--dns-resolver",
                                "127.0.0.1:" + std::to_string(dns_.port()),
                                "--validation-allow",
                                "127.0.0.0/8"};
  // The benchmark measures the server's work, not its limits: without a configuration
  // of its own, the rate limits are off, and so are the per-address connection rules
  // (every client connects from 127.0.0.1).
  // Several nodes: on one database (the data directory's, unless the configuration names
  // another), sharing nonces, each with a name of its own.
  std::string config = o_.config;
  if (config.empty()) {
    config = tmp_.path() + "/bench.toml";
    std::ofstream(config) << (o_.nodes > 1 ? "[server]\nnonces = \"shared\"\n" : "")
                          << "[rate_limits]\n"
                             "new_orders_per_account = \"\"\n"
                             "certificates_per_domain = \"\"\n"
                             "failed_validations_per_account_name = \"\"\n"
                             "new_accounts_per_ip = \"\"\n"
                             "pending_authorizations_per_account = 0\n"
                             "[limits]\n"
                             "max_connections_per_address = 0\n";
  }
  argv.push_back("--config");
  argv.push_back(config);
  const std::string log = tmp_.path() + "/signet.log";
  std::string error;
  server_ = ServerProcess::start(argv, log, std::chrono::seconds(60), error);
  if (!server_) {
    std::cerr << "signet-bench: " << error << "\n";
    for (const auto& line : grep_file(log, {""}, 40).first) std::cerr << "  " << line << "\n";
    return false;
  }
  std::cout << "server: pid " << server_->pid() << ", " << server_->directory_url()
            << ", http-01 port " << http01_.port() << ", DNS port " << dns_.port() << "\n";
  // The other nodes name their URLs after the first one's, so a request signed for one
  // node's URL is good at any of them.
  for (int i = 2; i <= o_.nodes; ++i) {
    std::vector<std::string> node_argv = argv;
    node_argv.insert(node_argv.end(), {"--node-name", "bench-" + std::to_string(i),
                                       "--external-url", server_->directory_url().substr(
                                           0, server_->directory_url().rfind("/directory"))});
    auto node = ServerProcess::start(node_argv, tmp_.path() + "/signet-" + std::to_string(i) + ".log",
                                     std::chrono::seconds(60), error);
    if (!node || node->listen_port() == 0) {
      std::cerr << "signet-bench: node " << i << ": "
                << (node ? "did not print its listen address" : error) << "\n";
      return false;
    }
    std::cout << "node " << i << ": pid " << node->pid() << ", port " << node->listen_port()
              << "\n";
    others_.push_back(std::move(node));
  }

  const auto url = parse_directory_url(server_->directory_url());
  if (!url) {
    std::cerr << "signet-bench: cannot read the directory URL " << server_->directory_url() << "\n";
    return false;
  }
  url_ = *url;
  boost::system::error_code ec;
  tls_.set_verify_mode(asio::ssl::verify_peer);
  tls_.load_verify_file(server_->root_path(), ec);
  if (ec) {
    std::cerr << "signet-bench: cannot read " << server_->root_path() << ": " << ec.message()
              << "\n";
    return false;
  }
  // The server listens on 127.0.0.1 whatever host its URLs name.
  endpoint_ = asio::ip::tcp::endpoint(asio::ip::make_address_v4("127.0.0.1"), url_.port);
  endpoints_ = {endpoint_};
  for (const auto& p : others_)
    endpoints_.emplace_back(asio::ip::make_address_v4("127.0.0.1"), p->listen_port());
  auto fetched = asio::co_spawn(
      io_, fetch_directory(tls_, endpoint_, url_, server_->directory_url(), problem_),
      asio::use_future);
  if (!wait_ready(fetched, "the directory")) return false;
  directory_ = fetched.get();
  if (!directory_) {
    std::cerr << "signet-bench: " << problem_ << "\n";
    return false;
  }
  setup_.emplace(ClientSetup{*directory_, tokens_, o_.names, std::chrono::milliseconds(o_.poll_ms),
                             o_.ignore_retry_after});
  for (int i = 0; i < o_.clients; ++i) {
    clients_.push_back(
        std::make_unique<AcmeClient>(io_.get_executor(), tls_, endpoints_, url_.host, *setup_,
                                     static_cast<unsigned>(i) + 1));
  }
  return true;
}

bool Bench::create_clients() {
  const auto t0 = Clock::now();
  setup_recorder_.emplace(std::vector<long>{}, [] { return Checkpoint{}; });
  account_problems_.resize(clients_.size());
  std::vector<std::future<bool>> done;
  for (std::size_t i = 0; i < clients_.size(); ++i) {
    done.push_back(
        asio::co_spawn(io_, clients_[i]->register_account(*setup_recorder_, account_problems_[i]),
                       asio::use_future));
  }
  std::size_t failed = 0;
  for (std::size_t i = 0; i < done.size(); ++i) {
    if (!wait_ready(done[i], "the accounts")) return false;
    if (!done[i].get() && failed++ < 3) std::cerr << "  " << account_problems_[i] << "\n";
  }
  if (failed > 0) {
    std::cerr << "signet-bench: " << failed << " of " << clients_.size()
              << " accounts could not be created\n";
    return false;
  }
  std::cout << "accounts: " << clients_.size() << " created in " << std::fixed
            << std::setprecision(2) << std::chrono::duration<double>(Clock::now() - t0).count()
            << " s\n";
  return true;
}

template <class T>
bool Bench::wait_ready(std::future<T>& f, const char* what) {
  for (;;) {
    if (f.wait_for(std::chrono::milliseconds(100)) == std::future_status::ready) return true;
    std::string how;
    if (g_interrupted) {
      std::cerr << "signet-bench: interrupted while waiting for " << what << "\n";
    } else if (!servers_running(&how)) {
      std::cerr << "signet-bench: the server " << how << " while waiting for " << what << "\n";
    } else if (Clock::now() >= deadline_) {
      std::cerr << "signet-bench: --max-seconds reached while waiting for " << what << "\n";
    } else {
      continue;
    }
    return false;
  }
}

std::string Bench::run_phase(Phase& phase, bool progress) {
  auto done = phase.done.get_future();
  // Closed-loop clients that all start at once stay in step: they sleep the same
  // Retry-After and reach the server in waves. Their first orders are spread evenly
  // over --ramp-ms instead.
  for (std::size_t i = 0; i < clients_.size(); ++i) {
    const std::chrono::milliseconds delay(static_cast<long>(o_.ramp_ms * i / clients_.size()));
    asio::co_spawn(io_, clients_[i]->run(phase, delay), asio::detached);
  }
  auto next_progress = Clock::now() + std::chrono::seconds(10);
  std::string why;
  for (;;) {
    if (done.wait_for(std::chrono::milliseconds(100)) == std::future_status::ready) return why;
    std::string how;
    if (g_interrupted) {
      why = "interrupted";
    } else if (!servers_running(&how)) {
      why = "the server " + how;
    } else if (Clock::now() >= deadline_) {
      why = "--max-seconds reached";
    } else if (phase.recorder.failures() > kMaxFailures) {
      why = "more than " + std::to_string(kMaxFailures) + " failed orders";
    }
    if (!why.empty()) {
      stop_ = true;
      // Let the orders in hand end, but not for longer than a short grace.
      done.wait_for(std::chrono::seconds(5));
      return why;
    }
    if (progress && Clock::now() >= next_progress) {
      next_progress += std::chrono::seconds(10);
      std::cerr << "  ... " << phase.recorder.finished() << " of " << o_.orders << " orders\n";
    }
  }
}

int Bench::run() {
  if (!start_server() || !create_clients()) return 1;

  if (o_.warmup > 0) {
    warmup_recorder_.emplace(std::vector<long>{}, [] { return Checkpoint{}; });
    warmup_recorder_->start(Clock::now());
    warmup_.emplace(0, o_.warmup, o_.clients, *warmup_recorder_, stop_);
    if (auto why = run_phase(*warmup_, false); !why.empty()) {
      std::cerr << "signet-bench: warmup stopped: " << why << "\n";
      return 1;
    }
    const auto w = warmup_recorder_->snapshot();
    std::cout << "warmup: " << w.latencies_ms.size() << " certificates, " << w.failures
              << " failures\n";
    for (const auto& what : w.first_failures) std::cout << "  " << what << "\n";
  }

  if (o_.count_fsync) {
    std::cerr << "WARNING: --count-fsync traces the server with strace; its CPU figures and "
                 "throughput are distorted in this run\n";
    std::string error;
    fsync_ = FsyncCounter::attach(server_->pid(), tmp_.path() + "/strace.txt", error);
    if (!fsync_) {
      std::cerr << "signet-bench: " << error << "\n";
      return 1;
    }
  }

  recorder_.emplace(o_.checkpoints, [this] { return memory(); });
  std::uint64_t connects0 = 0;
  for (const auto& c : clients_) connects0 += c->connects();
  Figures f;
  f.cores = std::thread::hardware_concurrency();
  f.load_average = load_average();
  const ProcessSample server0 = sample_servers();
  const double own0 = own_cpu_seconds();
  const double machine0 = machine_busy_seconds();
  const auto t0 = Clock::now();
  recorder_->start(t0);
  timed_.emplace(o_.warmup, o_.orders, o_.clients, *recorder_, stop_);
  f.ended = run_phase(*timed_, true);
  const auto t1 = Clock::now();
  const ProcessSample server1 = sample_servers();
  f.own_cpu_seconds = own_cpu_seconds() - own0;
  f.machine_busy_seconds = machine_busy_seconds() - machine0;
  f.seconds = std::chrono::duration<double>(t1 - t0).count();
  f.orders = recorder_->snapshot();
  f.jws_posts = recorder_->jws_posts;
  f.nonce_fetches = recorder_->nonce_fetches;
  f.bad_nonce_retries = recorder_->bad_nonce_retries;
  f.rate_limited_retries = recorder_->rate_limited_retries;
  for (const auto& c : clients_) f.connects += c->connects();
  f.connects -= connects0;
  f.server_cpu_seconds = server1.cpu_seconds - server0.cpu_seconds;
  f.server_rss_kb = server1.rss_kb;
  f.server_hwm_kb = server1.hwm_kb;
  if (fsync_) {
    std::string error;
    f.fsyncs = fsync_->finish(error);
    if (!f.fsyncs) std::cerr << "signet-bench: " << error << "\n";
  }

  std::optional<RevocationFigures> revocation;
  if (o_.revoke > 0 && f.ended.empty()) {
    std::vector<AcmeClient*> clients;
    for (auto& c : clients_) clients.push_back(c.get());
    const RevocationSetup setup{
        io_,
        tls_,
        endpoint_,
        url_.host,
        clients,
        o_.revoke,
        std::min(o_.clients, 16),
        [this](std::future<void>& d) { return wait_ready(d, "the revocation phase"); },
        [this] { return sample_servers().cpu_seconds; }};
    revocation = run_revocation_phase(setup);
  }

  const auto stop_t0 = Clock::now();
  for (auto& p : others_) p->stop(std::chrono::seconds(30));
  const std::string ended = server_->stop(std::chrono::seconds(30));
  const double stop_s = std::chrono::duration<double>(Clock::now() - stop_t0).count();
  print_report(std::cout, o_, f);
  if (revocation) print_revocation(std::cout, *revocation);
  std::cout << std::setprecision(2) << "server: " << ended << " " << stop_s
            << " s after SIGTERM; DNS queries " << dns_.queries() << ", http-01 requests "
            << http01_.requests() << " (" << http01_.misses() << " unanswered)\n";
  const auto [lines, count] = grep_file(tmp_.path() + "/signet.log", {" warn ", " error "}, 5);
  std::cout << "server log: " << count << " warnings or errors\n";
  // The server's own count of writes and commits (one fdatasync each, synchronous=FULL).
  for (const auto& line : grep_file(tmp_.path() + "/signet.log", {"storage: "}, 1).first)
    std::cout << "  " << line << "\n";
  for (const auto& line : lines) std::cout << "  " << line << "\n";
  return 0;
}

}  // namespace
}  // namespace signet::bench

int main(int argc, char** argv) {
  using namespace signet::bench;
  bool help = false;
  const auto options = parse_options(argc, argv, help);
  if (!options) return help ? 0 : 2;
  struct sigaction sa {};
  sa.sa_handler = on_signal;
  sigaction(SIGINT, &sa, nullptr);
  sigaction(SIGTERM, &sa, nullptr);
  signal(SIGPIPE, SIG_IGN);
  try {
    Bench bench(*options);
    return bench.run();
  } catch (const std::exception& e) {
    std::cerr << "signet-bench: " << e.what() << "\n";
    return 1;
  }
}
