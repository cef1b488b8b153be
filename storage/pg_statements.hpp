#pragma once
// Every SQL statement Signet runs on PostgreSQL, in one place: the schema migrations
// (the same versions as statements.hpp's) and PostgreSQL's spelling of each statement
// of statements.hpp, keyed by it (storage/verbs.hpp names statements by their SQLite
// constant). Integers are BIGINT, blobs BYTEA; parameters whose type nothing else
// fixes are cast.
//
// Several nodes write at once, where SQLite has one writer: a statement whose read
// must see every write committed before it (the audit log's head, a rate-limit
// bucket, an authorization about to start a challenge) runs after a lock statement,
// in a statement of its own, so that its snapshot is taken once the lock is held.
#include "storage/statements.hpp"

namespace signet::storage::pgsql {

// The schema's version: one row. Migrations run under an advisory lock, so nodes
// starting together migrate once.
inline constexpr const char* kCreateSchemaVersion =
    "CREATE TABLE IF NOT EXISTS schema_version (version BIGINT NOT NULL); "
    "INSERT INTO schema_version (version) SELECT 0 "
    "WHERE NOT EXISTS (SELECT 1 FROM schema_version)";
inline constexpr const char* kLockMigrations = "SELECT pg_advisory_xact_lock(19360, 2)";
inline constexpr const char* kSchemaVersion = "SELECT version FROM schema_version";
// Followed by the version.
inline constexpr const char* kSetSchemaVersion = "UPDATE schema_version SET version = ";

// --- schema migrations; index i brings the schema from version i to i + 1 -------------
// (statements.hpp says what each version adds.)
inline constexpr const char* kMigrations[] = {
    R"sql(
CREATE TABLE accounts (
  id TEXT PRIMARY KEY,
  jwk TEXT NOT NULL,
  jwk_thumbprint TEXT NOT NULL UNIQUE,
  key_spki_sha256 BYTEA NOT NULL UNIQUE,
  contact TEXT NOT NULL,
  status TEXT NOT NULL,
  tos_agreed BIGINT NOT NULL,
  created_at BIGINT NOT NULL
);
CREATE TABLE orders (
  id TEXT PRIMARY KEY,
  account_id TEXT NOT NULL REFERENCES accounts(id),
  status TEXT NOT NULL,
  expires BIGINT NOT NULL,
  not_before BIGINT,
  not_after BIGINT,
  error_type TEXT,
  error_detail TEXT,
  certificate_serial TEXT,
  created_at BIGINT NOT NULL
);
CREATE INDEX orders_by_account ON orders(account_id, created_at, id);
CREATE TABLE order_identifiers (
  order_id TEXT NOT NULL REFERENCES orders(id),
  position BIGINT NOT NULL,
  type TEXT NOT NULL,
  value TEXT NOT NULL,
  PRIMARY KEY (order_id, position)
);
CREATE TABLE authorizations (
  id TEXT PRIMARY KEY,
  account_id TEXT NOT NULL REFERENCES accounts(id),
  identifier_type TEXT NOT NULL,
  identifier_value TEXT NOT NULL,
  wildcard BIGINT NOT NULL,
  status TEXT NOT NULL,
  expires BIGINT NOT NULL,
  created_at BIGINT NOT NULL
);
CREATE INDEX authz_by_identifier
  ON authorizations(account_id, identifier_type, identifier_value, status);
CREATE TABLE order_authorizations (
  order_id TEXT NOT NULL REFERENCES orders(id),
  authz_id TEXT NOT NULL REFERENCES authorizations(id),
  position BIGINT NOT NULL,
  PRIMARY KEY (order_id, authz_id)
);
CREATE TABLE challenges (
  id TEXT PRIMARY KEY,
  authz_id TEXT NOT NULL REFERENCES authorizations(id),
  position BIGINT NOT NULL,
  type TEXT NOT NULL,
  status TEXT NOT NULL,
  token TEXT NOT NULL,
  validated_at BIGINT,
  error_type TEXT,
  error_detail TEXT
);
CREATE INDEX challenges_by_authz ON challenges(authz_id, position);
CREATE TABLE validation_records (
  challenge_id TEXT NOT NULL REFERENCES challenges(id),
  seq BIGINT NOT NULL,
  perspective TEXT NOT NULL,
  url TEXT NOT NULL,
  hostname TEXT NOT NULL,
  port TEXT NOT NULL,
  addresses_resolved TEXT NOT NULL,
  address_used TEXT NOT NULL,
  PRIMARY KEY (challenge_id, seq)
);
CREATE TABLE serials (
  serial TEXT PRIMARY KEY,
  order_id TEXT NOT NULL,
  reserved_at BIGINT NOT NULL
);
CREATE TABLE certificates (
  serial TEXT PRIMARY KEY REFERENCES serials(serial),
  account_id TEXT NOT NULL REFERENCES accounts(id),
  order_id TEXT NOT NULL REFERENCES orders(id),
  der BYTEA NOT NULL,
  chain_pem TEXT NOT NULL,
  key_spki_sha256 BYTEA NOT NULL,
  identifiers TEXT NOT NULL,
  not_before BIGINT NOT NULL,
  not_after BIGINT NOT NULL,
  issued_at BIGINT NOT NULL,
  revoked_at BIGINT,
  revocation_reason BIGINT
);
CREATE INDEX certificates_by_key ON certificates(key_spki_sha256);
)sql",
    R"sql(
CREATE TABLE validation_perspectives (
  challenge_id TEXT NOT NULL REFERENCES challenges(id),
  seq BIGINT NOT NULL,
  perspective TEXT NOT NULL,
  verdict TEXT NOT NULL,
  error_type TEXT,
  error_detail TEXT,
  PRIMARY KEY (challenge_id, seq)
);
)sql",
    R"sql(
