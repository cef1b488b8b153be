#include "tests/bench/revocation.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/use_future.hpp>
#include <boost/beast/http/verb.hpp>

#include <openssl/ocsp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <algorithm>
#include <atomic>
#include <iomanip>
#include <mutex>

#include "tests/bench/recorder.hpp"

namespace signet::bench {
namespace {

namespace asio = boost::asio;
namespace http = boost::beast::http;

constexpr int kReason = 4;  // superseded
constexpr auto kCrlWait = std::chrono::seconds(60);

using X509Ptr = std::unique_ptr<X509, decltype(&X509_free)>;

template <class T, class I2d>
std::string der_of(T* obj, I2d i2d) {
  const int n = i2d(obj, nullptr);
  if (n <= 0) return {};
  std::string out(static_cast<std::size_t>(n), '\0');
  auto* p = reinterpret_cast<unsigned char*>(out.data());
  i2d(obj, &p);
  return out;
}

// A downloaded certificate: its DER and the OCSP request about it (SHA-1 CertID, as
// most relying parties send).
struct Issued {
  AcmeClient* client = nullptr;
  std::string der;
  std::string ocsp_request;
  std::string crl_path;  // "/crl/<issuer>/": where its issuer's CRL shards are
  bool revoke = false;
};

// The path of the directory of the CRL a certificate names ("/crl/<issuer>/"), or "".
std::string crl_path_of(X509* leaf) {
  std::unique_ptr<CRL_DIST_POINTS, decltype(&CRL_DIST_POINTS_free)> dps(
      static_cast<CRL_DIST_POINTS*>(
          X509_get_ext_d2i(leaf, NID_crl_distribution_points, nullptr, nullptr)),
      CRL_DIST_POINTS_free);
  if (!dps || sk_DIST_POINT_num(dps.get()) < 1) return {};
  const DIST_POINT* dp = sk_DIST_POINT_value(dps.get(), 0);
  if (!dp->distpoint || dp->distpoint->type != 0) return {};
  const GENERAL_NAME* name = sk_GENERAL_NAME_value(dp->distpoint->name.fullname, 0);
  if (!name || name->type != GEN_URI) return {};
  const std::string url(
      reinterpret_cast<const char*>(ASN1_STRING_get0_data(name->d.uniformResourceIdentifier)),
      static_cast<std::size_t>(ASN1_STRING_length(name->d.uniformResourceIdentifier)));
  const auto at = url.find("/crl/");
  const auto last = url.rfind('/');
  return at == std::string::npos ? std::string() : url.substr(at, last + 1 - at);
}

std::optional<Issued> read_chain(AcmeClient* client, const std::string& pem) {
  std::unique_ptr<BIO, decltype(&BIO_free)> bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())),
                                                BIO_free);
  X509Ptr leaf(PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr), X509_free);
  X509Ptr issuer(PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr), X509_free);
  if (!leaf || !issuer) return std::nullopt;
  Issued out;
  out.client = client;
  out.der = der_of(leaf.get(), i2d_X509);
  out.crl_path = crl_path_of(leaf.get());
  std::unique_ptr<OCSP_REQUEST, decltype(&OCSP_REQUEST_free)> req(OCSP_REQUEST_new(),
                                                                  OCSP_REQUEST_free);
  OCSP_CERTID* id = OCSP_cert_to_id(EVP_sha1(), leaf.get(), issuer.get());
  if (!req || !id || !OCSP_request_add0_id(req.get(), id)) return std::nullopt;
  out.ocsp_request = der_of(req.get(), i2d_OCSP_REQUEST);
  return out;
}

// V_OCSP_CERTSTATUS_* of the one answer, or -1.
int ocsp_status(const std::string& der) {
  const auto* p = reinterpret_cast<const unsigned char*>(der.data());
  std::unique_ptr<OCSP_RESPONSE, decltype(&OCSP_RESPONSE_free)> resp(
      d2i_OCSP_RESPONSE(nullptr, &p, static_cast<long>(der.size())), OCSP_RESPONSE_free);
  if (!resp || OCSP_response_status(resp.get()) != OCSP_RESPONSE_STATUS_SUCCESSFUL) return -1;
  std::unique_ptr<OCSP_BASICRESP, decltype(&OCSP_BASICRESP_free)> basic(
      OCSP_response_get1_basic(resp.get()), OCSP_BASICRESP_free);
  if (!basic || OCSP_resp_count(basic.get()) != 1) return -1;
  return OCSP_single_get0_status(OCSP_resp_get0(basic.get(), 0), nullptr, nullptr, nullptr,
                                 nullptr);
}

