#include "server/admin/server.hpp"

#include "core/log.hpp"

namespace signet::server::admin {

namespace asio = boost::asio;

core::Result<std::unique_ptr<Server>> Server::open(
    asio::io_context& io, const Options& o,
    const std::function<void(asio::ssl::context&)>& credentials, Router router) {
  std::unique_ptr<Server> s(new Server);
  s->router_ = std::make_shared<const Router>(std::move(router));
  const http::Handler handle = [r = s->router_](const http::Request& req) {
    return r->handle(req);
  };
  const http::ErrorResponder refuse = [r = s->router_](const core::Error& e) {
    return r->error_response(e);
  };
  if (o.client_ca_file.empty()) {
    s->listener_ = std::make_unique<http::Listener>(io, o.limits, handle, refuse);
    if (!o.endpoint.address().is_loopback()) {
      core::log_warn("[server] admin_listen " + o.endpoint.address().to_string() +
                     " is reachable beyond this host over plain HTTP without client "
                     "certificates; set [server] admin_client_ca or listen on loopback");
    }
  } else {
    s->tls_ = std::make_unique<asio::ssl::context>(asio::ssl::context::tls_server);
    credentials(*s->tls_);
    boost::system::error_code ec;
    s->tls_->load_verify_file(o.client_ca_file, ec);
    if (ec) {
      return core::make_error(core::ProblemType::ServerInternal,
                              "[server] admin_client_ca " + o.client_ca_file + ": " + ec.message());
    }
    // Only clients with a certificate from that CA get past the handshake.
    s->tls_->set_verify_mode(asio::ssl::verify_peer | asio::ssl::verify_fail_if_no_peer_cert);
    s->listener_ = std::make_unique<http::Listener>(io, *s->tls_, o.limits, handle, refuse);
  }
  if (auto st = s->listener_->bind(o.endpoint); !st) return std::move(st).error();
  return s;
}

std::string Server::url() const {
  const auto ep = listener_->local_endpoint();
  const auto addr = ep.address();
  const std::string host = addr.is_v6() ? "[" + addr.to_string() + "]" : addr.to_string();
  return std::string(tls_ ? "https" : "http") + "://" + host + ":" + std::to_string(ep.port()) +
         "/";
}

}  // namespace signet::server::admin