CREATE TABLE infrastructure_certificates (
  serial TEXT PRIMARY KEY,
  issuer TEXT NOT NULL,
  profile TEXT NOT NULL,
  identifiers TEXT NOT NULL,
  key_spki_sha256 BYTEA NOT NULL,
  der BYTEA NOT NULL,
  not_before BIGINT NOT NULL,
  not_after BIGINT NOT NULL,
  issued_at BIGINT NOT NULL
);
)sql",
    R"sql(
CREATE TABLE rate_limit_buckets (
  bucket TEXT PRIMARY KEY,
  tat_ms BIGINT NOT NULL,
  expires_ms BIGINT NOT NULL
);
CREATE INDEX rate_limit_buckets_by_expiry ON rate_limit_buckets(expires_ms);
CREATE INDEX authz_pending_by_account ON authorizations(account_id, expires)
  WHERE status = 'pending';
ALTER TABLE certificates ADD COLUMN identifiers_sha256 BYTEA;
CREATE INDEX certificates_by_identifiers ON certificates(identifiers_sha256);
)sql",
    R"sql(
ALTER TABLE serials ADD COLUMN account_id TEXT;
ALTER TABLE serials ADD COLUMN issuer TEXT;
ALTER TABLE serials ADD COLUMN profile TEXT;
ALTER TABLE serials ADD COLUMN spki BYTEA;
ALTER TABLE serials ADD COLUMN key_spki_sha256 BYTEA;
ALTER TABLE serials ADD COLUMN identifiers TEXT;
ALTER TABLE serials ADD COLUMN not_before BIGINT;
ALTER TABLE serials ADD COLUMN not_after BIGINT;
)sql",
    R"sql(
ALTER TABLE orders ADD COLUMN profile TEXT;
ALTER TABLE certificates ADD COLUMN profile TEXT;
)sql",
    R"sql(
ALTER TABLE certificates ADD COLUMN renew_early_at BIGINT;
ALTER TABLE orders ADD COLUMN replaces TEXT;
CREATE UNIQUE INDEX orders_replacing ON orders(replaces)
  WHERE replaces IS NOT NULL AND status <> 'invalid';
CREATE INDEX certificates_by_account ON certificates(account_id, not_after);
)sql",
    // eab_keys.seq: the order keys were created in (SQLite's rowid).
    R"sql(
