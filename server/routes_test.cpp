#include "server/routes.hpp"

#include <gtest/gtest.h>

#include <set>

namespace signet::server {
namespace {

TEST(Urls, BuildsAndMatchesRoutes) {
  Urls u("https://localhost:14000");
  EXPECT_EQ(u.directory(), "https://localhost:14000/directory");
  EXPECT_EQ(match_route("/directory").route, Route::Directory);
  EXPECT_EQ(match_route("/acme/new-nonce").route, Route::NewNonce);
  auto m = match_route("/acme/chall/abc/def");
  EXPECT_EQ(m.route, Route::Challenge);
  EXPECT_EQ(m.id, "abc");
  EXPECT_EQ(m.sub_id, "def");
  auto p = match_route("/acme/acct/X1/orders?page=3");
  EXPECT_EQ(p.route, Route::AccountOrders);
  EXPECT_EQ(p.page, 3u);
  EXPECT_EQ(match_route("/acme/order/o1/finalize").route, Route::Finalize);
}

TEST(Urls, RefusesUnknownAndOddPaths) {
  for (const char* t :
       {"", "//", "/acme/", "/acme/acct/", "/acme/acct/a/b", "/acme/order/x?y=1", "/acme/acct/../x",
        "/acme/acct/a%2f", "/directory/x", "/acme/acct/X/orders?page=-1",
        // Found by fuzzing: a trailing slash matched the route without it.
        "/directory/", "/acme/acct/abc/", "/acme/chall/a1/b2/", "/acme/acct/X/orders/?page=1",
        // and so did an empty query on a resource that takes none.
        "/directory?", "/acme/acct/abc?", "/acme/acct/X/orders?"}) {
    EXPECT_EQ(match_route(t).route, Route::NotFound) << t;
  }
}

// Each entry's path is recognized as that entry, identifiers and all.
TEST(Routes, EveryPathRoundTrips) {
  for (const auto& spec : route_table()) {
    // A CRL's "sub" is its shard number.
    const bool crl = spec.path.find("{crl}") != std::string_view::npos;
    const auto m = match_route(route_path(spec.route, "id1", crl ? "7" : "id2"));
    EXPECT_EQ(m.route, spec.route) << spec.path;
    if (crl) {
      EXPECT_EQ(m.sub_id, "7");
    }
    if (spec.path.find("{id}") != std::string_view::npos ||
        spec.path.find("{certid}") != std::string_view::npos) {
      EXPECT_EQ(m.id, "id1") << spec.path;
    }
    if (spec.path.find("{sub}") != std::string_view::npos) {
      EXPECT_EQ(m.sub_id, "id2") << spec.path;
    }
    EXPECT_EQ(&route_spec(spec.route), &spec);
    EXPECT_NE(spec.methods, 0u);
  }
  EXPECT_EQ(route_table().size(), static_cast<std::size_t>(Route::NotFound));
}

TEST(Routes, CrlsAreNumberedShards) {
  EXPECT_EQ(route_path(Route::Crl, "acme", "12"), "/crl/acme/12.crl");
  const auto m = match_route("/crl/acme/12.crl");
  EXPECT_EQ(m.route, Route::Crl);
  EXPECT_EQ(m.id, "acme");
  EXPECT_EQ(m.sub_id, "12");
  for (const char* bad : {"/crl/acme/x.crl", "/crl/acme/.crl", "/crl/acme/12", "/crl/acme/12.pem",
                          "/crl/acme/1234567.crl", "/crl/acme/12.crl/x", "/crl/a.b/1.crl"}) {
    EXPECT_EQ(match_route(bad).route, Route::NotFound) << bad;
  }
}

TEST(Routes, OcspTakesTheRestOfThePath) {
  EXPECT_EQ(match_route("/ocsp").route, Route::Ocsp);
  // Base64 holds '/', encoded or not.
  for (const char* path : {"/ocsp/MEQwQjBAMD4w%2FBwYFKw4DAhoFAA%3D%3D", "/ocsp/MEQw/QjBA/MD4w=="}) {
    const auto m = match_route(path);
    EXPECT_EQ(m.route, Route::OcspGet) << path;
    EXPECT_EQ(m.id, std::string(path).substr(6)) << path;
    EXPECT_EQ(route_path(Route::OcspGet, m.id), path);
  }
  EXPECT_EQ(match_route("/ocsp/").route, Route::NotFound);
  EXPECT_EQ(match_route("/ocsp/" + std::string(5000, 'A')).route, Route::NotFound);
  EXPECT_EQ(match_route("/ca/acme.crt").route, Route::CaIssuers);
}

// Relying parties' resources, and only they, are served over plain HTTP.
TEST(Routes, RelyingPartiesResources) {
  for (const auto& spec : route_table()) {
    const bool public_resource = spec.route == Route::Crl || spec.route == Route::Ocsp ||
                                 spec.route == Route::OcspGet || spec.route == Route::CaIssuers;
    EXPECT_EQ(spec.relying_party, public_resource) << spec.path;
  }
}

TEST(Routes, DirectoryKeysAreTheRfc8555Ones) {
  std::vector<std::string_view> keys;
  for (const auto& spec : route_table()) {
    if (!spec.directory_key.empty()) keys.push_back(spec.directory_key);
  }
  EXPECT_EQ(keys, (std::vector<std::string_view>{"newNonce", "newAccount", "newOrder", "revokeCert",
                                                 "keyChange", "newAuthz", "renewalInfo"}));
}

TEST(Routes, ResourceNamesAreUniqueAndRoundTrip) {
  std::set<std::string_view> seen;
  for (const auto& spec : route_table()) {
    const auto name = resource_name(spec.route);
    const bool acme =
        !spec.relying_party && spec.route != Route::Home && spec.route != Route::RootCertificate;
    EXPECT_EQ(name.empty(), !acme) << spec.path;
    if (name.empty()) continue;
    EXPECT_TRUE(seen.insert(name).second) << name;
    EXPECT_EQ(route_of_resource(name), spec.route) << name;
  }
  EXPECT_EQ(resource_name(Route::Finalize), "finalize");
  EXPECT_EQ(resource_name(Route::NewOrder), "newOrder");
  EXPECT_EQ(resource_name(Route::AccountOrders), "orders");
  EXPECT_FALSE(route_of_resource("crl"));
  EXPECT_FALSE(route_of_resource(""));
  EXPECT_FALSE(route_of_resource("Finalize"));
  EXPECT_NE(resource_names().find("newAccount, newOrder"), std::string::npos) << resource_names();
}

// A certID carries a '.', and whatever else a client sends is left to the handler to
// refuse as malformed rather than unknown.
TEST(Routes, RenewalInfoTakesAnyCertIdSegment) {
  for (const char* id : {"aYhba4dGQEHhs3uEe6CuLN4ByNQ.AIdlQyE", "no-dot", "a=.b==", "a.b.c"}) {
    const auto m = match_route(std::string("/acme/renewal-info/") + id);
    EXPECT_EQ(m.route, Route::RenewalInfo) << id;
    EXPECT_EQ(m.id, id);
  }
  for (const char* t : {"/acme/renewal-info", "/acme/renewal-info/", "/acme/renewal-info/a.b/c",
                        "/acme/renewal-info/a.b?x=1", "/acme/renewal-info/a b"}) {
    EXPECT_EQ(match_route(t).route, Route::NotFound) << t;
  }
}

TEST(Urls, AccountIdFromKid) {
  Urls u("https://localhost:14000");
  EXPECT_EQ(u.account_id_from_url("https://localhost:14000/acme/acct/abc")->value, "abc");
  EXPECT_FALSE(u.account_id_from_url("https://evil:14000/acme/acct/abc"));
  EXPECT_FALSE(u.account_id_from_url("https://localhost:14000/acme/acct/a/b"));
  EXPECT_FALSE(u.account_id_from_url("https://localhost:14000/acme/order/abc"));
  EXPECT_EQ(u.account_orders(core::AccountId{"abc"}, 2),
            "https://localhost:14000/acme/acct/abc/orders?page=2");
}

}  // namespace
}  // namespace signet::server