// The number of entries of a DER CRL, or -1.
long crl_entries(const std::string& der) {
  const auto* p = reinterpret_cast<const unsigned char*>(der.data());
  std::unique_ptr<X509_CRL, decltype(&X509_CRL_free)> crl(
      d2i_X509_CRL(nullptr, &p, static_cast<long>(der.size())), X509_CRL_free);
  if (!crl) return -1;
  const STACK_OF(X509_REVOKED)* entries = X509_CRL_get_REVOKED(crl.get());
  return entries == nullptr ? 0 : sk_X509_REVOKED_num(entries);  // none: no list at all
}

struct Shared {
  std::mutex mu;
  long failures = 0;
  std::string first_failure;
  std::vector<double> latencies_ms;
  void fail(std::string what) {
    std::lock_guard lock(mu);
    if (failures++ == 0) first_failure = std::move(what);
  }
};

// One client revokes the certificates of its own marked for revocation.
asio::awaitable<void> revoke_own(AcmeClient* client, const std::vector<Issued>* issued,
                                 Recorder* recorder, Shared* shared) {
  for (const auto& c : *issued) {
    if (c.client != client || !c.revoke) continue;
    std::string problem;
    if (!co_await client->revoke(c.der, kReason, *recorder, problem)) shared->fail(problem);
  }
}

// Reads every shard once; the entries they list, or -1 on a failure. fetch_ms and bytes
// say what the reading took.
asio::awaitable<long> read_crls(HttpsConnection* conn, std::string path, std::size_t shards,
                                double* fetch_ms, std::size_t* bytes) {
  const auto t0 = Clock::now();
  long entries = 0;
  *bytes = 0;
  for (std::size_t i = 0; i < shards; ++i) {
    HttpReply r = co_await conn->send(http::verb::get, path + std::to_string(i) + ".crl", "");
    const long n = r.error || r.status != 200 ? -1 : crl_entries(r.body);
    if (n < 0) co_return -1;
    entries += n;
    *bytes += r.body.size();
  }
  *fetch_ms = std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
  co_return entries;
}

// How many shards there are (the first that is not found ends them), then reads them
// until they list `want` entries or kCrlWait passes. path: the issuer's CRLs, as
// certificates name them ("/crl/<issuer>/").
asio::awaitable<void> watch_crls(const RevocationSetup* s, std::string path, long want,
                                 Clock::time_point since, RevocationFigures* f) {
  HttpsConnection conn(s->io.get_executor(), s->tls, s->server, s->host);
  for (std::size_t i = 0; i < 4096 && !path.empty(); ++i) {
    HttpReply r = co_await conn.send(http::verb::get, path + std::to_string(i) + ".crl", "");
    if (r.error || r.status != 200) break;
    f->shards = i + 1;
  }
  if (f->shards == 0) {
    f->ended = "the server publishes no CRLs";
    co_return;
  }
  asio::steady_timer timer(s->io.get_executor());
  const auto deadline = Clock::now() + kCrlWait;
  while (Clock::now() < deadline) {
    f->crl_entries = co_await read_crls(&conn, path, f->shards, &f->crl_fetch_ms, &f->crl_bytes);
    if (f->crl_entries >= want) {
      f->crl_visible_seconds = std::chrono::duration<double>(Clock::now() - since).count();
      // Once more, for the time one reading of every shard takes when nothing changes.
      f->crl_entries = co_await read_crls(&conn, path, f->shards, &f->crl_fetch_ms, &f->crl_bytes);
      co_return;
    }
    timer.expires_after(std::chrono::milliseconds(100));  // polling the CRLs, bounded above
    co_await timer.async_wait(asio::use_awaitable);
  }
  f->ended = "the CRLs did not list every revocation within 60 s";
}

// One OCSP client: asks about the next certificate until none is left.
asio::awaitable<void> ask_ocsp(const RevocationSetup* s, const std::vector<Issued>* issued,
                               std::atomic<std::size_t>* next, OcspPass* pass, Shared* shared) {
  HttpsConnection conn(s->io.get_executor(), s->tls, s->server, s->host);
  for (;;) {
    const std::size_t i = (*next)++;
    if (i >= issued->size()) break;
    const Issued& c = (*issued)[i];
    const auto t0 = Clock::now();
    HttpReply r = co_await conn.send(http::verb::post, "/ocsp", c.ocsp_request,
                                     "application/ocsp-request");
    const double ms = std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
    const int status = r.error || r.status != 200 ? -1 : ocsp_status(r.body);
    std::lock_guard lock(shared->mu);
    shared->latencies_ms.push_back(ms);
    ++pass->answers;
    if (status == V_OCSP_CERTSTATUS_GOOD) {
      ++pass->good;
      if (c.revoke) ++pass->wrong;
    } else if (status == V_OCSP_CERTSTATUS_REVOKED) {
      ++pass->revoked;
      if (!c.revoke) ++pass->wrong;
    } else {
      ++pass->other;
    }
  }
}

