#pragma once
// Every SQL statement Signet runs, in one place.
namespace signet::storage::sql {

// --- schema migrations; index i brings the schema from version i to i + 1 -------------
inline constexpr const char* kMigrations[] = {
    R"sql(
CREATE TABLE accounts (
  id TEXT PRIMARY KEY,
  jwk TEXT NOT NULL,
  jwk_thumbprint TEXT NOT NULL UNIQUE,
  key_spki_sha256 BLOB NOT NULL UNIQUE,
  contact TEXT NOT NULL,
  status TEXT NOT NULL,
  tos_agreed INTEGER NOT NULL,
  created_at INTEGER NOT NULL
);
CREATE TABLE orders (
  id TEXT PRIMARY KEY,
  account_id TEXT NOT NULL REFERENCES accounts(id),
  status TEXT NOT NULL,
  expires INTEGER NOT NULL,
  not_before INTEGER,
  not_after INTEGER,
  error_type TEXT,
  error_detail TEXT,
  certificate_serial TEXT,
  created_at INTEGER NOT NULL
);
CREATE INDEX orders_by_account ON orders(account_id, created_at, id);
CREATE TABLE order_identifiers (
  order_id TEXT NOT NULL REFERENCES orders(id),
  position INTEGER NOT NULL,
  type TEXT NOT NULL,
  value TEXT NOT NULL,
  PRIMARY KEY (order_id, position)
);
CREATE TABLE authorizations (
  id TEXT PRIMARY KEY,
  account_id TEXT NOT NULL REFERENCES accounts(id),
  identifier_type TEXT NOT NULL,
  identifier_value TEXT NOT NULL,
  wildcard INTEGER NOT NULL,
  status TEXT NOT NULL,
  expires INTEGER NOT NULL,
  created_at INTEGER NOT NULL
);
CREATE INDEX authz_by_identifier
  ON authorizations(account_id, identifier_type, identifier_value, status);
CREATE TABLE order_authorizations (
  order_id TEXT NOT NULL REFERENCES orders(id),
  authz_id TEXT NOT NULL REFERENCES authorizations(id),
  position INTEGER NOT NULL,
  PRIMARY KEY (order_id, authz_id)
);
CREATE TABLE challenges (
  id TEXT PRIMARY KEY,
  authz_id TEXT NOT NULL REFERENCES authorizations(id),
  position INTEGER NOT NULL,
  type TEXT NOT NULL,
  status TEXT NOT NULL,
  token TEXT NOT NULL,
  validated_at INTEGER,
  error_type TEXT,
  error_detail TEXT
);
CREATE INDEX challenges_by_authz ON challenges(authz_id, position);
CREATE TABLE validation_records (
  challenge_id TEXT NOT NULL REFERENCES challenges(id),
  seq INTEGER NOT NULL,
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
  reserved_at INTEGER NOT NULL
);
CREATE TABLE certificates (
  serial TEXT PRIMARY KEY REFERENCES serials(serial),
  account_id TEXT NOT NULL REFERENCES accounts(id),
  order_id TEXT NOT NULL REFERENCES orders(id),
  der BLOB NOT NULL,
  chain_pem TEXT NOT NULL,
  key_spki_sha256 BLOB NOT NULL,
  identifiers TEXT NOT NULL,
  not_before INTEGER NOT NULL,
  not_after INTEGER NOT NULL,
  issued_at INTEGER NOT NULL,
  revoked_at INTEGER,
  revocation_reason INTEGER
);
CREATE INDEX certificates_by_key ON certificates(key_spki_sha256);
)sql",
    // 1 -> 2: how each vantage point ended a multi-perspective validation.
    R"sql(
CREATE TABLE validation_perspectives (
  challenge_id TEXT NOT NULL REFERENCES challenges(id),
  seq INTEGER NOT NULL,
  perspective TEXT NOT NULL,
  verdict TEXT NOT NULL,
  error_type TEXT,
  error_detail TEXT,
  PRIMARY KEY (challenge_id, seq)
);
)sql",
    // 2 -> 3: certificates Signet signs for itself (TLS listener, client, agents).
    R"sql(
CREATE TABLE infrastructure_certificates (
  serial TEXT PRIMARY KEY,
  issuer TEXT NOT NULL,
  profile TEXT NOT NULL,
  identifiers TEXT NOT NULL,
  key_spki_sha256 BLOB NOT NULL,
  der BLOB NOT NULL,
  not_before INTEGER NOT NULL,
  not_after INTEGER NOT NULL,
  issued_at INTEGER NOT NULL
);
)sql",
    // 3 -> 4: rate limits. Token buckets, one row each while it is not full (expires_ms:
    // when it is full again, and the row can go); pending authorizations counted per
    // account without reading the account's others; and each certificate's identifier
    // set as one key, for the renewal exemption (NULL for certificates stored before).
    R"sql(
