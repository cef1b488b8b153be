#include "config/config.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>

namespace signet::config {
namespace {

// Every file write() made, removed when the test program ends, whatever the tests did.
struct WrittenFiles {
  std::vector<std::filesystem::path> paths;
  ~WrittenFiles() {
    for (const auto& p : paths) {
      std::error_code ec;
      std::filesystem::remove(p, ec);
    }
  }
};

std::filesystem::path write(const std::string& text) {
  static WrittenFiles written;
  auto p = std::filesystem::temp_directory_path() /
           ("signet-config-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name() + ".toml");
  std::ofstream(p) << text;
  written.paths.push_back(p);
  return p;
}

TEST(Config, DefaultsAreValid) {
  EXPECT_TRUE(validate(Config{}));
}

TEST(Config, LoadsKnownKeys) {
  auto p = write(R"(
[server]
listen = "127.0.0.1:0"
data_dir = "/tmp/x"
[validation]
http01_port = 5002
dns_resolvers = ["127.0.0.1:8053"]
allow = ["127.0.0.0/8"]
[orders]
lifetime_hours = 2
[certificates]
validity_days = 30
)");
  auto c = load_file(p);
  ASSERT_TRUE(c) << c.error().detail;
  EXPECT_EQ(c->listen, "127.0.0.1:0");
  EXPECT_EQ(c->http01_port, 5002);
  EXPECT_EQ(c->dns_resolvers, std::vector<std::string>{"127.0.0.1:8053"});
  EXPECT_EQ(c->order_lifetime, std::chrono::hours(2));
  EXPECT_EQ(c->default_validity, std::chrono::hours(24 * 30));
  EXPECT_TRUE(validate(*c));
  std::filesystem::remove(p);
}

TEST(Config, RefusesUnknownKeysAndBadValues) {
  auto p = write("[server]\nlisten = \"x\"\nlistne = 1\n[bogus]\n");
  auto c = load_file(p);
  ASSERT_FALSE(c);
  EXPECT_NE(c.error().detail.find("listne"), std::string::npos);
  EXPECT_NE(c.error().detail.find("bogus"), std::string::npos);
  std::filesystem::remove(p);

  auto huge = write("[certificates]\nvalidity_days = 99999999999\n");
  EXPECT_FALSE(load_file(huge));
  std::filesystem::remove(huge);

  Config bad;
  bad.validation_allow = {"10.0.0.0/40"};
  EXPECT_FALSE(validate(bad));
  bad = Config{};
  bad.listen = "nohost";
  EXPECT_FALSE(validate(bad));
  bad = Config{};
  bad.dns_resolvers = {"resolver:53"};
  EXPECT_FALSE(validate(bad));
}

TEST(Config, LoadsRemotePerspectives) {
  auto p = write(R"(
[validation]
remote_timeout_seconds = 4
max_remote_failures = 0
[[validation.perspectives]]
name = "eu-1"
url = "https://127.0.0.1:14101"
region = "eu-west"
[[validation.perspectives]]
name = "us-1"
url = "https://vantage-us.internal:14100"
)");
  auto c = load_file(p);
  ASSERT_TRUE(c) << c.error().detail;
  ASSERT_EQ(c->perspectives.size(), 2u);
  EXPECT_EQ(c->perspectives[0].name, "eu-1");
  EXPECT_EQ(c->perspectives[0].region, "eu-west");
  EXPECT_EQ(c->perspectives[1].url, "https://vantage-us.internal:14100");
  EXPECT_EQ(c->remote_timeout, std::chrono::seconds(4));
  EXPECT_EQ(c->max_remote_failures, 0u);
  EXPECT_TRUE(validate(*c));
  std::filesystem::remove(p);

  auto typo = write(R"(
[[validation.perspectives]]
name = "a"
url = "https://x"
regoin = "r"
)");
  auto t = load_file(typo);
  ASSERT_FALSE(t);
  EXPECT_NE(t.error().detail.find("unknown key \"regoin\" in [validation.perspectives]"),
            std::string::npos)
      << t.error().detail;
  std::filesystem::remove(typo);

  for (auto [name, url] : std::vector<std::pair<std::string, std::string>>{
           {"primary", "https://x"}, {"", "https://x"}, {"a b", "https://x"}, {"a", "http://x"}}) {
    Config bad;
    bad.perspectives = {{name, url, ""}};
    EXPECT_FALSE(validate(bad)) << name << " " << url;
  }
  Config twice;
  twice.perspectives = {{"a", "https://x", ""}, {"a", "https://y", ""}};
  EXPECT_FALSE(validate(twice));
  Config too_many;
  too_many.perspectives = {{"a", "https://x", ""}};
  too_many.max_remote_failures = 2;
  EXPECT_FALSE(validate(too_many));
}

TEST(Config, SplitsHostAndPort) {
  EXPECT_EQ(split_host_port("[::1]:53")->first, "::1");
  EXPECT_EQ(split_host_port("127.0.0.1:8053")->second, 8053);
  EXPECT_FALSE(split_host_port("127.0.0.1"));
  EXPECT_FALSE(split_host_port("127.0.0.1:99999"));
}

}  // namespace
}  // namespace signet::config

namespace signet::config {
namespace {

TEST(Config, ShippedExampleLoadsAndEqualsDefaults) {
  auto c = load_file(std::filesystem::path(SIGNET_SOURCE_DIR) / "config" / "signet.example.toml");
  ASSERT_TRUE(c) << c.error().detail;
  const Config d;
  EXPECT_EQ(c->listen, d.listen);
  EXPECT_EQ(c->order_lifetime, d.order_lifetime);
  EXPECT_EQ(c->max_validity, d.max_validity);
  EXPECT_EQ(c->validation_max_pending, d.validation_max_pending);
  EXPECT_EQ(c->remote_timeout, d.remote_timeout);
  EXPECT_EQ(c->handshake_timeout, d.handshake_timeout);
  EXPECT_EQ(c->header_timeout, d.header_timeout);
  EXPECT_EQ(c->read_timeout, d.read_timeout);
  EXPECT_EQ(c->idle_timeout, d.idle_timeout);
  EXPECT_EQ(c->max_connections, d.max_connections);
  EXPECT_EQ(c->max_connections_per_address, d.max_connections_per_address);
  EXPECT_TRUE(c->perspectives.empty());
  EXPECT_EQ(c->default_profile, d.default_profile);
  ASSERT_EQ(c->profiles.size(), d.profiles.size());
  for (const auto& want : d.profiles) {
    const auto got = std::find_if(c->profiles.begin(), c->profiles.end(),
                                  [&](const ProfileConfig& p) { return p.name == want.name; });
    ASSERT_NE(got, c->profiles.end()) << want.name;
    EXPECT_EQ(profile_validity(*c, *got), profile_validity(d, want)) << want.name;
    EXPECT_EQ(got->extended_key_usage, want.extended_key_usage) << want.name;
    EXPECT_EQ(got->key_usage, want.key_usage) << want.name;
    EXPECT_EQ(got->authorization_reuse, want.authorization_reuse) << want.name;
    EXPECT_EQ(got->revocation_pointers, want.revocation_pointers) << want.name;
  }
  EXPECT_EQ(c->external_account_required, d.external_account_required);
  EXPECT_EQ(c->storage_backend, d.storage_backend);
  EXPECT_EQ(c->storage_connections, d.storage_connections);
  EXPECT_EQ(c->storage_statement_timeout, d.storage_statement_timeout);
  EXPECT_TRUE(validate(*c));
}

TEST(Config, LoadsStorage) {
  Config d;
  EXPECT_EQ(d.storage_backend, "sqlite");
  auto c = load_file(write(R"(
[storage]
backend = "postgresql"
url = "postgresql://signet@db.example/signet"
connections = 4
statement_timeout_seconds = 3
)"));
  ASSERT_TRUE(c) << c.error().detail;
  EXPECT_EQ(c->storage_backend, "postgresql");
  EXPECT_EQ(c->storage_url, "postgresql://signet@db.example/signet");
  EXPECT_EQ(c->storage_connections, 4u);
  EXPECT_EQ(c->storage_statement_timeout, std::chrono::seconds(3));
  EXPECT_TRUE(validate(*c));
  const auto refused = [](const std::string& text, const std::string& says) {
    auto cfg = load_file(write(text));
    const auto st = cfg ? validate(*cfg) : core::Status(cfg.error());
    ASSERT_FALSE(st) << text;
    EXPECT_NE(st.error().detail.find(says), std::string::npos) << st.error().detail;
  };
  refused("[storage]\nbackend = \"mysql\"\n", "\"mysql\" is not one Signet knows");
  refused("[storage]\nbackend = \"postgresql\"\n", "needs a url");
  refused("[storage]\nbackend = \"postgresql\"\nurl = \"mysql://x\"\n",
          "must start with postgresql://");
  refused("[storage]\nurl = \"postgresql://x/y\"\n", "url is for backend");
  refused("[storage]\nconnections = 0\n", "connections");
  refused("[storage]\npool = 4\n", "unknown key \"pool\"");
  Config other;
  other.storage_url = "postgresql://x/y";
  EXPECT_EQ(restart_only_changes(Config{}, other), std::vector<std::string>{"storage.url"});
}

TEST(Config, ProfilesReplaceTheEmbeddedSet) {
  auto p = write(R"(
[certificates]
validity_days = 30
default_profile = "internal"
[profiles.internal]
description = "Internal servers"
max_validity_days = 60
identifier_types = ["dns"]
max_identifiers = 5
key_types = ["p256"]
accounts = ["a1"]
eab_keys = ["team-a"]
authorization_reuse_hours = 0
[profiles.device]
validity_hours = 12
extended_key_usage = ["clientAuth"]
common_name = false
)");
  auto c = load_file(p);
  ASSERT_TRUE(c) << c.error().detail;
  ASSERT_EQ(c->profiles.size(), 2u);
  ASSERT_TRUE(validate(*c)) << validate(*c).error().detail;
  const auto& device = c->profiles[0].name == "device" ? c->profiles[0] : c->profiles[1];
  const auto& internal = c->profiles[0].name == "device" ? c->profiles[1] : c->profiles[0];
  EXPECT_EQ(internal.description, "Internal servers");
  EXPECT_EQ(profile_validity(*c, internal),
            std::pair(std::chrono::seconds(std::chrono::hours(24 * 30)),
                      std::chrono::seconds(std::chrono::hours(24 * 60))));
  EXPECT_EQ(internal.identifier_types, std::vector<std::string>{"dns"});
  EXPECT_EQ(internal.max_identifiers, 5u);
  EXPECT_EQ(internal.authorization_reuse, std::chrono::seconds(0));
  EXPECT_EQ(internal.eab_keys, std::vector<std::string>{"team-a"});
  // A profile that sets its validity and no maximum may not be asked for longer.
  EXPECT_EQ(profile_validity(*c, device),
            std::pair(std::chrono::seconds(std::chrono::hours(12)),
                      std::chrono::seconds(std::chrono::hours(12))));
  EXPECT_FALSE(device.common_name);
}

TEST(Config, RefusesBadProfiles) {
  for (const char* text : {
           "[profiles.a]\nvalidity_days = 1\nvalidity_hours = 2\n",
           "[profiles.tlsserver]\ncolour = \"blue\"\n",
           "[profiles]\ntlsserver = 1\n",
           "[profiles.tlsserver]\nvalidity_days = 0\n",
       }) {
    auto c = load_file(write(text));
    EXPECT_FALSE(c) << text;
  }
  // Loads, but names no usable set.
  for (const char* text : {
           "[profiles.other]\n",                                         // default is gone
           "[profiles.tlsserver]\nvalidity_days = 30\nmax_validity_days = 10\n",
           "[profiles.\"bad name\"]\n[certificates]\ndefault_profile = \"bad name\"\n",
       }) {
    auto c = load_file(write(text));
    ASSERT_TRUE(c) << text << c.error().detail;
    EXPECT_FALSE(validate(*c)) << text;
  }
}

TEST(Config, LoadsCrlPublication) {
  auto c = load_file(write(R"(
[server]
http_listen = "127.0.0.1:0"
http_url = "http://pki.example"
[crl]
shards = 4
validity_hours = 48
regenerate_minutes = 30
[ocsp]
validity_hours = 12
signed_by = "issuer"
[log]
level = "warn"
format = "json"
file = "/var/log/signet.log"
)"));
  ASSERT_TRUE(c) << c.error().detail;
  EXPECT_EQ(c->ocsp_validity, std::chrono::hours(12));
  EXPECT_TRUE(ocsp_signed_by_issuer(*c));
  EXPECT_EQ(c->log_level, "warn");
  EXPECT_EQ(c->log_format, "json");
  EXPECT_EQ(c->log_file, "/var/log/signet.log");
  EXPECT_EQ(c->http_listen, "127.0.0.1:0");
  EXPECT_EQ(c->http_url, "http://pki.example");
  EXPECT_EQ(c->crl_shards, 4u);
  EXPECT_EQ(c->crl_validity, std::chrono::hours(48));
  EXPECT_EQ(c->crl_regenerate, std::chrono::minutes(30));
  EXPECT_TRUE(validate(*c));
  Config d;
  EXPECT_EQ(d.http_listen, "127.0.0.1:14080");
  d.http_listen = "";  // none
  EXPECT_TRUE(validate(d));
  for (auto bad : {+[](Config& x) { x.http_url = "https://pki.example"; },
                   +[](Config& x) { x.http_url = "http://pki.example/"; },
                   +[](Config& x) { x.http_listen = "pki.example:80"; },
                   +[](Config& x) { x.crl_validity = std::chrono::hours(241); },
                   +[](Config& x) { x.crl_regenerate = std::chrono::hours(13); },
                   +[](Config& x) { x.ocsp_validity = std::chrono::minutes(59); },
                   +[](Config& x) { x.ocsp_validity = std::chrono::hours(241); },
                   +[](Config& x) { x.ocsp_signed_by = "root"; },
                   +[](Config& x) { x.log_level = "verbose"; },
                   +[](Config& x) { x.log_format = "xml"; }}) {
    Config x;
    bad(x);
    EXPECT_FALSE(validate(x));
  }
  // Who signs OCSP answers by default: the delegated responder, unless the issuer's key
  // is in a token.
  EXPECT_FALSE(ocsp_signed_by_issuer(d));
  d.ca_key = "pkcs11:token=signet;object=intermediate";
  EXPECT_TRUE(ocsp_signed_by_issuer(d));
  d.ocsp_signed_by = "responder";
  EXPECT_FALSE(ocsp_signed_by_issuer(d));
  EXPECT_FALSE(load_file(write("[crl]\nshards = 0\n")));
  EXPECT_FALSE(load_file(write("[crl]\ncolour = 1\n")));
}

TEST(Config, LoadsAdminListener) {
  Config d;
  EXPECT_EQ(d.admin_listen, "127.0.0.1:14090");
  EXPECT_EQ(d.admin_client_ca, "");
  auto c = load_file(write(R"(
[server]
admin_listen = "[::1]:0"
admin_client_ca = "/etc/signet/admin-ca.pem"
)"));
  ASSERT_TRUE(c) << c.error().detail;
  EXPECT_EQ(c->admin_listen, "[::1]:0");
  EXPECT_EQ(c->admin_client_ca, "/etc/signet/admin-ca.pem");
  EXPECT_TRUE(validate(*c));
  d.admin_listen = "";  // none
  EXPECT_TRUE(validate(d));
  d.admin_listen = "metrics.example:9090";
  EXPECT_FALSE(validate(d));
  Config other;
  other.admin_listen = "127.0.0.1:9999";
  EXPECT_EQ(restart_only_changes(Config{}, other), std::vector<std::string>{"server.admin_listen"});
  EXPECT_FALSE(load_file(write("[server]\nadmin_listen = 9090\n")));  // not a string
}

// Several nodes on one database: each node's name, the lease on its work, shared nonces.
TEST(Config, LoadsNodeSettings) {
  Config d;
  EXPECT_EQ(d.node_name, "");
  EXPECT_EQ(d.lease, std::chrono::seconds(60));
  EXPECT_EQ(d.nonces, "");
  auto c = load_file(write(R"(
[server]
node_name = "acme-2"
lease_seconds = 20
nonces = "shared"
)"));
  ASSERT_TRUE(c) << c.error().detail;
  EXPECT_EQ(c->node_name, "acme-2");
  EXPECT_EQ(c->lease, std::chrono::seconds(20));
  EXPECT_EQ(c->nonces, "shared");
  EXPECT_TRUE(validate(*c));
  c->nonces = "local";
  EXPECT_TRUE(validate(*c));
  c->nonces = "everywhere";
  EXPECT_FALSE(validate(*c));
  c->nonces = "";
  c->node_name = "a/b";  // "/" separates the node from its run
  EXPECT_FALSE(validate(*c));
  c->node_name = "acme-2";
  c->lease = std::chrono::seconds(2);
  EXPECT_FALSE(validate(*c));
  EXPECT_FALSE(load_file(write("[server]\nlease_seconds = 0\n")));
  Config other;
  other.nonces = "shared";
  EXPECT_EQ(restart_only_changes(Config{}, other), std::vector<std::string>{"server.nonces"});
}

TEST(Config, LoadsAcmeSection) {
  EXPECT_FALSE(Config{}.external_account_required);
  auto p = write("[acme]\nexternal_account_required = true\n");
  auto c = load_file(p);
  ASSERT_TRUE(c) << c.error().detail;
  EXPECT_TRUE(c->external_account_required);
  std::filesystem::remove(p);

  auto typo = write("[acme]\nexternal_account_requird = true\n");
  auto t = load_file(typo);
  ASSERT_FALSE(t);
  EXPECT_NE(t.error().detail.find("unknown key \"external_account_requird\" in [acme]"),
            std::string::npos)
      << t.error().detail;
  std::filesystem::remove(typo);

  auto wrong = write("[acme]\nexternal_account_required = \"yes\"\n");
  auto w = load_file(wrong);
  ASSERT_FALSE(w);
  EXPECT_NE(w.error().detail.find("[acme] external_account_required has the wrong type"),
            std::string::npos)
      << w.error().detail;
  std::filesystem::remove(wrong);
}

TEST(Config, LoadsPolicyKeysAndRateLimits) {
  auto p = write(R"(
[policy]
allowed_domains = ["corp.example"]
denied_domains = ["secret.corp.example"]
allow_wildcards = false
allowed_ip_ranges = ["10.0.0.0/8"]
reserved_names = ["localhost"]
[policy.keys]
account = ["p256"]
certificate = ["rsa3072", "p384"]
blocked_keys_file = "/etc/signet/blocked"
[rate_limits]
new_orders_per_account = "10/1h"
certificates_per_domain = ""
pending_authorizations_per_account = 0
[[rate_limits.overrides]]
account = "acct1"
new_orders_per_account = "1000/1h"
)");
  auto c = load_file(p);
  ASSERT_TRUE(c) << c.error().detail;
  EXPECT_EQ(c->allowed_domains, std::vector<std::string>{"corp.example"});
  EXPECT_EQ(c->denied_domains, std::vector<std::string>{"secret.corp.example"});
  EXPECT_FALSE(c->allow_wildcards);
  EXPECT_EQ(c->allowed_ip_ranges, std::vector<std::string>{"10.0.0.0/8"});
  EXPECT_EQ(c->account_keys, std::vector<std::string>{"p256"});
  EXPECT_EQ(c->certificate_keys, (std::vector<std::string>{"rsa3072", "p384"}));
  EXPECT_EQ(c->blocked_keys_file, "/etc/signet/blocked");
  EXPECT_EQ(c->rate_limits.new_orders_per_account, "10/1h");
  EXPECT_EQ(c->rate_limits.certificates_per_domain, "");
  EXPECT_EQ(c->rate_limits.pending_authorizations_per_account, 0u);
  EXPECT_EQ(c->rate_limits.failed_validations_per_account_name, "5/1h");  // default kept
  ASSERT_EQ(c->rate_limit_overrides.size(), 1u);
  EXPECT_EQ(c->rate_limit_overrides[0].account, "acct1");
  EXPECT_EQ(c->rate_limit_overrides[0].limits.new_orders_per_account, "1000/1h");
  // What the override does not name comes from [rate_limits].
  EXPECT_EQ(c->rate_limit_overrides[0].limits.certificates_per_domain, "");
  EXPECT_TRUE(validate(*c));
  std::filesystem::remove(p);
}

TEST(Config, RefusesUnknownPolicyKeysAndBadRanges) {
  auto p = write(R"([policy.keys]
accont = ["p256"]
[rate_limits]
new_orders = "1/1h"
)");
  auto c = load_file(p);
  ASSERT_FALSE(c);
  EXPECT_NE(c.error().detail.find("accont"), std::string::npos);
  EXPECT_NE(c.error().detail.find("new_orders"), std::string::npos);
  std::filesystem::remove(p);

  auto o = write(R"([[rate_limits.overrides]]
new_orders_per_account = "1/1h"
)");
  auto oc = load_file(o);
  ASSERT_FALSE(oc);
  EXPECT_NE(oc.error().detail.find("needs an account"), std::string::npos);
  std::filesystem::remove(o);

  Config bad;
  bad.allowed_ip_ranges = {"10.0.0.0/33"};
  EXPECT_FALSE(validate(bad));
}

TEST(Config, LoadsConnectionLimits) {
  const Config d;
  EXPECT_EQ(d.handshake_timeout, std::chrono::seconds(10));
  EXPECT_EQ(d.header_timeout, std::chrono::seconds(10));
  EXPECT_FALSE(d.max_connections_per_address);  // each command has its own default
  auto p = write(R"([limits]
handshake_timeout_seconds = 3
header_timeout_seconds = 2
read_timeout_seconds = 7
idle_timeout_seconds = 30
max_connections = 200
max_connections_per_address = 50
)");
  auto c = load_file(p);
  ASSERT_TRUE(c) << c.error().detail;
  EXPECT_EQ(c->handshake_timeout, std::chrono::seconds(3));
  EXPECT_EQ(c->header_timeout, std::chrono::seconds(2));
  EXPECT_EQ(c->read_timeout, std::chrono::seconds(7));
  EXPECT_EQ(c->idle_timeout, std::chrono::seconds(30));
  EXPECT_EQ(c->max_connections, 200u);
  ASSERT_TRUE(c->max_connections_per_address);
  EXPECT_EQ(*c->max_connections_per_address, 50u);
  std::filesystem::remove(p);

  auto off = write("[limits]\nmax_connections_per_address = 0\n");
  auto co = load_file(off);
  ASSERT_TRUE(co) << co.error().detail;
  ASSERT_TRUE(co->max_connections_per_address);
  EXPECT_EQ(*co->max_connections_per_address, 0u);
  std::filesystem::remove(off);

  for (const char* text :
       {"[limits]\nheader_timeout_seconds = 0\n", "[limits]\nhandshake_timeout_seconds = -1\n",
        "[limits]\nmax_connections_per_address = -1\n", "[limits]\nheader_timeout = 5\n"}) {
    auto bad = write(text);
    auto cb = load_file(bad);
    EXPECT_FALSE(cb) << text;
    std::filesystem::remove(bad);
  }

  Config a, b;
  b.header_timeout = std::chrono::seconds(2);
  b.max_connections_per_address = 0;
  EXPECT_EQ(restart_only_changes(a, b),
            (std::vector<std::string>{"limits.header_timeout_seconds",
                                      "limits.max_connections_per_address"}));
}

TEST(Config, LoadsCaKeyInAToken) {
  auto c = load_file(write(R"(
[ca]
key = "pkcs11:token=signet;object=intermediate"
pkcs11_module = "/usr/lib/softhsm/libsofthsm2.so"
pin_file = "/etc/signet/pin"
)"));
  ASSERT_TRUE(c) << c.error().detail;
  EXPECT_EQ(c->ca_key, "pkcs11:token=signet;object=intermediate");
  EXPECT_EQ(c->ca_pkcs11_module, "/usr/lib/softhsm/libsofthsm2.so");
  EXPECT_EQ(c->ca_pin_file, "/etc/signet/pin");
  EXPECT_TRUE(c->ca_pin_env.empty());
  EXPECT_TRUE(validate(*c));
  Config d;
  EXPECT_EQ(restart_only_changes(d, *c), std::vector<std::string>{"ca.key"});
}

TEST(Config, RefusesAPinInTheFileAndIncompleteCaKeys) {
  auto pin = load_file(write(R"(
[ca]
key = "pkcs11:token=signet;object=intermediate"
pkcs11_module = "/usr/lib/softhsm/libsofthsm2.so"
pin = "1234"
)"));
  ASSERT_FALSE(pin);
  EXPECT_NE(pin.error().detail.find("[ca] pin: a PIN never goes in the configuration file"),
            std::string::npos)
      << pin.error().detail;

  const auto refused = [](void (*edit)(Config&), const std::string& why) {
    Config c;
    c.ca_key = "pkcs11:token=signet;object=intermediate";
    c.ca_pkcs11_module = "/usr/lib/softhsm/libsofthsm2.so";
    c.ca_pin_env = "SIGNET_PIN";
    edit(c);
    auto st = validate(c);
    ASSERT_FALSE(st) << why;
    EXPECT_NE(st.error().detail.find(why), std::string::npos) << st.error().detail;
  };
  refused([](Config& c) { c.ca_pkcs11_module.clear(); }, "set [ca] pkcs11_module");
  refused([](Config& c) { c.ca_pin_env.clear(); }, "set one of [ca] pin_file");
  refused([](Config& c) { c.ca_pin_file = "/etc/signet/pin"; }, "set one of [ca] pin_file");
  refused([](Config& c) { c.ca_key = "/etc/signet/key.pem"; }, "must be a PKCS#11 URI");
  refused([](Config& c) { c.ca_key.clear(); }, "go with [ca] key, which is not set");
}

TEST(Config, NamesTheKeysThatNeedARestart) {
  Config a, b;
  b.listen = "127.0.0.1:1";
  b.allowed_domains = {"corp.example"};
  b.rate_limits.new_orders_per_account = "1/1h";
  b.website = "https://pki.example";
  b.external_account_required = true;  // applies to new requests at reload
  EXPECT_EQ(restart_only_changes(a, b), std::vector<std::string>{"server.listen"});
}

}  // namespace
}  // namespace signet::config

namespace signet::config {
namespace {

TEST(ConfigTesting, LoadsEveryKnob) {
  auto p = write(R"(
[testing]
enabled = true
resolve_all_to = "127.0.0.1"
always_valid = true
nonce_reject_percent = 50
validation_delay = "0s-3s"
reuse_authorizations = false
inject = [{ resource = "finalize", problem = "rateLimited", status = 429, percent = 10, retry_after = 2 },
          { resource = "newOrder", problem = "serverInternal" }]
)");
  auto c = load_file(p);
  ASSERT_TRUE(c) << c.error().detail;
  ASSERT_TRUE(validate(*c)) << validate(*c).error().detail;
  const Testing& t = c->testing;
  EXPECT_TRUE(t.enabled);
  EXPECT_EQ(t.resolve_all_to, "127.0.0.1");
  EXPECT_TRUE(t.always_valid);
  EXPECT_EQ(t.nonce_reject_percent, 50u);
  EXPECT_EQ(t.validation_delay, "0s-3s");
  EXPECT_FALSE(t.reuse_authorizations);
  ASSERT_EQ(t.inject.size(), 2u);
  EXPECT_EQ(t.inject[0], (InjectRule{"finalize", "rateLimited", 429, 10, std::chrono::seconds(2)}));
  // Unset: the type's own status, every request, no Retry-After.
  EXPECT_EQ(t.inject[1], (InjectRule{"newOrder", "serverInternal", 0, 100, std::nullopt}));
  EXPECT_EQ(t.knobs_set.size(), 6u);
  std::filesystem::remove(p);
}

TEST(ConfigTesting, KnobsWithoutEnabledAreAnError) {
  for (const char* text : {"[testing]\nalways_valid = true\n",
                           "[testing]\nenabled = false\nresolve_all_to = \"127.0.0.1\"\n",
                           // Set to its default value: still a knob the file asks for.
                           "[testing]\nreuse_authorizations = true\n"}) {
    auto p = write(text);
    auto c = load_file(p);
    ASSERT_TRUE(c) << c.error().detail;  // read; refused by validate
    const auto st = validate(*c);
    ASSERT_FALSE(st) << text;
    EXPECT_NE(st.error().detail.find("not enabled"), std::string::npos) << st.error().detail;
    EXPECT_NE(st.error().detail.find("--testing"), std::string::npos) << st.error().detail;
    // --testing (or enabled = true) is what makes them valid.
    c->testing.enabled = true;
    EXPECT_TRUE(validate(*c)) << text;
    std::filesystem::remove(p);
  }
  // enabled alone is fine, and so is an empty section.
  for (const char* text : {"[testing]\nenabled = false\n", "[testing]\n"}) {
    auto p = write(text);
    auto c = load_file(p);
    ASSERT_TRUE(c) << c.error().detail;
    EXPECT_TRUE(validate(*c)) << text;
    std::filesystem::remove(p);
  }
}

TEST(ConfigTesting, RefusesBadValues) {
  const std::pair<const char*, const char*> cases[] = {
      {"resolve_all_to = \"localhost\"", "not an IP address"},
      {"nonce_reject_percent = 101", "0-100"},
      {"nonce_reject_percent = -1", "0-100"},
      {"validation_delay = \"3s-1s\"", "starts after it ends"},
      {"validation_delay = \"3\"", "is not a delay"},
      {"validation_delay = \"0s-2m\"", "is not a delay"},
      {"validation_delay = \"0s-61s\"", "too long"},
      {"inject = [{ resource = \"finalize\", problem = \"slowDown\" }]",
       "not an ACME problem type"},
      {"inject = [{ resource = \"finalize\", problem = \"malformed\", status = 302 }]", "400-599"},
      {"inject = [{ resource = \"finalize\", problem = \"malformed\", percent = 200 }]", "0-100"},
      {"inject = [{ resource = \"finalize\", problem = \"rateLimited\" }]", "needs retry_after"},
      {"inject = [{ resource = \"finalize\", problem = \"rateLimited\", retry_after = -1 }]",
       "0-86400"},
      {"inject = [{ problem = \"malformed\" }]", "needs a resource"},
      {"inject = [{ resource = \"finalize\", problem = \"malformed\", colour = 1 }]",
       "unknown key \"colour\""},
      {"inject = \"finalize\"", "array of tables"},
      {"always_valid = \"yes\"", "wrong type"},
      {"resolve_everything = true", "unknown key"},
  };
  for (const auto& [line, want] : cases) {
    auto p = write(std::string("[testing]\nenabled = true\n") + line + "\n");
    auto c = load_file(p);
    const std::string detail =
        c ? (validate(*c) ? std::string("valid") : validate(*c).error().detail) : c.error().detail;
    EXPECT_NE(detail.find(want), std::string::npos) << line << ": " << detail;
    std::filesystem::remove(p);
  }
}

TEST(ConfigTesting, ParsesDelayRanges) {
  using std::chrono::milliseconds;
  auto r = parse_delay_range("0s-3s");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->min, milliseconds(0));
  EXPECT_EQ(r->max, milliseconds(3000));
  r = parse_delay_range("250ms-1s");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->min, milliseconds(250));
  EXPECT_EQ(r->max, milliseconds(1000));
  r = parse_delay_range("2s");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->min, milliseconds(2000));
  EXPECT_EQ(r->max, milliseconds(2000));
  ASSERT_TRUE(parse_delay_range("60s"));
  for (const char* bad : {"", "-", "1s-", "-1s", "1s-2s-3s", "1.5s", "s", "ms", "1 s", "1h",
                          "99999999999s", "2s-1s", "61s", "0s-60001ms"}) {
    EXPECT_FALSE(parse_delay_range(bad)) << bad;
  }
}

TEST(ConfigTesting, EnabledTakesEffectOnlyAtRestart) {
  Config a, b;
  b.testing.enabled = true;
  b.testing.always_valid = true;  // a knob: applied at reload
  EXPECT_EQ(restart_only_changes(a, b), std::vector<std::string>{"testing.enabled"});
}

}  // namespace
}  // namespace signet::config
