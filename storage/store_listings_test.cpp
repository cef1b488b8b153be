// The operator's listings: certificates by account, name, expiry and status, and their
// counts; accounts; orders by account and stored status.
#include <gtest/gtest.h>

#include "storage/store_test_fixture.hpp"

namespace signet::storage {
namespace {

using core::CertificateStatus;
using core::IdentifierType;
using core::OrderStatus;
using fixture::CertificateStoreTest;
using fixture::kNow;
using fixture::serials;
using fixture::sync;

TEST_P(CertificateStoreTest, RevokedCertificatesAreListedByIssuerAndShard) {
  auto a = account("k1");
  auto none = sync(store->last_certificate_without_issuer());
  ASSERT_TRUE(none) << none.error().detail;
  EXPECT_FALSE(*none);
  issued(a, {"one.example"}, "01", 90, 1, "aaaa");
  issued(a, {"two.example"}, "02", 90, 1, "bbbb");
  issued(a, {"three.example"}, "03", 90, 1);  // recorded without its issuer
  issued(a, {"four.example"}, "04", 90, 2, "aaaa");
  issued(a, {"five.example"}, "05", 1, 1, "aaaa");  // expires first
  auto counted = sync(store->revocations_by_shard());
  ASSERT_TRUE(counted) << counted.error().detail;
  EXPECT_TRUE(counted->empty());
  for (const char* s : {"01", "02", "03", "05"}) {
    auto revoked = sync(store->revoke_certificate(s, 1, kNow, fixture::test_entry()));
    ASSERT_TRUE(revoked) << revoked.error().detail;
    EXPECT_TRUE(*revoked) << s;
  }
  counted = sync(store->revocations_by_shard());
  ASSERT_TRUE(counted) << counted.error().detail;
  const std::map<CrlShard, std::int64_t> counts{{{"", 1}, 1}, {{"aaaa", 1}, 2}, {{"bbbb", 1}, 1}};
  EXPECT_EQ(*counted, counts);
  auto listed = [&](const std::string& issuer, int shard, core::TimePoint at) {
    std::vector<std::string> out;
    auto revoked = sync(store->revoked_in_shard(issuer, shard, at));
    EXPECT_TRUE(revoked) << revoked.error().detail;
    if (revoked) {
      for (const auto& r : *revoked) out.push_back(r.serial);
    }
    return out;
  };
  EXPECT_EQ(listed("aaaa", 1, kNow), (std::vector<std::string>{"01", "05"}));
  EXPECT_EQ(listed("aaaa", 1, kNow + std::chrono::hours(48)), std::vector<std::string>{"01"});
  EXPECT_EQ(listed("bbbb", 1, kNow), std::vector<std::string>{"02"});
  EXPECT_EQ(listed("", 1, kNow), std::vector<std::string>{"03"});
  EXPECT_TRUE(listed("aaaa", 2, kNow).empty());
  auto last = sync(store->last_certificate_without_issuer());
  ASSERT_TRUE(last) << last.error().detail;
  EXPECT_EQ(last->value_or(""), "DER-03");
}

TEST_P(CertificateStoreTest, CertificatesAreListedByEveryFilter) {
  const auto [a, b] = five_certificates();  // 05 expired by `later`
  const auto later = kNow + std::chrono::hours(48);
  const auto list = [&](CertificateQuery q) {
    q.now = later;
    return serials(sync(store->certificates(q)));
  };
  using V = std::vector<std::string>;
  EXPECT_EQ(list({}), (V{"05", "02", "01", "03", "04"}));  // soonest expiry first
  EXPECT_EQ(list({.account = a.id}), (V{"05", "02", "01", "04"}));
  EXPECT_EQ(list({.name = core::Identifier{IdentifierType::Dns, "two.example"}}),
            (V{"05", "02", "01", "03"}));
  EXPECT_EQ(list({.status = CertificateStatus::Valid}), (V{"02", "01", "04"}));
  EXPECT_EQ(list({.status = CertificateStatus::Revoked}), (V{"03"}));
  EXPECT_EQ(list({.status = CertificateStatus::Expired}), (V{"05"}));
  // Valid and expiring within 30 days of `later`; within 100, not the revoked one.
  EXPECT_EQ(list({.expiring_by = later + std::chrono::hours(24 * 30)}), (V{"02"}));
  EXPECT_EQ(list({.expiring_by = later + std::chrono::hours(24 * 100)}), (V{"02", "01", "04"}));
  EXPECT_EQ(list({.account = b.id, .status = CertificateStatus::Valid}), V{});
  EXPECT_EQ(list({.limit = 2}), (V{"05", "02"}));
  const auto revoked =
      sync(store->certificates({.status = CertificateStatus::Revoked, .now = later}));
  ASSERT_EQ(revoked->size(), 1u);
  EXPECT_EQ((*revoked)[0].revocation_reason, 4);
  EXPECT_EQ((*revoked)[0].revoked_at, kNow);
}

TEST_P(CertificateStoreTest, CertificatesAreFoundByNameOrUnder) {
  five_certificates();
  auto c = account("k3");
  issued(c, {"*.three.example"}, "06");
  issued(c, {"notwo.example", "www.three.example.org"}, "07");
  const auto under = [&](std::string name) {
    return serials(sync(store->certificates({.dns_name_or_under = std::move(name), .now = kNow})));
  };
  using V = std::vector<std::string>;
  EXPECT_EQ(under("two.example"), (V{"05", "02", "01", "03", "04"}));
  EXPECT_EQ(under("sub.two.example"), (V{"04"}));
  EXPECT_EQ(under("three.example"), (V{"06"}));      // *.three.example is under it
  EXPECT_EQ(under("www.three.example"), (V{"06"}));  // and covers this
  EXPECT_EQ(under("wo.example"), V{});               // whole labels only
  EXPECT_EQ(under("deep.sub.two.example"), V{});
  EXPECT_EQ(under("example").size(), 7u);
  EXPECT_EQ(under("org"), (V{"07"}));
  // With the other filters.
  EXPECT_EQ(serials(sync(store->certificates(
                {.dns_name_or_under = "two.example", .status = CertificateStatus::Revoked}))),
            (V{"03"}));
}

TEST_P(CertificateStoreTest, CertificatesAreCountedByStatusAndDay) {
  const auto day = std::chrono::hours(24);
  auto empty = sync(store->certificate_summary({.now = kNow, .issued_days = 2}));
  ASSERT_TRUE(empty) << empty.error().detail;
  EXPECT_EQ(empty->valid + empty->expiring + empty->expired + empty->revoked, 0);
  EXPECT_EQ(empty->issued_per_day, (std::vector<std::int64_t>{0, 0}));
  EXPECT_TRUE(empty->expiring_per_day.empty());

  five_certificates();  // all issued at kNow
  const auto later = kNow + 2 * day;
  auto s = sync(store->certificate_summary({.now = later,
                                            .expiring_by = later + 30 * day,
                                            .issued_from = kNow - 2 * day,
                                            .issued_days = 3,
                                            .expiring_from = kNow,
                                            .expiring_days = 11}));
  ASSERT_TRUE(s) << s.error().detail;
  EXPECT_EQ(s->valid, 3);     // 01, 02, 04
  EXPECT_EQ(s->expiring, 1);  // 02, in 10 days
  EXPECT_EQ(s->expired, 1);   // 05
  EXPECT_EQ(s->revoked, 1);   // 03
  EXPECT_EQ(s->issued_per_day, (std::vector<std::int64_t>{0, 0, 5}));
  // 05 expired on day 1, before `later`: only what is still to expire is counted.
  std::vector<std::int64_t> expiring(11, 0);
  expiring[10] = 1;
  EXPECT_EQ(s->expiring_per_day, expiring);
}

TEST_P(CertificateStoreTest, AccountsAndOrdersAreListed) {
  auto a = account("k1");
  auto b = account("k2");
  issued(a, {"one.example"}, "01");
  auto pending = order(b, {"two.example"});
  auto accounts = sync(store->accounts(10));
  ASSERT_TRUE(accounts);
  ASSERT_EQ(accounts->size(), 2u);
  EXPECT_EQ(sync(store->accounts(1))->size(), 1u);

  const auto ids = [&](OrderQuery q) {
    std::vector<std::string> out;
    auto found = sync(store->orders(q));  // kept: the loop must not outlive it
    for (const auto& o : found.value()) out.push_back(o.id.value);
    return out;
  };
  EXPECT_EQ(ids({.account = b.id}), std::vector<std::string>{pending.id.value});
  EXPECT_EQ(ids({.stored_statuses = {OrderStatus::Pending}}),
            std::vector<std::string>{pending.id.value});
  EXPECT_EQ(ids({.stored_statuses = {OrderStatus::Ready, OrderStatus::Invalid}}),
            std::vector<std::string>{});
  EXPECT_EQ(ids({}).size(), 2u);
  EXPECT_EQ(ids({.limit = 1}).size(), 1u);
  auto valid = sync(store->orders({.account = a.id}));
  ASSERT_EQ(valid->size(), 1u);
  EXPECT_EQ((*valid)[0].status, OrderStatus::Valid);
  EXPECT_EQ((*valid)[0].certificate_serial, "01");
}

}  // namespace
}  // namespace signet::storage