CREATE TABLE rate_limit_buckets (
  bucket TEXT PRIMARY KEY,
  tat_ms INTEGER NOT NULL,
  expires_ms INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX rate_limit_buckets_by_expiry ON rate_limit_buckets(expires_ms);
CREATE INDEX authz_pending_by_account ON authorizations(account_id, expires)
  WHERE status = 'pending';
ALTER TABLE certificates ADD COLUMN identifiers_sha256 BLOB;
CREATE INDEX certificates_by_identifiers ON certificates(identifiers_sha256);
)sql",
    // 4 -> 5: a certificate is recorded before it is signed: its serial reservation
    // carries what signing it again needs (NULL for serials reserved before).
    R"sql(
ALTER TABLE serials ADD COLUMN account_id TEXT;
ALTER TABLE serials ADD COLUMN issuer TEXT;
ALTER TABLE serials ADD COLUMN profile TEXT;
ALTER TABLE serials ADD COLUMN spki BLOB;
ALTER TABLE serials ADD COLUMN key_spki_sha256 BLOB;
ALTER TABLE serials ADD COLUMN identifiers TEXT;
ALTER TABLE serials ADD COLUMN not_before INTEGER;
ALTER TABLE serials ADD COLUMN not_after INTEGER;
)sql",
    // 5 -> 6: certificate profiles. The profile an order was made for and its
    // certificate was issued under (NULL for those made before).
    R"sql(
ALTER TABLE orders ADD COLUMN profile TEXT;
ALTER TABLE certificates ADD COLUMN profile TEXT;
)sql",
    // 6 -> 7: renewal information (RFC 9773): when an administrator asked for a certificate to
    // be renewed early; the certID an order replaces, at most one order that is not
    // invalid per certificate (an invalid or expired one frees it again); an account's
    // certificates by expiry.
    R"sql(
ALTER TABLE certificates ADD COLUMN renew_early_at INTEGER;
ALTER TABLE orders ADD COLUMN replaces TEXT;
CREATE UNIQUE INDEX orders_replacing ON orders(replaces)
  WHERE replaces IS NOT NULL AND status <> 'invalid';
CREATE INDEX certificates_by_account ON certificates(account_id, not_after);
)sql",
    // 7 -> 8: external account binding (RFC 8555 §7.3.4): the keys, what each allows (lists are
    // one entry a line), how many accounts each has bound; the key an account was bound
    // to; and the key that prevalidated an authorization created valid without a
    // challenge.
    R"sql(
CREATE TABLE eab_keys (
  kid TEXT PRIMARY KEY,
  hmac_key BLOB NOT NULL,
  note TEXT NOT NULL,
  allowed_domains TEXT NOT NULL,
  prevalidated_domains TEXT NOT NULL,
  profiles TEXT NOT NULL,
  max_validity_seconds INTEGER,
  reusable INTEGER NOT NULL,
  accounts INTEGER NOT NULL DEFAULT 0,
  created_at INTEGER NOT NULL,
  revoked_at INTEGER
);
ALTER TABLE accounts ADD COLUMN eab_kid TEXT REFERENCES eab_keys(kid);
CREATE INDEX accounts_by_eab_kid ON accounts(eab_kid) WHERE eab_kid IS NOT NULL;
ALTER TABLE authorizations ADD COLUMN prevalidated_by TEXT;
)sql",
    // 8 -> 9: revocation publication. The CRL shard each certificate was assigned at
    // issuance (NULL for those issued before: they are in no CRL), and its revoked
    // certificates by expiry.
    R"sql(
ALTER TABLE certificates ADD COLUMN crl_shard INTEGER;
CREATE INDEX certificates_revoked_by_shard ON certificates(crl_shard, not_after)
  WHERE revoked_at IS NOT NULL;
)sql",
    // 9 -> 10: purging what expired without producing a certificate.
    R"sql(
CREATE INDEX orders_purgeable ON orders(expires) WHERE status IN ('pending', 'ready', 'invalid');
CREATE INDEX authz_by_expiry ON authorizations(expires);
CREATE INDEX order_authorizations_by_authz ON order_authorizations(authz_id);
)sql",
    // 10 -> 11: the audit log (core/audit.hpp). Append-only: rows are never updated or
    // deleted by Signet, and the triggers refuse it to anyone else who does not drop
    // them first (the chain shows it if they do).
    R"sql(
