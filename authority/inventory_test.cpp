// What the operator reads: certificates, accounts and orders with their status now.
#include "authority/inventory.hpp"

#include <algorithm>
#include <numeric>

#include "authority/audit.hpp"
#include "authority/test_fixture.hpp"

namespace signet::authority {
namespace {

using core::CertificateStatus;
using fixture::AuthorityTest;
using namespace std::chrono_literals;

class InventoryTest : public AuthorityTest {
 protected:
  Inventory inventory{*store, clock};
};

TEST(CertificateStatus, RevokedThenExpiredThenValid) {
  core::Certificate c;
  c.not_after = core::from_unix(1000);
  EXPECT_EQ(certificate_status(c, core::from_unix(999)), CertificateStatus::Valid);
  EXPECT_EQ(certificate_status(c, core::from_unix(1000)), CertificateStatus::Expired);
  c.revoked_at = core::from_unix(10);
  EXPECT_EQ(certificate_status(c, core::from_unix(999)), CertificateStatus::Revoked);
  EXPECT_EQ(certificate_status(c, core::from_unix(2000)), CertificateStatus::Revoked);
}

TEST_F(InventoryTest, CertificatesAreListedAndShown) {
  auto a = account();
  auto b = account();
  auto one = issued(a, {"good1.example"});
  auto two = issued(b, {"good2.example"});
  const auto revoked =
      audit::certificate_revoked(clock.now(), two.serial, 1, "keyCompromise", "operator:test");
  ASSERT_TRUE(run(store->revoke_certificate(two.serial, 1, clock.now(), revoked)).value());

  auto all = run(inventory.certificates({}));
  ASSERT_TRUE(all) << all.error().detail;
  EXPECT_EQ(all->items.size(), 2u);
  EXPECT_FALSE(all->truncated);
  auto first = run(inventory.certificates({.limit = 1}));
  ASSERT_EQ(first->items.size(), 1u);
  EXPECT_TRUE(first->truncated);
  auto valid = run(inventory.certificates({.status = CertificateStatus::Valid}));
  ASSERT_EQ(valid->items.size(), 1u);
  EXPECT_EQ(valid->items[0].serial, one.serial);
  auto of_b = run(inventory.certificates({.account = b.id}));
  ASSERT_EQ(of_b->items.size(), 1u);
  EXPECT_EQ(of_b->items[0].serial, two.serial);
  // 90 days each: none expires within 30 days, both within 100.
  EXPECT_TRUE(run(inventory.certificates({.expiring_within = 24h * 30}))->items.empty());
  EXPECT_EQ(run(inventory.certificates({.expiring_within = 24h * 100}))->items.size(), 1u);

  auto shown = run(inventory.certificate(two.serial));
  ASSERT_TRUE(shown);
  EXPECT_EQ(shown->revocation_reason, 1);
  EXPECT_EQ(shown->der, two.der);
  auto unknown = run(inventory.certificate("00"));
  ASSERT_FALSE(unknown);
  EXPECT_EQ(unknown.error().type, core::ProblemType::NotFound);
}

TEST_F(InventoryTest, CertificatesAreFoundByTheNameTyped) {
  auto a = account();
  auto one = issued(a, {"good.example", "goodish.good.example"});  // the fake passes good*
  auto two = issued(a, {"good2.example"});
  const auto found = [&](std::string typed) {
    std::vector<std::string> serials;
    auto listed = run(inventory.certificates({.search = std::move(typed)}));
    for (const auto& c : listed.value().items) serials.push_back(c.serial);
    std::sort(serials.begin(), serials.end());
    return serials;
  };
  using V = std::vector<std::string>;
  auto both = V{one.serial, two.serial};
  std::sort(both.begin(), both.end());
  EXPECT_EQ(found("GOOD.example"), V{one.serial});
  EXPECT_EQ(found("good.example."), V{one.serial});
  EXPECT_EQ(found("goodish.good.example"), V{one.serial});
  EXPECT_EQ(found("example"), both);
  EXPECT_EQ(found(""), both);
  EXPECT_EQ(found("od.example"), V{});
  EXPECT_EQ(found("192.0.2.1"), V{});  // an address: exactly
  EXPECT_EQ(found("2.1"), V{});        // a numeric last label: exactly
}

TEST_F(InventoryTest, TheOverviewCountsEveryCertificate) {
  auto a = account();
  issued(a, {"good1.example"});
  auto two = issued(a, {"good2.example"});
  const auto revoked =
      audit::certificate_revoked(clock.now(), two.serial, 1, "keyCompromise", "operator:test");
  ASSERT_TRUE(run(store->revoke_certificate(two.serial, 1, clock.now(), revoked)).value());

  auto o = run(inventory.overview(24h * 100, 92));
  ASSERT_TRUE(o) << o.error().detail;
  EXPECT_EQ(o->now, clock.now());
  EXPECT_EQ(core::to_unix(o->today) % 86400, 0);
  EXPECT_LE(o->today, o->now);
  EXPECT_GT(o->today + 24h, o->now);
  EXPECT_EQ(o->counts.valid, 1);
  EXPECT_EQ(o->counts.expiring, 1);
  EXPECT_EQ(o->counts.revoked, 1);
  EXPECT_EQ(o->counts.expired, 0);
  ASSERT_EQ(o->counts.issued_per_day.size(), 92u);
  EXPECT_EQ(o->counts.issued_per_day.back(), 2);  // today, last
  ASSERT_EQ(o->counts.expiring_per_day.size(), 92u);
  // The unrevoked one, 90 days on.
  EXPECT_EQ(std::accumulate(o->counts.expiring_per_day.begin(), o->counts.expiring_per_day.end(),
                            std::int64_t{0}),
            1);
  EXPECT_EQ(o->counts.expiring_per_day[90] + o->counts.expiring_per_day[89], 1);
  EXPECT_EQ(run(inventory.overview(24h * 30, 1))->counts.expiring, 0);

  clock.advance(24h * 91);
  o = run(inventory.overview(24h * 100, 92));
  EXPECT_EQ(o->counts.valid, 0);
  EXPECT_EQ(o->counts.expired, 1);
  EXPECT_EQ(o->counts.revoked, 1);
  EXPECT_EQ(o->counts.issued_per_day.front(), 2);  // 91 days ago
}

TEST_F(InventoryTest, OrdersShowTheirStatusNow) {
  auto a = account();
  auto b = account();
  auto pending = order(a, {"good-pending.example"});
  clock.advance(1s);  // orders are kept to the second
  auto cert = issued(b, {"good.example"});
  auto all = run(inventory.orders({}));
  ASSERT_TRUE(all) << all.error().detail;
  ASSERT_EQ(all->items.size(), 2u);
  EXPECT_EQ(all->items[0].certificate_serial, cert.serial);  // newest first
  auto mine = run(inventory.orders({.account = a.id}));
  ASSERT_EQ(mine->items.size(), 1u);
  EXPECT_EQ(mine->items[0].id, pending.id);
  // Past its expiry a pending order is invalid, though stored pending; listing writes
  // nothing.
  clock.advance(24h * 8);
  auto invalid = run(inventory.orders({.status = core::OrderStatus::Invalid}));
  ASSERT_EQ(invalid->items.size(), 1u);
  EXPECT_EQ(invalid->items[0].id, pending.id);
  EXPECT_TRUE(run(inventory.orders({.status = core::OrderStatus::Pending}))->items.empty());
  EXPECT_EQ(run(store->order_by_id(pending.id)).value()->status, core::OrderStatus::Pending);
}

TEST_F(InventoryTest, AccountsAreListedAndDeactivated) {
  auto a = account();
  account();
  auto listed = run(inventory.accounts(10));
  ASSERT_TRUE(listed);
  EXPECT_EQ(listed->items.size(), 2u);
  EXPECT_TRUE(run(inventory.accounts(1))->truncated);
  EXPECT_EQ(run(inventory.account(core::AccountId{"nope"})).error().type,
            core::ProblemType::NotFound);

  // The server authenticates a from its cache; deactivated from outside (as the
  // command line does, on the same database), it is refused once the entry ages out.
  ASSERT_TRUE(run(authority.account_for_kid(a.id)));
  EXPECT_TRUE(run(inventory.deactivate_account(a.id, "the operator")).value());
  EXPECT_FALSE(run(inventory.deactivate_account(a.id, "the operator")).value());
  EXPECT_EQ(run(inventory.account(a.id))->status, core::AccountStatus::Deactivated);
  EXPECT_TRUE(run(authority.account_for_kid(a.id)));  // cached
  clock.advance(31s);
  auto refused = run(authority.account_for_kid(a.id));
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().type, core::ProblemType::DeactivatedAccount);
}

}  // namespace
}  // namespace signet::authority
