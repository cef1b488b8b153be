#include "validation/resolver.hpp"

#include "validation/dns_answer.hpp"

#include <ares.h>
#include <arpa/nameser.h>
#include <netinet/in.h>
#include <boost/asio/associated_cancellation_slot.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <map>
#include <mutex>

namespace signet::validation {
namespace {

constexpr int kTypeCaa = 257;  // RFC 8659

using Answer = DnsAnswer;

// A type-erased completion for one query. Completes once: with c-ares' answer, or
// earlier when the awaiting operation is cancelled (then the answer, when it comes, is
// dropped). Touched only on the resolver's strand.
struct Pending {
  virtual ~Pending() = default;
  void finish(Answer a) {
    if (done) return;
    done = true;
    complete(std::move(a));
  }
  int type = 0;
  bool done = false;

 private:
  virtual void complete(Answer a) = 0;
};

template <class Handler>
struct PendingHandler final : Pending {
  explicit PendingHandler(Handler h) : handler(std::move(h)) {}
  Handler handler;

 private:
  void complete(Answer a) override {
    auto ex = asio::get_associated_executor(handler);
    asio::post(ex, [h = std::move(handler), a = std::move(a)]() mutable { h(std::move(a)); });
  }
};

std::string status_text(int status) {
  switch (status) {
    case ARES_ENOTFOUND:
      return "NXDOMAIN";
    case ARES_ENODATA:
      return "no records";
    case ARES_ESERVFAIL:
      return "SERVFAIL";
    case ARES_EREFUSED:
      return "REFUSED";
    case ARES_ETIMEOUT:
      return "timeout";
    case ARES_ECONNREFUSED:
      return "connection refused";
    case ARES_ECANCELLED:
      return "cancelled";
    default:
      return ares_strerror(status);
  }
}

std::once_flag g_ares_init;

}  // namespace

struct CaresResolver::Impl : std::enable_shared_from_this<Impl> {
  struct Watcher {
    asio::posix::stream_descriptor desc;
    bool want_read = false, want_write = false;
    bool reading = false, writing = false;
    bool closed = false;
  };

  explicit Impl(asio::any_io_executor ex) : strand(asio::make_strand(ex)), timer(strand) {}
  ~Impl() {
    if (channel) ares_destroy(channel);
    for (auto& [fd, w] : watchers) {
      w->closed = true;
      w->desc.release();
    }
  }

  static void on_sock_state(void* data, ares_socket_t fd, int readable, int writable) {
    static_cast<Impl*>(data)->sock_state(fd, readable != 0, writable != 0);
  }

  void sock_state(ares_socket_t fd, bool readable, bool writable) {
    auto it = watchers.find(fd);
    if (!readable && !writable) {
      if (it != watchers.end()) {
        it->second->closed = true;
        it->second->desc.release();  // c-ares owns and closes the socket
        watchers.erase(it);
      }
      return;
    }
    if (it == watchers.end()) {
      it = watchers
               .emplace(fd, std::make_shared<Watcher>(
                                Watcher{asio::posix::stream_descriptor(strand, fd)}))
               .first;
    }
    it->second->want_read = readable;
    it->second->want_write = writable;
    arm(it->second);
  }

  void arm(const std::shared_ptr<Watcher>& w) {
    if (w->closed) return;
    const int fd = w->desc.native_handle();
    if (w->want_read && !w->reading) {
      w->reading = true;
      w->desc.async_wait(asio::posix::stream_descriptor::wait_read,
                         [self = shared_from_this(), w, fd](boost::system::error_code ec) {
                           w->reading = false;
                           if (ec || w->closed) return;
                           ares_process_fd(self->channel, fd, ARES_SOCKET_BAD);
                           self->arm(w);
                           self->schedule_timer();
                         });
    }
    if (w->want_write && !w->writing) {
      w->writing = true;
      w->desc.async_wait(asio::posix::stream_descriptor::wait_write,
                         [self = shared_from_this(), w, fd](boost::system::error_code ec) {
                           w->writing = false;
                           if (ec || w->closed) return;
                           ares_process_fd(self->channel, ARES_SOCKET_BAD, fd);
                           self->arm(w);
                           self->schedule_timer();
                         });
    }
  }

  // Wakes c-ares when its next retry or timeout is due.
  void schedule_timer() {
    timeval tv{};
    if (ares_timeout(channel, nullptr, &tv) == nullptr) {
      timer.cancel();
      return;
    }
    timer.expires_after(std::chrono::seconds(tv.tv_sec) + std::chrono::microseconds(tv.tv_usec));
    timer.async_wait([self = shared_from_this()](boost::system::error_code ec) {
      if (ec) return;
      ares_process_fd(self->channel, ARES_SOCKET_BAD, ARES_SOCKET_BAD);
      self->schedule_timer();
    });
  }

  static void on_answer(void* arg, int status, int /*timeouts*/, unsigned char* abuf, int alen) {
    std::unique_ptr<std::shared_ptr<Pending>> p(static_cast<std::shared_ptr<Pending>*>(arg));
    if ((*p)->done) return;  // cancelled: nobody waits for this answer any more
    Answer a;
    a.status = status;
    if (status == ARES_SUCCESS) {
      a = parse_dns_answer((*p)->type,
                           std::span<const unsigned char>(abuf, static_cast<std::size_t>(alen)));
    }
    (*p)->finish(std::move(a));
  }