CREATE TABLE audit_log (
  seq INTEGER PRIMARY KEY,
  entry TEXT NOT NULL,
  hash TEXT NOT NULL
);
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
  BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
  BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
)sql",
    // 11 -> 12: several nodes on one database. Work in flight (a challenge being
    // validated, an order being issued) is leased by the run of a node that does it
    // ("<node>/<run>") until a time it keeps moving on; work whose lease lapsed is another
    // node's to end or resume. Anti-replay nonces every node accepts: the key that
    // authenticates them, and those redeemed, kept until they would have expired.
    R"sql(
ALTER TABLE challenges ADD COLUMN lease_owner TEXT;
ALTER TABLE challenges ADD COLUMN lease_until INTEGER;
ALTER TABLE orders ADD COLUMN lease_owner TEXT;
ALTER TABLE orders ADD COLUMN lease_until INTEGER;
CREATE INDEX challenges_processing ON challenges(lease_owner) WHERE status = 'processing';
CREATE INDEX orders_processing ON orders(lease_owner) WHERE status = 'processing';
CREATE TABLE nonce_key (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  key BLOB NOT NULL
);
CREATE TABLE redeemed_nonces (
  nonce TEXT PRIMARY KEY,
  expires INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX redeemed_nonces_by_expiry ON redeemed_nonces(expires);
)sql",
    // 12 -> 13: CRLs of each ACME issuer, the previous ones included: the issuer that
    // signed a certificate (ca::issuer_id; NULL for those issued before, whose CRL URL
    // names no issuer).
    R"sql(
ALTER TABLE certificates ADD COLUMN issuer_id TEXT;
)sql",
};

// --- accounts --------------------------------------------------------------------------
inline constexpr const char* kInsertAccount =
    "INSERT INTO accounts (id, jwk, jwk_thumbprint, key_spki_sha256, contact, status, "
    "tos_agreed, created_at, eab_kid) VALUES (?1, ?2, ?3, ?4, ?5, 'valid', ?6, ?7, ?8)";
inline constexpr const char* kAccountById =
    "SELECT id, jwk, jwk_thumbprint, contact, status, tos_agreed, created_at, eab_kid "
    "FROM accounts WHERE id = ?1";
inline constexpr const char* kAccountByThumbprint =
    "SELECT id, jwk, jwk_thumbprint, contact, status, tos_agreed, created_at, eab_kid "
    "FROM accounts WHERE jwk_thumbprint = ?1";
inline constexpr const char* kUpdateAccountContact =
    "UPDATE accounts SET contact = ?2 WHERE id = ?1 AND status = 'valid'";
inline constexpr const char* kDeactivateAccount =
    "UPDATE accounts SET status = 'deactivated' WHERE id = ?1 AND status = 'valid'";
inline constexpr const char* kChangeAccountKey =
    "UPDATE accounts SET jwk = ?3, jwk_thumbprint = ?4, key_spki_sha256 = ?5 "
    "WHERE id = ?1 AND jwk_thumbprint = ?2 AND status = 'valid'";
inline constexpr const char* kIsAccountKey =
    "SELECT 1 FROM accounts WHERE key_spki_sha256 = ?1 LIMIT 1";
// At most ?1 accounts, oldest first.
inline constexpr const char* kAccounts =
    "SELECT id, jwk, jwk_thumbprint, contact, status, tos_agreed, created_at, eab_kid "
    "FROM accounts ORDER BY created_at, id LIMIT ?1";
inline constexpr const char* kAccountsByEabKid =
    "SELECT id FROM accounts WHERE eab_kid = ?1 ORDER BY created_at, id";

// --- external account keys -------------------------------------------------------------
inline constexpr const char* kInsertEabKey =
    "INSERT OR IGNORE INTO eab_keys (kid, hmac_key, note, allowed_domains, "
    "prevalidated_domains, profiles, max_validity_seconds, reusable, created_at) "
    "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)";
inline constexpr const char* kEabKeyByKid =
    "SELECT kid, hmac_key, note, allowed_domains, prevalidated_domains, profiles, "
    "max_validity_seconds, reusable, created_at, revoked_at, accounts FROM eab_keys "
    "WHERE kid = ?1";
inline constexpr const char* kEabKeys =
    "SELECT kid, hmac_key, note, allowed_domains, prevalidated_domains, profiles, "
    "max_validity_seconds, reusable, created_at, revoked_at, accounts FROM eab_keys "
    "ORDER BY created_at, rowid";
inline constexpr const char* kRevokeEabKey =
    "UPDATE eab_keys SET revoked_at = ?2 WHERE kid = ?1 AND revoked_at IS NULL";
