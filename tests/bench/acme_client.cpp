// The order flow of RFC 8555 §7.4 as a client runs it, one order at a time.
#include "tests/bench/acme_client.hpp"

#include <rapidjson/document.h>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/http/verb.hpp>

#include <charconv>

namespace signet::bench {
namespace asio = boost::asio;
namespace http = boost::beast::http;

namespace {

constexpr auto kOrderTimeout = std::chrono::seconds(120);
constexpr int kRateLimitedRetries = 5;
constexpr std::string_view kBadNonce = "urn:ietf:params:acme:error:badNonce";
const std::string kEmpty;               // POST-as-GET payload (RFC 8555 §6.3)
const std::string kEmptyObject = "{}";  // a challenge response (RFC 8555 §7.5.1)

// Ends the order in hand; caught in AcmeClient::run.
struct OrderFailed {
  std::string what;
};

std::string excerpt(std::string_view body) {
  std::string out(body.substr(0, 400));
  for (char& c : out) {
    if (c == '\n' || c == '\r') c = ' ';
  }
  return body.size() > 400 ? out + "..." : out;
}

std::string describe(std::string_view step, const HttpReply& r) {
  std::string out(step);
  if (r.error) return out + ": " + r.error.message();
  return out + ": HTTP " + std::to_string(r.status) + " " + excerpt(r.body);
}

std::string target_of(const Directory& d, const std::string& url) {
  if (!url.starts_with(d.base + "/")) throw OrderFailed{"URL outside the server: " + url};
  return url.substr(d.base.size());
}

rapidjson::Document parse_json(std::string_view step, const HttpReply& r) {
  rapidjson::Document d;
  d.Parse(r.body.data(), r.body.size());
  if (d.HasParseError() || !d.IsObject())
    throw OrderFailed{std::string(step) + ": not a JSON object: " + excerpt(r.body)};
  return d;
}

std::string member(const rapidjson::Value& v, const char* name) {
  auto it = v.FindMember(name);
  if (it == v.MemberEnd() || !it->value.IsString()) return {};
  return std::string(it->value.GetString(), it->value.GetStringLength());
}

std::string problem_type(const HttpReply& r) {
  rapidjson::Document d;
  d.Parse(r.body.data(), r.body.size());
  return d.HasParseError() || !d.IsObject() ? std::string() : member(d, "type");
}

// Takes the key authorizations out of the responder when the order is done with them.
struct PublishedTokens {
  TokenStore& store;
  std::vector<std::string> tokens;
  ~PublishedTokens() {
    for (const auto& t : tokens) store.erase(t);
  }
};

}  // namespace

AcmeClient::AcmeClient(asio::any_io_executor ex, asio::ssl::context& tls,
                       const std::vector<asio::ip::tcp::endpoint>& nodes, const std::string& host,
                       const ClientSetup& setup, unsigned seed)
    : ex_(ex),
      pick_(seed),
      setup_(setup),
      account_key_(EcKey::generate()),
      certificate_key_(EcKey::generate()) {
  for (const auto& node : nodes) conns_.push_back(std::make_unique<HttpsConnection>(ex, tls, node, host));
}

HttpsConnection& AcmeClient::conn() {
  if (conns_.size() == 1) return *conns_.front();
  return *conns_[std::uniform_int_distribution<std::size_t>(0, conns_.size() - 1)(pick_)];
}

std::uint64_t AcmeClient::connects() const {
  std::uint64_t n = 0;
  for (const auto& c : conns_) n += c->connects();
  return n;
}

asio::awaitable<void> AcmeClient::wait(std::chrono::milliseconds d) {
  asio::steady_timer timer(ex_);
  timer.expires_after(d);
  co_await timer.async_wait(asio::use_awaitable);
}

std::chrono::milliseconds AcmeClient::poll_delay(const HttpReply& r) const {
  // RFC 8555 §7.4 and §8.2: the server may say when to ask again, in seconds.
  if (!setup_.ignore_retry_after && !r.retry_after.empty()) {
    long s = 0;
    const char* end = r.retry_after.data() + r.retry_after.size();
    const auto [p, ec] = std::from_chars(r.retry_after.data(), end, s);
    if (ec == std::errc{} && p == end && s >= 0) return std::chrono::seconds(std::min(s, 60L));
  }
  return setup_.poll_interval;
}

asio::awaitable<HttpReply> AcmeClient::post(const std::string& url, const std::string& payload,
                                            Recorder& recorder) {
  const Directory& dir = setup_.directory;
  const std::string target = target_of(dir, url);
  bool retried_nonce = false;
  int rate_limited = 0;
  for (;;) {
    if (nonce_.empty()) {
      ++recorder.nonce_fetches;
      const std::string nonce_target = target_of(dir, dir.new_nonce);
      HttpReply r = co_await conn().send(http::verb::head, nonce_target, kEmpty);
      if (r.error || r.nonce.empty()) throw OrderFailed{describe("newNonce", r)};
      nonce_ = std::move(r.nonce);
    }
    const std::string body = jws(account_key_, kid_, nonce_, url, payload);
    nonce_.clear();  // every nonce is used once (RFC 8555 §6.5)
    ++recorder.jws_posts;
    HttpReply r = co_await conn().send(http::verb::post, target, body);
    if (r.error) co_return r;
    nonce_ = r.nonce;
    if (r.status >= 400) {
      // RFC 8555 §6.5: a badNonce reply carries a fresh nonce; try once more with it.
      if (!retried_nonce && problem_type(r) == kBadNonce) {
        retried_nonce = true;
        ++recorder.bad_nonce_retries;
        continue;
      }
      if (r.status == 429 && rate_limited < kRateLimitedRetries) {
        ++rate_limited;
        ++recorder.rate_limited_retries;
        const auto delay = r.retry_after.empty() ? std::chrono::milliseconds(1000) : poll_delay(r);
        co_await wait(delay);
        continue;
      }
    }
    co_return r;
  }
}

asio::awaitable<HttpReply> AcmeClient::post_checked(const char* step, const std::string& url,
                                                    const std::string& payload, unsigned want,
                                                    Recorder& recorder) {
  HttpReply r = co_await post(url, payload, recorder);
  if (r.error || r.status != want) throw OrderFailed{describe(step, r)};
  co_return r;
}

asio::awaitable<bool> AcmeClient::register_account(Recorder& recorder, std::string& problem) {
  static const std::string payload = R"({"termsOfServiceAgreed":true})";
  try {
    // RFC 8555 §7.3: the JWK in the header; the account URL comes back in Location.
    HttpReply r = co_await post(setup_.directory.new_account, payload, recorder);
    if (r.error || (r.status != 201 && r.status != 200) || r.location.empty()) {
      problem = describe("newAccount", r);
      co_return false;
    }
    kid_ = std::move(r.location);
    co_return true;
  } catch (const OrderFailed& f) {
    problem = f.what;
  } catch (const std::exception& e) {
    problem = std::string("newAccount: ") + e.what();
  }
  co_return false;
}

asio::awaitable<void> AcmeClient::order(long index, Recorder& recorder) {
  std::vector<std::string> names;
  std::string identifiers;
  for (int n = 0; n < setup_.names; ++n) {
    names.push_back("o" + std::to_string(index) + "-" + std::to_string(n) + ".bench.test");
    identifiers +=
        (n == 0 ? "" : ",") + std::string(R"({"type":"dns","value":")") + names.back() + "\"}";
  }
  const std::string new_order = R"({"identifiers":[)" + identifiers + "]}";
  const auto deadline = Clock::now() + kOrderTimeout;

  HttpReply created =
      co_await post_checked("newOrder", setup_.directory.new_order, new_order, 201, recorder);
  const std::string order_url = created.location;
  if (order_url.empty()) throw OrderFailed{"newOrder: no Location header"};
  std::vector<std::string> authz_urls;
  std::string finalize_url;
  {
    const auto doc = parse_json("newOrder", created);
    auto it = doc.FindMember("authorizations");
    if (it != doc.MemberEnd() && it->value.IsArray()) {
      for (const auto& a : it->value.GetArray()) {
        if (a.IsString()) authz_urls.emplace_back(a.GetString(), a.GetStringLength());
      }
    }
    finalize_url = member(doc, "finalize");
    if (authz_urls.empty() || finalize_url.empty())
      throw OrderFailed{"newOrder: no authorizations or finalize URL: " + excerpt(created.body)};
  }

  // Publish each pending authorization's http-01 key authorization (RFC 8555 §8.1,
  // §8.3), then tell the server to validate.
  PublishedTokens published{setup_.tokens, {}};
  std::vector<std::string> pending;
  std::vector<std::string> challenge_urls;
  for (const auto& url : authz_urls) {
    HttpReply z = co_await post_checked("authorization", url, kEmpty, 200, recorder);
    const auto doc = parse_json("authorization", z);
    const std::string status = member(doc, "status");
    if (status == "valid") continue;
    if (status != "pending")
      throw OrderFailed{"authorization is " + status + ": " + excerpt(z.body)};
    std::string token, challenge_url;
    auto it = doc.FindMember("challenges");
    if (it != doc.MemberEnd() && it->value.IsArray()) {
      for (const auto& c : it->value.GetArray()) {
        if (c.IsObject() && member(c, "type") == "http-01") {
          token = member(c, "token");
          challenge_url = member(c, "url");
        }
      }
    }
    if (token.empty() || challenge_url.empty())
      throw OrderFailed{"authorization: no http-01 challenge: " + excerpt(z.body)};
    setup_.tokens.put(token, token + "." + account_key_.thumbprint());
    published.tokens.push_back(token);
    pending.push_back(url);
    challenge_urls.push_back(challenge_url);
  }
  for (const auto& url : challenge_urls) {
    co_await post_checked("challenge", url, kEmptyObject, 200, recorder);
  }
  for (const auto& url : pending) {
    for (;;) {
      HttpReply z = co_await post_checked("authorization poll", url, kEmpty, 200, recorder);
      const std::string status = member(parse_json("authorization poll", z), "status");
      if (status == "valid") break;
      if (status != "pending")
        throw OrderFailed{"authorization is " + status + ": " + excerpt(z.body)};
      if (Clock::now() > deadline) throw OrderFailed{"authorization still pending after 120 s"};
      co_await wait(poll_delay(z));
    }
  }

  // RFC 8555 §7.4: a CSR for the order's names, for a key that is not the account key.
  const std::string finalize = R"({"csr":")" + base64url(csr_der(certificate_key_, names)) + "\"}";
  HttpReply state = co_await post_checked("finalize", finalize_url, finalize, 200, recorder);
  std::string certificate_url;
  for (;;) {
    const auto doc = parse_json("order", state);
    const std::string status = member(doc, "status");
    if (status == "valid") {
      certificate_url = member(doc, "certificate");
      break;
    }
    if (status != "processing" && status != "ready" && status != "pending")
      throw OrderFailed{"order is " + status + ": " + excerpt(state.body)};
    if (Clock::now() > deadline) throw OrderFailed{"order still " + status + " after 120 s"};
    co_await wait(poll_delay(state));
    state = co_await post_checked("order poll", order_url, kEmpty, 200, recorder);
  }
  if (certificate_url.empty()) throw OrderFailed{"order is valid without a certificate URL"};