  // One query. Cancelling the awaiting operation (a validation's deadline) completes it
  // at once with ARES_ECANCELLED; c-ares finishes the query by itself, bounded by its
  // own timeout and tries, and its answer is dropped.
  asio::awaitable<Answer> query(const std::string& name, int type) {
    return asio::async_initiate<decltype(asio::use_awaitable), void(Answer)>(
        [self = shared_from_this(), name, type](auto handler) {
          auto slot = asio::get_associated_cancellation_slot(handler);
          auto p = std::make_shared<PendingHandler<decltype(handler)>>(std::move(handler));
          p->type = type;
          if (slot.is_connected()) {
            slot.assign([self, p](asio::cancellation_type) {
              asio::post(self->strand, [p] { p->finish(Answer{ARES_ECANCELLED, {}, {}, {}}); });
            });
          }
          asio::post(self->strand, [self, name, type, p] {
            if (p->done) return;  // cancelled before it was sent
            ares_query(self->channel, name.c_str(), ns_c_in, type, &Impl::on_answer,
                       new std::shared_ptr<Pending>(p));
            self->schedule_timer();
          });
        },
        asio::use_awaitable);
  }

  asio::strand<asio::any_io_executor> strand;
  asio::steady_timer timer;
  ares_channel channel = nullptr;
  std::map<ares_socket_t, std::shared_ptr<Watcher>> watchers;
};

core::Result<std::shared_ptr<CaresResolver>> CaresResolver::create(asio::any_io_executor ex,
                                                                   const ResolverConfig& config) {
  std::call_once(g_ares_init, [] { ares_library_init(ARES_LIB_INIT_ALL); });
  auto impl = std::make_shared<Impl>(ex);
  ares_options opts{};
  opts.sock_state_cb = &Impl::on_sock_state;
  opts.sock_state_cb_data = impl.get();
  opts.timeout = static_cast<int>(config.timeout_per_try.count());
  opts.tries = config.tries;
  opts.flags = ARES_FLAG_NOSEARCH | ARES_FLAG_EDNS;
  opts.ednspsz = 1232;
  const int mask = ARES_OPT_SOCK_STATE_CB | ARES_OPT_TIMEOUTMS | ARES_OPT_TRIES | ARES_OPT_FLAGS |
                   ARES_OPT_EDNSPSZ;
  if (int rc = ares_init_options(&impl->channel, &opts, mask); rc != ARES_SUCCESS) {
    return core::internal_error(std::string("c-ares init: ") + ares_strerror(rc));
  }
  if (!config.servers.empty()) {
    std::string csv;
    for (const auto& s : config.servers) csv += (csv.empty() ? "" : ",") + s;
    if (int rc = ares_set_servers_ports_csv(impl->channel, csv.c_str()); rc != ARES_SUCCESS) {
      return core::make_error(core::ProblemType::Malformed,
                              "invalid DNS resolver list \"" + csv + "\": " + ares_strerror(rc));
    }
  }
  return std::shared_ptr<CaresResolver>(new CaresResolver(std::move(impl)));
}

CaresResolver::CaresResolver(std::shared_ptr<Impl> impl) : impl_(std::move(impl)) {}

CaresResolver::~CaresResolver() {
  // Destroy the channel on its strand; pending queries complete with ARES_EDESTRUCTION.
  auto impl = std::move(impl_);
  asio::post(impl->strand, [impl] {
    impl->timer.cancel();
    ares_destroy(impl->channel);
    impl->channel = nullptr;
  });
}

asio::awaitable<core::Result<std::vector<asio::ip::address>>> CaresResolver::lookup_ip(
    const std::string& name) {
  auto v6 = co_await impl_->query(name, ns_t_aaaa);
  auto v4 = co_await impl_->query(name, ns_t_a);
  std::vector<asio::ip::address> out = std::move(v6.addresses);
  out.insert(out.end(), v4.addresses.begin(), v4.addresses.end());
  if (!out.empty()) co_return out;
  const bool nodata = (v4.status == ARES_ENODATA || v4.status == ARES_SUCCESS) &&
                      (v6.status == ARES_ENODATA || v6.status == ARES_SUCCESS);
  std::string detail =
      nodata ? "No A or AAAA records found for " + name
             : "DNS problem: " + status_text(v4.status == ARES_ENODATA ? v6.status : v4.status) +
                   " looking up A/AAAA for " + name;
  co_return core::make_error(core::ProblemType::Dns, detail);
}

asio::awaitable<core::Result<std::vector<std::string>>> CaresResolver::lookup_txt(
    const std::string& name) {
  auto a = co_await impl_->query(name, ns_t_txt);
  if (a.status == ARES_SUCCESS || a.status == ARES_ENODATA) co_return std::move(a.texts);
  co_return core::make_error(core::ProblemType::Dns, "DNS problem: " + status_text(a.status) +
                                                         " looking up TXT for " + name);
}

asio::awaitable<core::Result<std::vector<CaaRecord>>> CaresResolver::lookup_caa(
    const std::string& name) {
  auto a = co_await impl_->query(name, kTypeCaa);
  if (a.status == ARES_SUCCESS || a.status == ARES_ENODATA || a.status == ARES_ENOTFOUND) {
    co_return std::move(a.caa);
  }
  co_return core::make_error(core::ProblemType::Dns, "DNS problem: " + status_text(a.status) +
                                                         " looking up CAA for " + name);
}

}  // namespace signet::validation