// A new binding: only to a key not revoked, and to a single-use key only once. In the
// transaction that creates the account, so two accounts can never both take it.
inline constexpr const char* kBindEabKey =
    "UPDATE eab_keys SET accounts = accounts + 1 WHERE kid = ?1 AND revoked_at IS NULL "
    "AND (reusable = 1 OR accounts = 0)";

// --- orders ------------------------------------------------------------------------------
inline constexpr const char* kInsertOrder =
    "INSERT INTO orders (id, account_id, status, expires, not_before, not_after, created_at, "
    "profile, replaces) VALUES (?1, ?2, 'pending', ?3, ?4, ?5, ?6, ?7, ?8)";
inline constexpr const char* kInsertOrderIdentifier =
    "INSERT INTO order_identifiers (order_id, position, type, value) VALUES (?1, ?2, ?3, ?4)";
inline constexpr const char* kInsertOrderAuthz =
    "INSERT INTO order_authorizations (order_id, authz_id, position) VALUES (?1, ?2, ?3)";
inline constexpr const char* kOrderById =
    "SELECT id, account_id, status, expires, not_before, not_after, error_type, error_detail, "
    "certificate_serial, created_at, profile, replaces FROM orders WHERE id = ?1";
// Every order that names this certID in "replaces", whatever its status.
inline constexpr const char* kOrdersReplacing = "SELECT id FROM orders WHERE replaces = ?1";
inline constexpr const char* kOrderIdentifiers =
    "SELECT type, value FROM order_identifiers WHERE order_id = ?1 ORDER BY position";
inline constexpr const char* kOrderAuthzs =
    "SELECT a.id, a.status, a.expires, (SELECT max(c.validated_at) FROM challenges c "
    "WHERE c.authz_id = a.id AND c.status = 'valid') FROM order_authorizations oa "
    "JOIN authorizations a ON a.id = oa.authz_id WHERE oa.order_id = ?1 ORDER BY oa.position";
inline constexpr const char* kOrdersByAccount =
    "SELECT id FROM orders WHERE account_id = ?1 ORDER BY created_at, id LIMIT ?2 OFFSET ?3";
// At most ?3 orders, newest first: of account ?1 (NULL: any), stored with a status in the
// comma-separated list ?2 (",pending,ready,"; NULL: any).
inline constexpr const char* kOrders =
    "SELECT id FROM orders WHERE (?1 IS NULL OR account_id = ?1) "
    "AND (?2 IS NULL OR instr(?2, ',' || status || ',') > 0) "
    "ORDER BY created_at DESC, id DESC LIMIT ?3";
inline constexpr const char* kSetOrderStatus =
    "UPDATE orders SET status = ?3 WHERE id = ?1 AND status = ?2";
inline constexpr const char* kStartIssuance =
    "UPDATE orders SET status = 'processing', lease_owner = ?2, lease_until = ?3 "
    "WHERE id = ?1 AND status = 'ready'";
inline constexpr const char* kFailOrder =
    "UPDATE orders SET status = 'invalid', error_type = ?2, error_detail = ?3 "
    "WHERE id = ?1 AND status = 'processing'";
inline constexpr const char* kCompleteOrder =
    "UPDATE orders SET status = 'valid', certificate_serial = ?2 "
    "WHERE id = ?1 AND status = 'processing'";

// --- authorizations and challenges ---------------------------------------------------------
inline constexpr const char* kInsertAuthz =
    "INSERT INTO authorizations (id, account_id, identifier_type, identifier_value, wildcard, "
    "status, expires, created_at, prevalidated_by) VALUES (?1, ?2, ?3, ?4, ?5, ?8, ?6, ?7, ?9)";
inline constexpr const char* kInsertChallenge =
    "INSERT INTO challenges (id, authz_id, position, type, status, token) "
    "VALUES (?1, ?2, ?3, ?4, 'pending', ?5)";
inline constexpr const char* kAuthzById =
    "SELECT id, account_id, identifier_type, identifier_value, wildcard, status, expires, "
    "prevalidated_by FROM authorizations WHERE id = ?1";
inline constexpr const char* kCountPendingAuthzs =
    "SELECT count(*) FROM authorizations WHERE account_id = ?1 AND status = 'pending' "
    "AND expires > ?2";
inline constexpr const char* kValidAuthzs =
    "SELECT id FROM authorizations WHERE account_id = ?1 AND identifier_type = ?2 "
    "AND identifier_value = ?3 AND wildcard = ?4 AND status = 'valid' AND expires > ?5 "
    "ORDER BY expires DESC";