CREATE TABLE eab_keys (
  kid TEXT PRIMARY KEY,
  hmac_key BYTEA NOT NULL,
  note TEXT NOT NULL,
  allowed_domains TEXT NOT NULL,
  prevalidated_domains TEXT NOT NULL,
  profiles TEXT NOT NULL,
  max_validity_seconds BIGINT,
  reusable BIGINT NOT NULL,
  accounts BIGINT NOT NULL DEFAULT 0,
  created_at BIGINT NOT NULL,
  revoked_at BIGINT,
  seq BIGSERIAL
);
ALTER TABLE accounts ADD COLUMN eab_kid TEXT REFERENCES eab_keys(kid);
CREATE INDEX accounts_by_eab_kid ON accounts(eab_kid) WHERE eab_kid IS NOT NULL;
ALTER TABLE authorizations ADD COLUMN prevalidated_by TEXT;
)sql",
    R"sql(
ALTER TABLE certificates ADD COLUMN crl_shard BIGINT;
CREATE INDEX certificates_revoked_by_shard ON certificates(crl_shard, not_after)
  WHERE revoked_at IS NOT NULL;
)sql",
    R"sql(
CREATE INDEX orders_purgeable ON orders(expires) WHERE status IN ('pending', 'ready', 'invalid');
CREATE INDEX authz_by_expiry ON authorizations(expires);
CREATE INDEX order_authorizations_by_authz ON order_authorizations(authz_id);
)sql",
    R"sql(
CREATE TABLE audit_log (
  seq BIGINT PRIMARY KEY,
  entry TEXT NOT NULL,
  hash TEXT NOT NULL
);
CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
  BEGIN RAISE EXCEPTION 'the audit log is append-only'; END $$;
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
  FOR EACH ROW EXECUTE FUNCTION audit_log_append_only();
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
  FOR EACH ROW EXECUTE FUNCTION audit_log_append_only();
)sql",
    R"sql(
ALTER TABLE challenges ADD COLUMN lease_owner TEXT;
ALTER TABLE challenges ADD COLUMN lease_until BIGINT;
ALTER TABLE orders ADD COLUMN lease_owner TEXT;
ALTER TABLE orders ADD COLUMN lease_until BIGINT;
CREATE INDEX challenges_processing ON challenges(lease_owner) WHERE status = 'processing';
CREATE INDEX orders_processing ON orders(lease_owner) WHERE status = 'processing';
CREATE TABLE nonce_key (
  id BIGINT PRIMARY KEY CHECK (id = 1),
  key BYTEA NOT NULL
);
CREATE TABLE redeemed_nonces (
  nonce TEXT PRIMARY KEY,
  expires BIGINT NOT NULL
);
CREATE INDEX redeemed_nonces_by_expiry ON redeemed_nonces(expires);
)sql",
    R"sql(
ALTER TABLE certificates ADD COLUMN issuer_id TEXT;
)sql",
};
static_assert(std::size(kMigrations) == std::size(sql::kMigrations),
              "PostgreSQL's schema has SQLite's versions");

// One statement: statements.hpp's (the key), PostgreSQL's text, and the lock statement
// run before it, if any, with the first lock_params of its parameters.
struct Statement {
  const char* key;
  const char* text;
  const char* lock = nullptr;
  int lock_params = 0;
};

// Whose columns every certificate query reads (rows::read_certificate).
#define SIGNET_PG_CERTIFICATE_COLUMNS                                                   \
  "SELECT serial, account_id, order_id, der, chain_pem, key_spki_sha256, identifiers, " \
  "not_before, not_after, issued_at, revoked_at, revocation_reason, profile, renew_early_at "
// Work in flight that run $1 may take over at $2 (statements.hpp: SIGNET_LAPSED).
#define SIGNET_PG_LAPSED(table)                                                           \
  "(" table ".lease_owner IS NULL OR (" table ".lease_owner <> $1::text AND ("            \
  table ".lease_until < $2::bigint OR substr(" table ".lease_owner, 1, length($3::text)) " \
  "= $3::text)))"
// ?1 is one of the identifiers lines (kCurrentCertificatesFor).
#define SIGNET_PG_NAMES_LINE(p) \
  "strpos(chr(10) || identifiers || chr(10), chr(10) || " p "::text || chr(10)) > 0"

inline constexpr const char* kLockAudit = "SELECT pg_advisory_xact_lock(19360, 1)";
inline constexpr const char* kLockBucket = "SELECT pg_advisory_xact_lock(19361, hashtext($1))";
inline constexpr const char* kLockAuthz = "SELECT 1 FROM authorizations WHERE id = $1 FOR UPDATE";