double percentile(std::vector<double>& v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  return v[std::min(v.size() - 1, static_cast<std::size_t>(p * static_cast<double>(v.size())))];
}

bool ocsp_pass(const RevocationSetup& s, const std::vector<Issued>& issued, OcspPass& pass) {
  Shared shared;
  std::atomic<std::size_t> next{0};
  const double cpu0 = s.server_cpu_seconds();
  const auto t0 = Clock::now();
  std::vector<std::future<void>> done;
  for (int i = 0; i < s.connections; ++i) {
    done.push_back(
        asio::co_spawn(s.io, ask_ocsp(&s, &issued, &next, &pass, &shared), asio::use_future));
  }
  for (auto& d : done) {
    if (!s.wait(d)) return false;
  }
  pass.seconds = std::chrono::duration<double>(Clock::now() - t0).count();
  pass.server_cpu_seconds = s.server_cpu_seconds() - cpu0;
  pass.p50_ms = percentile(shared.latencies_ms, 0.50);
  pass.p99_ms = percentile(shared.latencies_ms, 0.99);
  return true;
}

}  // namespace

RevocationFigures run_revocation_phase(const RevocationSetup& s) {
  RevocationFigures f;
  std::vector<Issued> issued;
  for (AcmeClient* client : s.clients) {
    for (const auto& pem : client->certificates()) {
      if (auto c = read_chain(client, pem)) issued.push_back(std::move(*c));
    }
  }
  f.certificates = static_cast<long>(issued.size());
  // Every k-th certificate, so that every client and every shard has some.
  const long want = std::min<long>(s.revoke, f.certificates);
  for (long i = 0; i < want; ++i) {
    issued[static_cast<std::size_t>(i * f.certificates / want)].revoke = true;
  }

  Recorder recorder({}, [] { return Checkpoint{}; });
  Shared shared;
  const auto t0 = Clock::now();
  std::vector<std::future<void>> done;
  for (AcmeClient* client : s.clients) {
    done.push_back(
        asio::co_spawn(s.io, revoke_own(client, &issued, &recorder, &shared), asio::use_future));
  }
  for (auto& d : done) {
    if (!s.wait(d)) {
      f.ended = "stopped while revoking";
      return f;
    }
  }
  const auto revoked_at = Clock::now();
  f.revoke_seconds = std::chrono::duration<double>(revoked_at - t0).count();
  f.revoke_failures = shared.failures;
  f.first_failure = shared.first_failure;
  f.revoked = want - shared.failures;

  const std::string crl_path = issued.empty() ? std::string() : issued.front().crl_path;
  auto crls =
      asio::co_spawn(s.io, watch_crls(&s, crl_path, f.revoked, revoked_at, &f), asio::use_future);
  if (!s.wait(crls)) {
    f.ended = "stopped while reading CRLs";
    return f;
  }
  if (!ocsp_pass(s, issued, f.first) || !ocsp_pass(s, issued, f.second)) {
    f.ended = "stopped while asking OCSP";
  }
  return f;
}

void print_revocation(std::ostream& out, const RevocationFigures& f) {
  out << std::fixed << std::setprecision(2);
  out << "revocation: " << f.revoked << " of " << f.certificates << " certificates revoked in "
      << f.revoke_seconds << " s ("
      << (f.revoke_seconds > 0 ? static_cast<double>(f.revoked) / f.revoke_seconds : 0)
      << "/s), " << f.revoke_failures << " failures\n";
  if (!f.first_failure.empty()) out << "  first failure: " << f.first_failure << "\n";
  out << "CRLs: " << f.crl_entries << " entries in " << f.shards << " shards, " << f.crl_bytes
      << " bytes; all listed " << f.crl_visible_seconds
      << " s after the last revocation; one reading of every shard " << f.crl_fetch_ms << " ms\n";
  auto pass = [&out](const char* what, const OcspPass& p) {
    out << "OCSP " << what << ": " << p.answers << " answers in " << p.seconds << " s ("
        << (p.seconds > 0 ? static_cast<double>(p.answers) / p.seconds : 0)
        << "/s), latency p50 " << p.p50_ms << " ms p99 " << p.p99_ms << " ms, server CPU "
        << (p.answers > 0 ? 1000 * p.server_cpu_seconds / static_cast<double>(p.answers) : 0)
        << " ms/answer; good " << p.good << ", revoked " << p.revoked << ", other " << p.other
        << ", wrong " << p.wrong << "\n";
  };
  pass("first (signed on request)", f.first);
  pass("again (cached)", f.second);
  if (!f.ended.empty()) out << "revocation phase ended early: " << f.ended << "\n";
}

}  // namespace signet::bench