inline constexpr const char* kChallengesByAuthz =
    "SELECT id, type, status, token, validated_at, error_type, error_detail FROM challenges "
    "WHERE authz_id = ?1 ORDER BY position";
inline constexpr const char* kRecordsByChallenge =
    "SELECT perspective, url, hostname, port, addresses_resolved, address_used "
    "FROM validation_records WHERE challenge_id = ?1 ORDER BY seq";
inline constexpr const char* kPerspectivesByChallenge =
    "SELECT perspective, verdict, error_type, error_detail "
    "FROM validation_perspectives WHERE challenge_id = ?1 ORDER BY seq";
inline constexpr const char* kDeactivateAuthz =
    "UPDATE authorizations SET status = 'deactivated' "
    "WHERE id = ?1 AND status IN ('pending', 'valid')";
inline constexpr const char* kStartChallenge =
    "UPDATE challenges SET status = 'processing', lease_owner = ?3, lease_until = ?4 "
    "WHERE id = ?2 AND authz_id = ?1 "
    "AND status = 'pending' "
    "AND EXISTS (SELECT 1 FROM authorizations WHERE id = ?1 AND status = 'pending') "
    "AND NOT EXISTS (SELECT 1 FROM challenges WHERE authz_id = ?1 AND status = 'processing')";
inline constexpr const char* kCompleteChallenge =
    "UPDATE challenges SET status = ?3, validated_at = ?4, error_type = ?5, error_detail = ?6 "
    "WHERE id = ?2 AND authz_id = ?1 AND status = 'processing'";
inline constexpr const char* kCompleteAuthz =
    "UPDATE authorizations SET status = ?2, expires = COALESCE(?3, expires) "
    "WHERE id = ?1 AND status = 'pending'";
// The orders an authorization that just became valid completes: pending, unexpired at
// ?2, and every authorization of theirs valid and unexpired. Made ready in the same
// transaction, so that a later read finds them so and writes nothing.
inline constexpr const char* kOrdersReadyByAuthz =
    "UPDATE orders SET status = 'ready' "
    "WHERE status = 'pending' AND expires > ?2 "
    "AND id IN (SELECT order_id FROM order_authorizations WHERE authz_id = ?1) "
    "AND NOT EXISTS (SELECT 1 FROM order_authorizations oa "
    "JOIN authorizations a ON a.id = oa.authz_id "
    "WHERE oa.order_id = orders.id AND (a.status <> 'valid' OR a.expires <= ?2))";
inline constexpr const char* kInsertRecord =
    "INSERT INTO validation_records (challenge_id, seq, perspective, url, hostname, port, "
    "addresses_resolved, address_used) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)";
inline constexpr const char* kRecordLatePerspective =
    "UPDATE validation_perspectives SET verdict = ?3, error_type = ?4, error_detail = ?5 "
    "WHERE challenge_id = ?1 AND perspective = ?2 AND verdict = 'notAwaited'";
inline constexpr const char* kInsertPerspective =
    "INSERT INTO validation_perspectives (challenge_id, seq, perspective, verdict, error_type, "
    "error_detail) VALUES (?1, ?2, ?3, ?4, ?5, ?6)";

// --- certificates ---------------------------------------------------------------------------
inline constexpr const char* kReserveSerial =
    "INSERT OR IGNORE INTO serials (serial, order_id, reserved_at, account_id, issuer, profile, "
    "spki, key_spki_sha256, identifiers, not_before, not_after) "
    "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)";
inline constexpr const char* kInsertCertificate =
    "INSERT INTO certificates (serial, account_id, order_id, der, chain_pem, key_spki_sha256, "
    "identifiers, not_before, not_after, issued_at, identifiers_sha256, profile, crl_shard, "
    "issuer_id) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, NULLIF(?14, ''))";
// Every certificate query reads these columns, in this order (rows::read_certificate).
inline constexpr const char* kCertificateBySerial =
    "SELECT serial, account_id, order_id, der, chain_pem, key_spki_sha256, identifiers, "
    "not_before, not_after, issued_at, revoked_at, revocation_reason, profile, renew_early_at "
    "FROM certificates WHERE serial = ?1";
// Certificates that have not expired by ?2 and are not revoked.
inline constexpr const char* kCurrentCertificatesOfAccount =
    "SELECT serial, account_id, order_id, der, chain_pem, key_spki_sha256, identifiers, "
    "not_before, not_after, issued_at, revoked_at, revocation_reason, profile, renew_early_at "
    "FROM certificates WHERE account_id = ?1 AND not_after > ?2 AND revoked_at IS NULL "
    "ORDER BY not_after, serial";