  HttpReply cert = co_await post_checked("certificate", certificate_url, kEmpty, 200, recorder);
  if (!cert.body.starts_with("-----BEGIN CERTIFICATE-----"))
    throw OrderFailed{"certificate: not a PEM chain: " + excerpt(cert.body)};
  certificates_.push_back(std::move(cert.body));
}

asio::awaitable<bool> AcmeClient::revoke(const std::string& certificate_der, int reason,
                                         Recorder& recorder, std::string& problem) {
  const std::string payload = R"({"certificate":")" + base64url(certificate_der) +
                              R"(","reason":)" + std::to_string(reason) + "}";
  try {
    co_await post_checked("revokeCert", setup_.directory.revoke_cert, payload, 200, recorder);
    co_return true;
  } catch (const OrderFailed& f) {
    problem = f.what;
  } catch (const std::exception& e) {
    problem = std::string("revokeCert: ") + e.what();
  }
  co_return false;
}

asio::awaitable<void> AcmeClient::run(Phase& phase, std::chrono::milliseconds start_delay) {
  if (start_delay.count() > 0) co_await wait(start_delay);
  while (!phase.stop.load()) {
    const long index = phase.next++;
    if (index >= phase.end) break;
    const auto t0 = Clock::now();
    try {
      co_await order(index, phase.recorder);
      const auto t1 = Clock::now();
      phase.recorder.success(t1 - t0, t1);
    } catch (const OrderFailed& f) {
      phase.recorder.failure(f.what);
    } catch (const std::exception& e) {
      phase.recorder.failure(std::string("client error: ") + e.what());
    }
  }
  if (--phase.running == 0) phase.done.set_value();
}

}  // namespace signet::bench