// The statements read as SQL, macros and all:
// clang-format off
inline constexpr Statement kStatements[] = {
    // accounts
    {sql::kInsertAccount,
     "INSERT INTO accounts (id, jwk, jwk_thumbprint, key_spki_sha256, contact, status, "
     "tos_agreed, created_at, eab_kid) VALUES ($1, $2, $3, $4, $5, 'valid', $6, $7, $8)"},
    {sql::kAccountById,
     "SELECT id, jwk, jwk_thumbprint, contact, status, tos_agreed, created_at, eab_kid "
     "FROM accounts WHERE id = $1"},
    {sql::kAccountByThumbprint,
     "SELECT id, jwk, jwk_thumbprint, contact, status, tos_agreed, created_at, eab_kid "
     "FROM accounts WHERE jwk_thumbprint = $1"},
    {sql::kUpdateAccountContact,
     "UPDATE accounts SET contact = $2 WHERE id = $1 AND status = 'valid'"},
    {sql::kDeactivateAccount,
     "UPDATE accounts SET status = 'deactivated' WHERE id = $1 AND status = 'valid'"},
    {sql::kChangeAccountKey,
     "UPDATE accounts SET jwk = $3, jwk_thumbprint = $4, key_spki_sha256 = $5 "
     "WHERE id = $1 AND jwk_thumbprint = $2 AND status = 'valid'"},
    {sql::kIsAccountKey, "SELECT 1 FROM accounts WHERE key_spki_sha256 = $1 LIMIT 1"},
    {sql::kAccounts,
     "SELECT id, jwk, jwk_thumbprint, contact, status, tos_agreed, created_at, eab_kid "
     "FROM accounts ORDER BY created_at, id LIMIT $1"},
    {sql::kAccountsByEabKid, "SELECT id FROM accounts WHERE eab_kid = $1 ORDER BY created_at, id"},
    // external account keys
    {sql::kInsertEabKey,
     "INSERT INTO eab_keys (kid, hmac_key, note, allowed_domains, prevalidated_domains, "
     "profiles, max_validity_seconds, reusable, created_at) "
     "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT DO NOTHING"},
    {sql::kEabKeyByKid,
     "SELECT kid, hmac_key, note, allowed_domains, prevalidated_domains, profiles, "
     "max_validity_seconds, reusable, created_at, revoked_at, accounts FROM eab_keys "
     "WHERE kid = $1"},
    {sql::kEabKeys,
     "SELECT kid, hmac_key, note, allowed_domains, prevalidated_domains, profiles, "
     "max_validity_seconds, reusable, created_at, revoked_at, accounts FROM eab_keys "
     "ORDER BY created_at, seq"},
    {sql::kRevokeEabKey,
     "UPDATE eab_keys SET revoked_at = $2 WHERE kid = $1 AND revoked_at IS NULL"},
    {sql::kBindEabKey,
     "UPDATE eab_keys SET accounts = accounts + 1 WHERE kid = $1 AND revoked_at IS NULL "
     "AND (reusable = 1 OR accounts = 0)"},
    // orders
    {sql::kInsertOrder,
     "INSERT INTO orders (id, account_id, status, expires, not_before, not_after, created_at, "
     "profile, replaces) VALUES ($1, $2, 'pending', $3, $4, $5, $6, $7, $8)"},
    {sql::kInsertOrderIdentifier,
     "INSERT INTO order_identifiers (order_id, position, type, value) VALUES ($1, $2, $3, $4)"},
    {sql::kInsertOrderAuthz,
     "INSERT INTO order_authorizations (order_id, authz_id, position) VALUES ($1, $2, $3)"},
    {sql::kOrderById,
     "SELECT id, account_id, status, expires, not_before, not_after, error_type, error_detail, "
     "certificate_serial, created_at, profile, replaces FROM orders WHERE id = $1"},
    {sql::kOrdersReplacing, "SELECT id FROM orders WHERE replaces = $1"},
    {sql::kOrderIdentifiers,
     "SELECT type, value FROM order_identifiers WHERE order_id = $1 ORDER BY position"},
    {sql::kOrderAuthzs,
     "SELECT a.id, a.status, a.expires, (SELECT max(c.validated_at) FROM challenges c "
     "WHERE c.authz_id = a.id AND c.status = 'valid') FROM order_authorizations oa "
     "JOIN authorizations a ON a.id = oa.authz_id WHERE oa.order_id = $1 ORDER BY oa.position"},
    {sql::kOrdersByAccount,
     "SELECT id FROM orders WHERE account_id = $1 ORDER BY created_at, id LIMIT $2 OFFSET $3"},
    {sql::kOrders,
     "SELECT id FROM orders WHERE ($1::text IS NULL OR account_id = $1::text) "
     "AND ($2::text IS NULL OR strpos($2::text, ',' || status || ',') > 0) "
     "ORDER BY created_at DESC, id DESC LIMIT $3"},
    {sql::kSetOrderStatus, "UPDATE orders SET status = $3 WHERE id = $1 AND status = $2"},
    {sql::kStartIssuance,
     "UPDATE orders SET status = 'processing', lease_owner = $2, lease_until = $3 "
     "WHERE id = $1 AND status = 'ready'"},
    {sql::kFailOrder,
     "UPDATE orders SET status = 'invalid', error_type = $2, error_detail = $3 "
     "WHERE id = $1 AND status = 'processing'"},
    {sql::kCompleteOrder,
     "UPDATE orders SET status = 'valid', certificate_serial = $2 "
     "WHERE id = $1 AND status = 'processing'"},
    // authorizations and challenges
    {sql::kInsertAuthz,
     "INSERT INTO authorizations (id, account_id, identifier_type, identifier_value, wildcard, "
     "status, expires, created_at, prevalidated_by) VALUES ($1, $2, $3, $4, $5, $8, $6, $7, $9)"},
    {sql::kInsertChallenge,
     "INSERT INTO challenges (id, authz_id, position, type, status, token) "
     "VALUES ($1, $2, $3, $4, 'pending', $5)"},
    {sql::kAuthzById,
     "SELECT id, account_id, identifier_type, identifier_value, wildcard, status, expires, "
     "prevalidated_by FROM authorizations WHERE id = $1"},
    {sql::kCountPendingAuthzs,
     "SELECT count(*) FROM authorizations WHERE account_id = $1 AND status = 'pending' "
     "AND expires > $2"},
    {sql::kValidAuthzs,
     "SELECT id FROM authorizations WHERE account_id = $1 AND identifier_type = $2 "
     "AND identifier_value = $3 AND wildcard = $4 AND status = 'valid' AND expires > $5 "
     "ORDER BY expires DESC"},
    {sql::kChallengesByAuthz,
     "SELECT id, type, status, token, validated_at, error_type, error_detail FROM challenges "
     "WHERE authz_id = $1 ORDER BY position"},
    {sql::kRecordsByChallenge,
     "SELECT perspective, url, hostname, port, addresses_resolved, address_used "
     "FROM validation_records WHERE challenge_id = $1 ORDER BY seq"},
    {sql::kPerspectivesByChallenge,
     "SELECT perspective, verdict, error_type, error_detail "
     "FROM validation_perspectives WHERE challenge_id = $1 ORDER BY seq"},
    {sql::kDeactivateAuthz,
     "UPDATE authorizations SET status = 'deactivated' "
     "WHERE id = $1 AND status IN ('pending', 'valid')"},
    // The authorization's row lock: of two challenges started at once, the second sees
    // the first processing.
    {sql::kStartChallenge,
     "UPDATE challenges SET status = 'processing', lease_owner = $3, lease_until = $4 "
     "WHERE id = $2 AND authz_id = $1 AND status = 'pending' "
     "AND EXISTS (SELECT 1 FROM authorizations WHERE id = $1 AND status = 'pending') "
     "AND NOT EXISTS (SELECT 1 FROM challenges WHERE authz_id = $1 AND status = 'processing')",
     kLockAuthz, 1},
    {sql::kCompleteChallenge,
     "UPDATE challenges SET status = $3, validated_at = $4, error_type = $5, error_detail = $6 "
     "WHERE id = $2 AND authz_id = $1 AND status = 'processing'"},
    {sql::kCompleteAuthz,
     "UPDATE authorizations SET status = $2, expires = COALESCE($3::bigint, expires) "
     "WHERE id = $1 AND status = 'pending'"},
    {sql::kOrdersReadyByAuthz,
     "UPDATE orders SET status = 'ready' "
     "WHERE status = 'pending' AND expires > $2 "
     "AND id IN (SELECT order_id FROM order_authorizations WHERE authz_id = $1) "
     "AND NOT EXISTS (SELECT 1 FROM order_authorizations oa "
     "JOIN authorizations a ON a.id = oa.authz_id "
     "WHERE oa.order_id = orders.id AND (a.status <> 'valid' OR a.expires <= $2))"},
    {sql::kInsertRecord,
     "INSERT INTO validation_records (challenge_id, seq, perspective, url, hostname, port, "
     "addresses_resolved, address_used) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)"},
    {sql::kRecordLatePerspective,
     "UPDATE validation_perspectives SET verdict = $3, error_type = $4, error_detail = $5 "
     "WHERE challenge_id = $1 AND perspective = $2 AND verdict = 'notAwaited'"},
    {sql::kInsertPerspective,
     "INSERT INTO validation_perspectives (challenge_id, seq, perspective, verdict, error_type, "
     "error_detail) VALUES ($1, $2, $3, $4, $5, $6)"},
    // certificates
    {sql::kReserveSerial,
     "INSERT INTO serials (serial, order_id, reserved_at, account_id, issuer, profile, spki, "
     "key_spki_sha256, identifiers, not_before, not_after) "
     "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) ON CONFLICT DO NOTHING"},
    {sql::kInsertCertificate,
     "INSERT INTO certificates (serial, account_id, order_id, der, chain_pem, key_spki_sha256, "
     "identifiers, not_before, not_after, issued_at, identifiers_sha256, profile, crl_shard, "
     "issuer_id) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, NULLIF($14, ''))"},
    {sql::kCertificateBySerial, SIGNET_PG_CERTIFICATE_COLUMNS "FROM certificates WHERE serial = $1"},
    {sql::kCurrentCertificatesOfAccount,
     SIGNET_PG_CERTIFICATE_COLUMNS
     "FROM certificates WHERE account_id = $1 AND not_after > $2 AND revoked_at IS NULL "
     "ORDER BY not_after, serial"},
    {sql::kCurrentCertificatesFor,
     SIGNET_PG_CERTIFICATE_COLUMNS
     "FROM certificates WHERE not_after > $2 AND revoked_at IS NULL "
     "AND " SIGNET_PG_NAMES_LINE("$1") " ORDER BY not_after, serial"},
    {sql::kCertificates,
     SIGNET_PG_CERTIFICATE_COLUMNS
     "FROM certificates WHERE ($1::text IS NULL OR account_id = $1::text) "
     "AND ($2::text IS NULL OR " SIGNET_PG_NAMES_LINE("$2") ") "
     "AND ($7::text IS NULL OR " SIGNET_PG_NAMES_LINE("'dns:' || $7") " "
     "OR strpos(identifiers || chr(10), '.' || $7::text || chr(10)) > 0 "
     "OR ($8::text IS NOT NULL AND " SIGNET_PG_NAMES_LINE("'dns:*.' || $8") ")) "
     "AND ($3::bigint IS NULL OR (revoked_at IS NULL AND not_after > $5::bigint "
     "AND not_after <= $3::bigint)) "
     "AND (CASE $4::text WHEN 'valid' THEN revoked_at IS NULL AND not_after > $5::bigint "
     "WHEN 'revoked' THEN revoked_at IS NOT NULL "
     "WHEN 'expired' THEN revoked_at IS NULL AND not_after <= $5::bigint ELSE true END) "
     "ORDER BY not_after, serial LIMIT $6"},
    {sql::kCertificateCounts,
     "SELECT count(*) FILTER (WHERE revoked_at IS NULL AND not_after > $1::bigint), "
     "count(*) FILTER (WHERE revoked_at IS NULL AND not_after > $1::bigint "
     "AND not_after <= $2::bigint), "
     "count(*) FILTER (WHERE revoked_at IS NULL AND not_after <= $1::bigint), "
     "count(*) FILTER (WHERE revoked_at IS NOT NULL) FROM certificates"},
    {sql::kCertificatesIssuedPerDay,
     "SELECT (issued_at - $1::bigint) / 86400, count(*) FROM certificates "
     "WHERE issued_at >= $1::bigint AND issued_at < $2 GROUP BY 1"},
    {sql::kCertificatesExpiringPerDay,
     "SELECT (not_after - $1::bigint) / 86400, count(*) FROM certificates "
     "WHERE revoked_at IS NULL AND not_after > $3 AND not_after >= $1::bigint "
     "AND not_after < $2 GROUP BY 1"},
    {sql::kMarkRenewEarly,
     "UPDATE certificates SET renew_early_at = $2 "
     "WHERE serial = $1 AND renew_early_at IS NULL AND revoked_at IS NULL"},
    {sql::kRevokedInShard,
     "SELECT serial, revoked_at, revocation_reason FROM certificates "
     "WHERE crl_shard = $1 AND not_after > $2 AND revoked_at IS NOT NULL "
     "AND COALESCE(issuer_id, '') = $3 ORDER BY serial"},
    {sql::kRevocationsByShard,
     "SELECT COALESCE(issuer_id, ''), crl_shard, count(*) FROM certificates "
     "WHERE revoked_at IS NOT NULL AND crl_shard IS NOT NULL "
     "GROUP BY COALESCE(issuer_id, ''), crl_shard"},
    {sql::kLastCertificateWithoutIssuer,
     "SELECT der FROM certificates WHERE issuer_id IS NULL AND crl_shard IS NOT NULL "
     "ORDER BY issued_at DESC LIMIT 1"},
    {sql::kIsCertificateKey, "SELECT 1 FROM certificates WHERE key_spki_sha256 = $1 LIMIT 1"},
    {sql::kIssuedForIdentifiers,
     "SELECT 1 FROM certificates WHERE identifiers_sha256 = $1 LIMIT 1"},
    {sql::kRevokeCertificate,
     "UPDATE certificates SET revoked_at = $3, revocation_reason = $2 "
     "WHERE serial = $1 AND revoked_at IS NULL"},
    {sql::kInsertInfrastructureCertificate,
     "INSERT INTO infrastructure_certificates (serial, issuer, profile, identifiers, "
     "key_spki_sha256, der, not_before, not_after, issued_at) "
     "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT DO NOTHING"},
    // rate limits: a bucket is read under its lock, held until the spend commits.
    {sql::kLimitBucket, "SELECT tat_ms FROM rate_limit_buckets WHERE bucket = $1", kLockBucket,
     1},
    {sql::kSaveLimitBucket,
     "INSERT INTO rate_limit_buckets (bucket, tat_ms, expires_ms) VALUES ($1, $2, $3) "
     "ON CONFLICT (bucket) DO UPDATE SET tat_ms = excluded.tat_ms, "
     "expires_ms = excluded.expires_ms"},
    {sql::kDeleteFullLimitBuckets,
     "DELETE FROM rate_limit_buckets WHERE bucket IN (SELECT bucket FROM rate_limit_buckets "
     "WHERE expires_ms <= $1 ORDER BY expires_ms LIMIT $2)"},
    // purging
    {sql::kPurgeableOrders,
     "SELECT id FROM orders WHERE status IN ('pending', 'ready', 'invalid') AND expires < $1 "
     "LIMIT $2"},
    {sql::kDeleteOrderIdentifiers, "DELETE FROM order_identifiers WHERE order_id = $1"},
    {sql::kDeleteOrderAuthorizations, "DELETE FROM order_authorizations WHERE order_id = $1"},
    {sql::kDeleteOrder, "DELETE FROM orders WHERE id = $1"},
    {sql::kPurgeableAuthorizations,
     "SELECT id FROM authorizations a WHERE expires < $1 AND NOT EXISTS "
     "(SELECT 1 FROM order_authorizations oa WHERE oa.authz_id = a.id) LIMIT $2"},
    {sql::kDeleteAuthzPerspectives,
     "DELETE FROM validation_perspectives WHERE challenge_id IN "
     "(SELECT id FROM challenges WHERE authz_id = $1)"},
    {sql::kDeleteAuthzRecords,
     "DELETE FROM validation_records WHERE challenge_id IN "
     "(SELECT id FROM challenges WHERE authz_id = $1)"},
    {sql::kDeleteAuthzChallenges, "DELETE FROM challenges WHERE authz_id = $1"},
    {sql::kDeleteAuthorization, "DELETE FROM authorizations WHERE id = $1"},
    // the audit log: one appender at a time, across every node.
    {sql::kAuditHead, "SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1", kLockAudit, 0},
    {sql::kInsertAudit, "INSERT INTO audit_log (seq, entry, hash) VALUES ($1, $2, $3)"},
    {sql::kAuditRecords,
     "SELECT seq, entry, hash FROM audit_log WHERE seq > $1 ORDER BY seq LIMIT $2"},
    // leases on work in flight, and recovery: an order taken over is locked, so that of two
    // nodes taking over at once only one resumes it.
    {sql::kRenewChallengeLeases,
     "UPDATE challenges SET lease_until = $2 WHERE status = 'processing' AND lease_owner = $1"},
    {sql::kRenewOrderLeases,
     "UPDATE orders SET lease_until = $2 WHERE status = 'processing' AND lease_owner = $1"},
    {sql::kFailInterruptedAuthzs,
     "UPDATE authorizations SET status = 'invalid' WHERE status = 'pending' AND EXISTS "
     "(SELECT 1 FROM challenges c WHERE c.authz_id = authorizations.id "
     "AND c.status = 'processing' AND " SIGNET_PG_LAPSED("c") ")"},
    {sql::kFailInterruptedChallenges,
     "UPDATE challenges SET status = 'invalid', error_type = 'serverInternal', "
     "error_detail = $4 WHERE status = 'processing' AND " SIGNET_PG_LAPSED("challenges")},
    {sql::kFailInterruptedOrders,
     "UPDATE orders SET status = 'invalid', error_type = 'serverInternal', error_detail = $4 "
     "WHERE status = 'processing' AND " SIGNET_PG_LAPSED("orders") " AND NOT EXISTS "
     "(SELECT 1 FROM serials s WHERE s.order_id = orders.id AND s.spki IS NOT NULL)"},
    {sql::kInterruptedIssuances,
     "SELECT s.order_id, s.account_id, s.serial, s.issuer, s.profile, s.spki, "
     "s.key_spki_sha256, s.identifiers, s.not_before, s.not_after FROM serials s "
     "JOIN orders o ON o.id = s.order_id WHERE o.status = 'processing' "
     "AND " SIGNET_PG_LAPSED("o") " AND s.spki IS NOT NULL "
     "AND NOT EXISTS (SELECT 1 FROM certificates c WHERE c.serial = s.serial) "
     "ORDER BY s.reserved_at FOR UPDATE OF o"},
    {sql::kLeaseOrder, "UPDATE orders SET lease_owner = $2, lease_until = $3 WHERE id = $1"},
    // anti-replay nonces shared by every node
    {sql::kCreateNonceKey,
     "INSERT INTO nonce_key (id, key) VALUES (1, $1) ON CONFLICT DO NOTHING"},
    {sql::kNonceKey, "SELECT key FROM nonce_key WHERE id = 1"},
    {sql::kRedeemNonce,
     "INSERT INTO redeemed_nonces (nonce, expires) VALUES ($1, $2) ON CONFLICT DO NOTHING"},
    {sql::kPurgeRedeemedNonces, "DELETE FROM redeemed_nonces WHERE expires < $1"},
    // copying a database into PostgreSQL: the tables of the schema in the search path.
    {sql::kTables,
     "SELECT table_name::text FROM information_schema.tables "
     "WHERE table_schema = current_schema() AND table_type = 'BASE TABLE' "
     "AND table_name <> 'schema_version' ORDER BY 1"},
    {sql::kTableColumns,
     "SELECT column_name::text, data_type::text, pg_get_serial_sequence("
     "quote_ident(table_schema) || '.' || quote_ident(table_name), column_name) "
     "FROM information_schema.columns WHERE table_schema = current_schema() "
     "AND table_name = $1::text ORDER BY ordinal_position"},
};
// clang-format on

#undef SIGNET_PG_CERTIFICATE_COLUMNS
#undef SIGNET_PG_NAMES_LINE
#undef SIGNET_PG_LAPSED

}  // namespace signet::storage::pgsql