// ?1: one identifier as the identifiers column spells it ("dns:example.com"); that
// column holds one per line.
inline constexpr const char* kCurrentCertificatesFor =
    "SELECT serial, account_id, order_id, der, chain_pem, key_spki_sha256, identifiers, "
    "not_before, not_after, issued_at, revoked_at, revocation_reason, profile, renew_early_at "
    "FROM certificates WHERE not_after > ?2 AND revoked_at IS NULL "
    "AND instr(char(10) || identifiers || char(10), char(10) || ?1 || char(10)) > 0 "
    "ORDER BY not_after, serial";
// At most ?6 certificates, soonest expiry first, as of time ?5: of account ?1, naming
// identifier ?2 (spelled as in kCurrentCertificatesFor), valid and expiring by ?3,
// with status ?4 ('valid', 'revoked', 'expired'), naming DNS name ?7, a name under it
// or the wildcard of its parent ?8 (NULL: none); each NULL selects any. A line ending in
// "." ?7 is a DNS name's: the last label of an IP address with a dot is numeric, and so
// ?7's never is.
inline constexpr const char* kCertificates =
    "SELECT serial, account_id, order_id, der, chain_pem, key_spki_sha256, identifiers, "
    "not_before, not_after, issued_at, revoked_at, revocation_reason, profile, renew_early_at "
    "FROM certificates WHERE (?1 IS NULL OR account_id = ?1) "
    "AND (?2 IS NULL OR instr(char(10) || identifiers || char(10), char(10) || ?2 || char(10)) > "
    "0) "
    "AND (?7 IS NULL "
    "OR instr(char(10) || identifiers || char(10), char(10) || 'dns:' || ?7 || char(10)) > 0 "
    "OR instr(identifiers || char(10), '.' || ?7 || char(10)) > 0 "
    "OR (?8 IS NOT NULL "
    "AND instr(char(10) || identifiers || char(10), char(10) || 'dns:*.' || ?8 || char(10)) > 0)) "
    "AND (?3 IS NULL OR (revoked_at IS NULL AND not_after > ?5 AND not_after <= ?3)) "
    "AND (CASE ?4 WHEN 'valid' THEN revoked_at IS NULL AND not_after > ?5 "
    "WHEN 'revoked' THEN revoked_at IS NOT NULL "
    "WHEN 'expired' THEN revoked_at IS NULL AND not_after <= ?5 ELSE 1 END) "
    "ORDER BY not_after, serial LIMIT ?6";
// Over every certificate as of ?1: how many are valid, valid and expiring by ?2,
// expired (unrevoked, notAfter passed) and revoked (authority::certificate_status).
inline constexpr const char* kCertificateCounts =
    "SELECT coalesce(sum(revoked_at IS NULL AND not_after > ?1), 0), "
    "coalesce(sum(revoked_at IS NULL AND not_after > ?1 AND not_after <= ?2), 0), "
    "coalesce(sum(revoked_at IS NULL AND not_after <= ?1), 0), "
    "coalesce(sum(revoked_at IS NOT NULL), 0) FROM certificates";
// Certificates issued in [?1, ?2), by day from ?1 (day 0 is [?1, ?1 + 86400)).
inline constexpr const char* kCertificatesIssuedPerDay =
    "SELECT (issued_at - ?1) / 86400, count(*) FROM certificates "
    "WHERE issued_at >= ?1 AND issued_at < ?2 GROUP BY 1";
// Unrevoked certificates expiring in [?1, ?2) and after ?3, by day from ?1.
inline constexpr const char* kCertificatesExpiringPerDay =
    "SELECT (not_after - ?1) / 86400, count(*) FROM certificates "
    "WHERE revoked_at IS NULL AND not_after > ?3 AND not_after >= ?1 AND not_after < ?2 "
    "GROUP BY 1";
inline constexpr const char* kMarkRenewEarly =
    "UPDATE certificates SET renew_early_at = ?2 "
    "WHERE serial = ?1 AND renew_early_at IS NULL AND revoked_at IS NULL";
// The revoked certificates of a CRL shard that have not expired by ?2.
// The issuer ?3 is '' for certificates recorded without one.
inline constexpr const char* kRevokedInShard =
    "SELECT serial, revoked_at, revocation_reason FROM certificates "
    "WHERE crl_shard = ?1 AND not_after > ?2 AND revoked_at IS NOT NULL "
    "AND COALESCE(issuer_id, '') = ?3 ORDER BY serial";
