#include "server/urls.hpp"

#include <gtest/gtest.h>

namespace signet::server {
namespace {

TEST(Urls, BuildsAndMatchesRoutes) {
  Urls u("https://localhost:14000");
  EXPECT_EQ(u.directory(), "https://localhost:14000/directory");
  EXPECT_EQ(Urls::match("/directory").route, Route::Directory);
  EXPECT_EQ(Urls::match("/acme/new-nonce").route, Route::NewNonce);
  auto m = Urls::match("/acme/chall/abc/def");
  EXPECT_EQ(m.route, Route::Challenge);
  EXPECT_EQ(m.id, "abc");
  EXPECT_EQ(m.sub_id, "def");
  auto p = Urls::match("/acme/acct/X1/orders?page=3");
  EXPECT_EQ(p.route, Route::AccountOrders);
  EXPECT_EQ(p.page, 3u);
  EXPECT_EQ(Urls::match("/acme/order/o1/finalize").route, Route::Finalize);
}

TEST(Urls, RefusesUnknownAndOddPaths) {
  for (const char* t :
       {"/", "/acme/", "/acme/acct/", "/acme/acct/a/b", "/acme/order/x?y=1", "/acme/acct/../x",
        "/acme/acct/a%2f", "/directory/x", "/acme/acct/X/orders?page=-1"}) {
    EXPECT_EQ(Urls::match(t).route, Route::NotFound) << t;
  }
}

TEST(Urls, AccountIdFromKid) {
  Urls u("https://localhost:14000");
  EXPECT_EQ(u.account_id_from_url("https://localhost:14000/acme/acct/abc")->value, "abc");
  EXPECT_FALSE(u.account_id_from_url("https://evil:14000/acme/acct/abc"));
  EXPECT_FALSE(u.account_id_from_url("https://localhost:14000/acme/acct/a/b"));
}

}  // namespace
}  // namespace signet::server
