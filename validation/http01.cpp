#include "validation/http01.hpp"

#include <boost/asio/redirect_error.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>

#include "core/ascii.hpp"
#include "validation/targets.hpp"

namespace signet::validation {
namespace beast = boost::beast;
namespace http = beast::http;
namespace ip = asio::ip;
using core::ProblemType;

namespace {

struct Url {
  std::string scheme = "http";
  std::string host;  // without brackets
  uint16_t port = 80;
  std::string target = "/";

  std::string host_for_url() const {
    return host.find(':') != std::string::npos ? "[" + host + "]" : host;
  }
  bool default_port() const {
    return (scheme == "http" && port == 80) || (scheme == "https" && port == 443);
  }
  std::string host_header() const {
    return default_port() ? host_for_url() : host_for_url() + ":" + std::to_string(port);
  }
  std::string str() const { return scheme + "://" + host_header() + target; }
};

// Resolves a Location header against the current URL. Absolute http(s) URLs and
// absolute paths only; no userinfo. `why` quotes the location only when `quote`.
std::optional<Url> resolve_location(const Url& base, std::string_view loc, bool quote,
                                    std::string& why) {
  Url u;
  if (loc.starts_with("/") && !loc.starts_with("//")) {
    u = base;
    u.target = std::string(loc);
    return u;
  }
  const auto sep = loc.find("://");
  if (sep == std::string_view::npos) {
    why = quote ? "redirect to an unsupported location \"" + sanitize_excerpt(loc) + "\""
                : "redirect to an unsupported location";
    return std::nullopt;
  }
  const std::string scheme = core::ascii_lower(loc.substr(0, sep));
  if (scheme != "http" && scheme != "https") {
    why = quote ? "redirect to a non-HTTP scheme \"" + sanitize_excerpt(scheme) + "\""
                : "redirect to a non-HTTP scheme";
    return std::nullopt;
  }
  u.scheme = scheme;
  std::string_view rest = loc.substr(sep + 3);
  const auto slash = rest.find_first_of("/?#");
  std::string_view authority = rest.substr(0, slash);
  u.target = slash == std::string_view::npos ? "/" : std::string(rest.substr(slash));
  if (u.target.front() != '/') u.target = "/" + u.target;
  if (const auto hash = u.target.find('#'); hash != std::string::npos) u.target.resize(hash);
  if (authority.find('@') != std::string_view::npos) {
    why = "redirect URL with user information";
    return std::nullopt;
  }
  std::string_view port_text;
  if (authority.starts_with("[")) {
    const auto close = authority.find(']');
    if (close == std::string_view::npos) {
      why = "malformed redirect host";
      return std::nullopt;
    }
    u.host = std::string(authority.substr(1, close - 1));
    if (close + 1 < authority.size() && authority[close + 1] == ':')
      port_text = authority.substr(close + 2);
  } else {
    const auto colon = authority.rfind(':');
    u.host = std::string(authority.substr(0, colon));
    if (colon != std::string_view::npos) port_text = authority.substr(colon + 1);
  }
  u.host = core::ascii_lower(u.host);
  if (u.host.empty() ||
      u.host.find_first_not_of("abcdefghijklmnopqrstuvwxyz0123456789-.:") != std::string::npos) {
    why = "redirect to an invalid host name";
    return std::nullopt;
  }
  u.port = scheme == "https" ? 443 : 80;
  if (!port_text.empty()) {
    if (port_text.size() > 5 ||
        port_text.find_first_not_of("0123456789") != std::string_view::npos) {
      why = "redirect with an invalid port";
      return std::nullopt;
    }
    const auto p = std::stoul(std::string(port_text));
    if (p == 0 || p > 65535) {
      why = "redirect with an invalid port";
      return std::nullopt;
    }
    u.port = static_cast<uint16_t>(p);
  }
  return u;
}

core::Error problem(ProblemType t, const std::string& detail) {
  return core::make_error(t, detail);
}

core::Error connection_problem(const std::string& shown_url, const ip::address& addr,
                               const boost::system::error_code& ec) {
  std::string what;
  if (ec == beast::error::timeout || ec == asio::error::timed_out) {
    what = "Timeout during connect or read (likely firewall problem)";
  } else if (ec == asio::error::connection_refused) {
    what = "Connection refused";
  } else if (ec == asio::error::connection_reset) {
    what = "Connection reset by peer";
  } else if (ec == asio::error::network_unreachable || ec == asio::error::host_unreachable) {
    what = "Network unreachable";
  } else {
    what = ec.message();
  }
  return problem(ProblemType::Connection,
                 addr.to_string() + ": fetching " + shown_url + ": " + what);
}

struct Fetched {
  unsigned status = 0;
  std::string body;
  std::string location;
  bool body_too_large = false;
};

// A resolve_targets() problem for a host that must not be shown: named `shown`
// instead. An address policy refusal reads "<host>: <why>".
std::string withhold_host(const core::Error& e, const std::string& host, const std::string& shown) {
  if (e.type == ProblemType::Dns) return "DNS problem looking up the address of " + shown;
  if (e.detail.starts_with(host + ": ")) return shown + e.detail.substr(host.size());
  return shown + ": no address may be contacted";
}

// A response body described without its content: for responses after a redirect.
std::string describe_body(const Fetched& f, std::size_t max_body) {
  if (f.body_too_large) return "a body of more than " + std::to_string(max_body) + " bytes";
  return f.body.empty() ? "an empty body" : "a " + std::to_string(f.body.size()) + "-byte body";
}

template <class Stream>
asio::awaitable<boost::system::error_code> exchange(Stream& stream, const Url& url,
                                                    const Http01Config& cfg, Fetched& out) {
  boost::system::error_code ec;
  http::request<http::empty_body> req{http::verb::get, url.target, 11};
  req.set(http::field::host, url.host_header());
  req.set(http::field::user_agent, cfg.user_agent);
  req.set(http::field::accept, "*/*");
  req.set(http::field::connection, "close");
  co_await http::async_write(stream, req, asio::redirect_error(asio::use_awaitable, ec));
  if (ec) co_return ec;
  beast::flat_buffer buffer;
  http::response_parser<http::string_body> parser;
  parser.header_limit(8192);
  parser.body_limit(cfg.max_body);
  co_await http::async_read(stream, buffer, parser, asio::redirect_error(asio::use_awaitable, ec));
  if (ec == http::error::body_limit) {
    out.body_too_large = true;
    ec = {};
  }
  if (ec) co_return ec;
  const auto& res = parser.get();
  out.status = res.result_int();
  out.body = res.body();
  if (auto it = res.find(http::field::location); it != res.end())
    out.location = std::string(it->value());
  co_return ec;
}

}  // namespace

std::string sanitize_excerpt(std::string_view raw, std::size_t max) {
  std::string out;
  for (char c : raw) {
    if (out.size() >= max) {
      out += "...";
      break;
    }
    const auto u = static_cast<unsigned char>(c);
    out += (u >= 0x20 && u < 0x7f && c != '"' && c != '\\') ? c : '?';
  }
  return out;
}

Http01Checker::Http01Checker(Http01Config config, std::shared_ptr<Resolver> resolver,
                             AddressPolicy policy)
    : config_(std::move(config)),
      resolver_(std::move(resolver)),
      policy_(std::move(policy)),
      tls_(std::make_shared<asio::ssl::context>(asio::ssl::context::tls_client)) {
  // RFC 8555 §8.3: the certificate of an HTTPS redirect target is not checked.
  tls_->set_verify_mode(asio::ssl::verify_none);
}

asio::awaitable<ValidationOutcome> Http01Checker::check(const ValidationRequest& req,
                                                        Deadline& deadline) {
  ValidationOutcome out;
  auto ex = co_await asio::this_coro::executor;

  Url url;
  url.host = req.identifier.value;
  url.port = config_.port;
  url.target = "/.well-known/acme-challenge/" + req.token;

  for (int hop = 0;; ++hop) {
    // A redirect may point anywhere the address policy allows, internal pages included.
    // So what came back is quoted (short and sanitized) only from the original URL,
    // which the applicant serves, and so is its redirect's target. A response after a
    // redirect is described by its status and length, and a URL taken from one (its
    // Location) is named by its place in the chain: no part of a body or header of a
    // response after a redirect reaches a problem or a record. Its record keeps the
    // addresses this CA resolved and used.
    const bool original = hop == 0;
    const bool withheld = hop >= 2;
    const std::string shown =
        withheld ? "the target of redirect " + std::to_string(hop) : url.str();
    core::ValidationRecord rec;
    if (!withheld) {
      rec.url = shown;
      rec.hostname = url.host;
      rec.port = std::to_string(url.port);
    }

    deadline.doing(ProblemType::Dns, "looking up the address of " + (withheld ? shown : url.host));
    auto targets = co_await resolve_targets(*resolver_, policy_, url.host, rec.addresses_resolved);
    if (!targets) {
      out.records.push_back(std::move(rec));
      out.problem = std::move(targets).error();
      if (withheld) out.problem->detail = withhold_host(*out.problem, url.host, shown);
      co_return out;
    }
    boost::system::error_code lit_ec;
    ip::make_address(url.host, lit_ec);  // SNI only for names, not for IP literals

    Fetched f;
    std::optional<core::Error> failure;
    for (const auto& addr : *targets) {
      rec.address_used = addr.to_string();
      deadline.doing(ProblemType::Connection, "fetching " + shown + " from " + addr.to_string());
      beast::tcp_stream tcp(ex);
      tcp.expires_at(deadline.at());
      boost::system::error_code ec;
      co_await tcp.async_connect(ip::tcp::endpoint(addr, url.port),
                                 asio::redirect_error(asio::use_awaitable, ec));
      if (!ec) {
        if (url.scheme == "https") {
          beast::ssl_stream<beast::tcp_stream> tls(std::move(tcp), *tls_);
          if (lit_ec) SSL_set_tlsext_host_name(tls.native_handle(), url.host.c_str());
          co_await tls.async_handshake(asio::ssl::stream_base::client,
                                       asio::redirect_error(asio::use_awaitable, ec));
          if (!ec) ec = co_await exchange(tls, url, config_, f);
        } else {
          ec = co_await exchange(tcp, url, config_, f);
        }
      }
      if (!ec) {
        failure.reset();
        break;
      }
      if (deadline.passed()) {
        failure = deadline.expired();
        break;
      }
      failure = connection_problem(shown, addr, ec);
    }
    out.records.push_back(rec);
    if (failure) {
      out.problem = std::move(failure);
      co_return out;
    }

    if (f.status >= 300 && f.status < 400 && !f.location.empty()) {
      if (hop >= config_.max_redirects) {
        out.problem = problem(ProblemType::Unauthorized, "Too many redirects (more than " +
                                                             std::to_string(config_.max_redirects) +
                                                             ") fetching " + shown);
        co_return out;
      }
      std::string why;
      auto next = resolve_location(url, f.location, original, why);
      if (next) {
        const bool port_ok = next->scheme == "http"
                                 ? (next->port == 80 || next->port == config_.port)
                                 : (next->port == 443 || next->port == config_.https_port);
        if (!port_ok) {
          why = "redirect to " + (original ? "port " + std::to_string(next->port) : "a port") +
                ", which is not a standard or configured validation port";
          next.reset();
        }
      }
      if (!next) {
        out.problem = problem(ProblemType::Connection, shown + ": " + why);
        co_return out;
      }
      url = std::move(*next);
      continue;
    }
    if (f.status != 200) {
      const std::string seen = original ? "\"" + sanitize_excerpt(f.body) + "\""
                                        : "with " + describe_body(f, config_.max_body);
      out.problem =
          problem(ProblemType::Unauthorized, rec.address_used + ": Invalid response from " + shown +
                                                 ": HTTP " + std::to_string(f.status) + " " + seen);
      co_return out;
    }
    if (f.body_too_large) {
      out.problem =
          problem(ProblemType::Unauthorized, "The response from " + shown + " is larger than " +
                                                 std::to_string(config_.max_body) + " bytes");
      co_return out;
    }
    // RFC 8555 §8.3: whitespace at the end of the body is ignored.
    std::string body = f.body;
    while (!body.empty() && std::isspace(static_cast<unsigned char>(body.back()))) body.pop_back();
    if (body != req.key_authorization) {
      const std::string seen = original ? "got \"" + sanitize_excerpt(body) + "\""
                                        : "got " + describe_body(f, config_.max_body);
      out.problem =
          problem(ProblemType::Unauthorized, "The key authorization file from " + shown +
                                                 " does not match this challenge: expected \"" +
                                                 req.key_authorization + "\", " + seen);
    }
    co_return out;
  }
}

}  // namespace signet::validation