// How many certificates of each issuer's shard were ever revoked: grows with every
// revocation.
inline constexpr const char* kRevocationsByShard =
    "SELECT COALESCE(issuer_id, ''), crl_shard, count(*) FROM certificates "
    "WHERE revoked_at IS NOT NULL AND crl_shard IS NOT NULL "
    "GROUP BY COALESCE(issuer_id, ''), crl_shard";
// The certificate issued last of those recorded without their issuer that name a CRL.
inline constexpr const char* kLastCertificateWithoutIssuer =
    "SELECT der FROM certificates WHERE issuer_id IS NULL AND crl_shard IS NOT NULL "
    "ORDER BY issued_at DESC LIMIT 1";
inline constexpr const char* kIsCertificateKey =
    "SELECT 1 FROM certificates WHERE key_spki_sha256 = ?1 LIMIT 1";
inline constexpr const char* kIssuedForIdentifiers =
    "SELECT 1 FROM certificates WHERE identifiers_sha256 = ?1 LIMIT 1";
inline constexpr const char* kRevokeCertificate =
    "UPDATE certificates SET revoked_at = ?3, revocation_reason = ?2 "
    "WHERE serial = ?1 AND revoked_at IS NULL";

inline constexpr const char* kInsertInfrastructureCertificate =
    "INSERT OR IGNORE INTO infrastructure_certificates (serial, issuer, profile, identifiers, "
    "key_spki_sha256, der, not_before, not_after, issued_at) "
    "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)";

// --- rate limits ------------------------------------------------------------------------------
inline constexpr const char* kLimitBucket =
    "SELECT tat_ms FROM rate_limit_buckets WHERE bucket = ?1";
inline constexpr const char* kSaveLimitBucket =
    "INSERT INTO rate_limit_buckets (bucket, tat_ms, expires_ms) VALUES (?1, ?2, ?3) "
    "ON CONFLICT (bucket) DO UPDATE SET tat_ms = excluded.tat_ms, "
    "expires_ms = excluded.expires_ms";
// At most ?2 of the buckets that are full again by ?1, earliest first.
inline constexpr const char* kDeleteFullLimitBuckets =
    "DELETE FROM rate_limit_buckets WHERE bucket IN (SELECT bucket FROM rate_limit_buckets "
    "WHERE expires_ms <= ?1 ORDER BY expires_ms LIMIT ?2)";

// --- purging -----------------------------------------------------------------------------
// At most ?2 orders that expired before ?1 without a certificate (a valid order has one;
// a processing one is resumed at the next start).
inline constexpr const char* kPurgeableOrders =
    "SELECT id FROM orders WHERE status IN ('pending', 'ready', 'invalid') AND expires < ?1 "
    "LIMIT ?2";
inline constexpr const char* kDeleteOrderIdentifiers =
    "DELETE FROM order_identifiers WHERE order_id = ?1";
inline constexpr const char* kDeleteOrderAuthorizations =
    "DELETE FROM order_authorizations WHERE order_id = ?1";
inline constexpr const char* kDeleteOrder = "DELETE FROM orders WHERE id = ?1";
// At most ?2 authorizations that expired before ?1 and that no order names any longer.
inline constexpr const char* kPurgeableAuthorizations =
    "SELECT id FROM authorizations a WHERE expires < ?1 AND NOT EXISTS "
    "(SELECT 1 FROM order_authorizations oa WHERE oa.authz_id = a.id) LIMIT ?2";
inline constexpr const char* kDeleteAuthzPerspectives =
    "DELETE FROM validation_perspectives WHERE challenge_id IN "
    "(SELECT id FROM challenges WHERE authz_id = ?1)";
inline constexpr const char* kDeleteAuthzRecords =
    "DELETE FROM validation_records WHERE challenge_id IN "
    "(SELECT id FROM challenges WHERE authz_id = ?1)";
inline constexpr const char* kDeleteAuthzChallenges = "DELETE FROM challenges WHERE authz_id = ?1";
inline constexpr const char* kDeleteAuthorization = "DELETE FROM authorizations WHERE id = ?1";

// --- the audit log ---------------------------------------------------------------------------
inline constexpr const char* kAuditHead =
    "SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1";
inline constexpr const char* kInsertAudit =
    "INSERT INTO audit_log (seq, entry, hash) VALUES (?1, ?2, ?3)";
// At most ?2 entries numbered after ?1, in order.
inline constexpr const char* kAuditRecords =
    "SELECT seq, entry, hash FROM audit_log WHERE seq > ?1 ORDER BY seq LIMIT ?2";

// --- leases on work in flight, and recovery ---------------------------------------------------
// Work in flight of run ?1 is leased until ?2.
inline constexpr const char* kRenewChallengeLeases =
    "UPDATE challenges SET lease_until = ?2 WHERE status = 'processing' AND lease_owner = ?1";
inline constexpr const char* kRenewOrderLeases =
    "UPDATE orders SET lease_until = ?2 WHERE status = 'processing' AND lease_owner = ?1";
// Work in flight that run ?1 may take over at ?2: not its own, and either leased by no
// one (stored before leases), or its lease lapsed, or held by an earlier run of the
// node ?3 ("<node>/", NULL: none) which is starting again.
#define SIGNET_LAPSED(table)                                                              \
  "(" table ".lease_owner IS NULL OR (" table ".lease_owner <> ?1 AND ("                   \
  table ".lease_until < ?2 OR substr(" table ".lease_owner, 1, length(?3)) = ?3)))"
inline constexpr const char* kFailInterruptedAuthzs =
    "UPDATE authorizations SET status = 'invalid' WHERE status = 'pending' AND EXISTS "
    "(SELECT 1 FROM challenges c WHERE c.authz_id = authorizations.id "
    "AND c.status = 'processing' AND " SIGNET_LAPSED("c") ")";
inline constexpr const char* kFailInterruptedChallenges =
    "UPDATE challenges SET status = 'invalid', error_type = 'serverInternal', "
    "error_detail = ?4 WHERE status = 'processing' AND " SIGNET_LAPSED("challenges");
inline constexpr const char* kFailInterruptedOrders =
    "UPDATE orders SET status = 'invalid', error_type = 'serverInternal', error_detail = ?4 "
    "WHERE status = 'processing' AND " SIGNET_LAPSED("orders") " AND NOT EXISTS "
    "(SELECT 1 FROM serials s WHERE s.order_id = orders.id AND s.spki IS NOT NULL)";
// Certificates recorded before signing whose order is still processing and which were
// never stored (signing was interrupted), that run ?1 may take over at ?2.
inline constexpr const char* kInterruptedIssuances =
    "SELECT s.order_id, s.account_id, s.serial, s.issuer, s.profile, s.spki, s.key_spki_sha256, "
    "s.identifiers, s.not_before, s.not_after FROM serials s JOIN orders o ON o.id = s.order_id "
    "WHERE o.status = 'processing' AND " SIGNET_LAPSED("o") " AND s.spki IS NOT NULL "
    "AND NOT EXISTS (SELECT 1 FROM certificates c WHERE c.serial = s.serial) "
    "ORDER BY s.reserved_at";
inline constexpr const char* kLeaseOrder =
    "UPDATE orders SET lease_owner = ?2, lease_until = ?3 WHERE id = ?1";
#undef SIGNET_LAPSED

// --- anti-replay nonces shared by every node -----------------------------------------------
inline constexpr const char* kCreateNonceKey =
    "INSERT OR IGNORE INTO nonce_key (id, key) VALUES (1, ?1)";
inline constexpr const char* kNonceKey = "SELECT key FROM nonce_key WHERE id = 1";
inline constexpr const char* kRedeemNonce =
    "INSERT OR IGNORE INTO redeemed_nonces (nonce, expires) VALUES (?1, ?2)";
inline constexpr const char* kPurgeRedeemedNonces =
    "DELETE FROM redeemed_nonces WHERE expires < ?1";

// --- copying a database into PostgreSQL (storage/database_copy.hpp) ----------------------
// The schema's tables by name (SQLite's own and PostgreSQL's schema_version excepted).
inline constexpr const char* kTables =
    "SELECT name FROM sqlite_master WHERE type = 'table' AND substr(name, 1, 7) <> 'sqlite_' "
    "ORDER BY name";
// A table's columns in order: name, declared type, and the sequence that numbers it
// (PostgreSQL's serial columns; NULL for every other).
inline constexpr const char* kTableColumns =
    "SELECT name, type, NULL FROM pragma_table_info(?1) ORDER BY cid";

// --- backups: on the finished copy -----------------------------------------------------------
// One row "ok", or a row for each problem found.
inline constexpr const char* kIntegrityCheck = "PRAGMA integrity_check";
// A plain rollback-journal file: the copy is one file, with no -wal or -shm beside it.
inline constexpr const char* kRollbackJournal = "PRAGMA journal_mode = DELETE";
inline constexpr const char* kCountAccounts = "SELECT count(*) FROM accounts";
inline constexpr const char* kCountOrders = "SELECT count(*) FROM orders";
inline constexpr const char* kCountCertificates = "SELECT count(*) FROM certificates";

}  // namespace signet::storage::sql
