"""External account binding (RFC 8555 §7.3.4) on a Signet that requires it: certbot and
lego register with a key from `signet eab create` and get certificates; registrations
without a binding, with a wrong MAC, with a revoked key and with a single-use key used
already are refused; a key's prevalidated domains need no challenge (no responder runs);
a key's allowed domains bound its accounts' orders; `signet eab` lists, shows and
revokes keys while the server runs."""
import base64
import hashlib
import hmac
import json
import os
from datetime import datetime, timedelta, timezone

from acme_raw import Client, Key, b64
from harness import Checks, Env, cert_names, main_args, openssl_verify, run
from test_protocol import ChallengeResponder, ident, issue, problem

CONFIG = """
[acme]
external_account_required = true
"""


def b64decode(s):
    return base64.urlsafe_b64decode(s + "=" * (-len(s) % 4))


def binding(client, kid, hmac_key, url=None, alg="HS256", payload_jwk=None, extra=None):
    """The externalAccountBinding a client sends: a JWS MACed with the key from the CA."""
    header = {"alg": alg, "kid": kid, "url": url or client.dir["newAccount"]}
    header.update(extra or {})
    protected = b64(json.dumps(header))
    payload = b64(json.dumps(payload_jwk or client.key.jwk()))
    digest = {"HS256": hashlib.sha256, "HS384": hashlib.sha384, "HS512": hashlib.sha512}.get(alg, hashlib.sha256)
    mac = hmac.new(b64decode(hmac_key), f"{protected}.{payload}".encode(), digest).digest()
    return {"protected": protected, "payload": payload, "signature": b64(mac)}


def new_account(client, eab=None):
    payload = {"termsOfServiceAgreed": True}
    if eab is not None:
        payload["externalAccountBinding"] = eab
    r = client.post(client.dir["newAccount"], payload, use_jwk=True)
    if r.status_code in (200, 201):
        client.kid = r.headers["Location"]
    return r


def validity_days(pem_file):
    out = run(["openssl", "x509", "-in", pem_file, "-noout", "-startdate", "-enddate"]).stdout
    nb, na = [datetime.strptime(line.split("=", 1)[1].strip(), "%b %d %H:%M:%S %Y %Z")
              for line in out.strip().splitlines()]
    return (na - nb).days


def main():
    args = main_args()
    checks = Checks()
    with Env(args.signet, config_text=CONFIG) as env:
        print("clients: " + run(["lego", "--version"]).stdout.strip() + "; " +
              (run(["certbot", "--version"]).stdout.strip() or run(["certbot", "--version"]).stderr.strip()))

        def eab(*cmd, check=True):
            return run([args.signet, "eab", *cmd, "--data-dir", env.data_dir], check=check)

        def create(*opts):
            return json.loads(eab("create", *opts, "--json").stdout)

        def show(kid):
            return json.loads(eab("show", kid, "--json").stdout)

        def directory_meta():
            c = Client(env.directory, env.root)
            assert c.dir["meta"]["externalAccountRequired"] is True, c.dir

        def cli():
            k = create("--kid", "ops-1", "--note", "ops team", "--allowed-domains", "A.example.test,b.example.test",
                       "--prevalidated-domains", "corp.a.example.test", "--max-validity-days", "30", "--reusable")
            assert k["kid"] == "ops-1" and len(b64decode(k["hmac_key"])) == 32, k
            assert "=" not in k["hmac_key"], k
            assert k["allowed_domains"] == ["a.example.test", "b.example.test"], k
            assert k["prevalidated_domains"] == ["corp.a.example.test"], k
            assert k["max_validity_days"] == 30 and k["reusable"] is True and k["revoked_at"] is None, k
            random = create()
            assert random["kid"] and random["kid"] != "ops-1" and random["reusable"] is False, random
            keys = json.loads(eab("list", "--json").stdout)["keys"]
            assert [x["kid"] for x in keys] == ["ops-1", random["kid"]], keys
            assert all("hmac_key" not in x for x in keys), "list shows no HMAC key"
            s = show("ops-1")
            assert s["note"] == "ops team" and s["accounts"] == 0 and s["bound_accounts"] == [], s
            assert "hmac_key" not in s, s
            human = eab("show", "ops-1").stdout
            assert "ops-1" in human and "corp.a.example.test" in human, human
            # Failures: exit 1 with a message; usage errors: exit 2.
            r = eab("show", "nope", check=False)
            assert r.returncode == 1 and "nope" in r.stderr, (r.returncode, r.stderr)
            r = eab("create", "--kid", "ops-1", check=False)
            assert r.returncode == 1 and "exists" in r.stderr, (r.returncode, r.stderr)
            r = eab("create", "--prevalidated-domains", "*.x.example.test", check=False)
            assert r.returncode == 1 and "prevalidated domains" in r.stderr, (r.returncode, r.stderr)
            r = run([args.signet, "eab", "show", "--data-dir", env.data_dir], check=False)
            assert r.returncode == 2, (r.returncode, r.stderr)
            r = run([args.signet, "eab", "create", "--max-validity-days", "zero"], check=False)
            assert r.returncode == 2, (r.returncode, r.stderr)

        def certbot_run(k, name, cfg):
            common = ["--config-dir", f"{cfg}/config", "--work-dir", f"{cfg}/work", "--logs-dir", f"{cfg}/logs",
                      "--server", env.directory, "--non-interactive"]
            run(["certbot", "certonly", "--standalone", "--http-01-port", str(env.http01_port),
                 "--agree-tos", "--email", "ops@example.test", "--eab-kid", k["kid"],
                 # "=": a key may start with "-", which argparse would take for an option.
                 f"--eab-hmac-key={k['hmac_key']}",
                 "-d", name] + common, {"REQUESTS_CA_BUNDLE": env.root})
            live = f"{cfg}/config/live/{name}"
            openssl_verify(env.root, f"{live}/cert.pem", f"{live}/chain.pem")
            assert cert_names(f"{live}/cert.pem") == [name]

        def certbot():
            k = create("--note", "certbot")
            certbot_run(k, "certbot.example.test", os.path.join(env.tmp, "certbot"))
            s = show(k["kid"])
            assert s["accounts"] == 1 and len(s["bound_accounts"]) == 1, s
            return k

        def certbot_prevalidated():
            k = create("--prevalidated-domains", "cbpre.example.test")
            # Nothing answers http-01 (certbot's standalone server would, were it asked to).
            certbot_run(k, "www.cbpre.example.test", os.path.join(env.tmp, "certbot-pre"))
            validated = [line for line in env.log().splitlines()
                         if "validation " in line and "cbpre.example.test" in line]
            assert not validated, validated

        state = {}

        def lego(path, k, domain, *extra):
            return run(["lego", "--server", env.directory, "--email", "ops@example.test", "--accept-tos",
                        "--path", path, "--key-type", "ec256", "--eab", "--kid", k["kid"],
                        f"--hmac={k['hmac_key']}",
                        "--http", "--http.port", f":{env.http01_port}", "--domains", domain, *extra, "run"],
                       {"LEGO_CA_CERTIFICATES": env.root}, check=False)

        def lego_issues():
            k = create("--note", "lego")
            path = os.path.join(env.tmp, "lego")
            r = lego(path, k, "lego.example.test")
            assert r.returncode == 0, r.stdout + r.stderr
            crt = f"{path}/certificates/lego.example.test.crt"
            openssl_verify(env.root, crt, f"{path}/certificates/lego.example.test.issuer.crt")
            assert cert_names(crt) == ["lego.example.test"]

        def refused_registrations():
            c = Client(env.directory, env.root)
            doc = problem(new_account(c), 400, "externalAccountRequired")
            assert "externalAccountBinding" in doc["detail"], doc
            k = create()
            other = create()
            # A MAC made with another key, another algorithm's MAC, a url not the request's,
            # a payload that is not the account key, a MAC algorithm that is no MAC.
            doc = problem(new_account(c, binding(c, k["kid"], other["hmac_key"])), 403, "unauthorized")
            assert "MAC does not verify" in doc["detail"], doc
            doc = problem(new_account(c, binding(c, k["kid"], k["hmac_key"], url=env.base + "/acme/new-order")),
                          400, "malformed")
            assert '"url"' in doc["detail"], doc
            doc = problem(new_account(c, binding(c, k["kid"], k["hmac_key"], payload_jwk=Key().jwk())),
                          403, "unauthorized")
            assert "not the account key" in doc["detail"], doc
            doc = problem(new_account(c, binding(c, k["kid"], k["hmac_key"], alg="RS256")), 400, "malformed")
            assert "MAC algorithm" in doc["detail"], doc
            doc = problem(new_account(c, binding(c, k["kid"], k["hmac_key"], extra={"nonce": c.new_nonce()})),
                          400, "malformed")
            assert "nonce" in doc["detail"], doc
            doc = problem(new_account(c, binding(c, "no-such-kid", k["hmac_key"])), 403, "unauthorized")
            assert "no-such-kid" in doc["detail"], doc
            # The certbot key is single-use and bound already.
            doc = problem(new_account(c, binding(c, state["certbot"]["kid"], state["certbot"]["hmac_key"])),
                          403, "unauthorized")
            assert "bound to one already" in doc["detail"], doc
            # A revoked key.
            out = eab("revoke", other["kid"]).stdout
            assert "revoked" in out, out
            doc = problem(new_account(c, binding(c, other["kid"], other["hmac_key"])), 403, "unauthorized")
            assert "revoked" in doc["detail"], doc
            # HS512 works, and the account object carries the binding (RFC 8555 §7.3.4).
            sent = binding(c, k["kid"], k["hmac_key"], alg="HS512")
            r = new_account(c, sent)
            assert r.status_code == 201, r.text
            assert r.json()["externalAccountBinding"] == sent, r.json()
            # The account exists now: found without a binding, by key.
            again = c.post(c.dir["newAccount"], {"onlyReturnExisting": True}, use_jwk=True)
            assert again.status_code == 200 and again.headers["Location"] == c.kid, again.text
            assert new_account(c).status_code == 200

        def prevalidated():
            k = create("--allowed-domains", "pre.example.test", "--prevalidated-domains", "pre.example.test",
                       "--max-validity-days", "10")
            path = os.path.join(env.tmp, "lego-pre")
            # No http-01 responder runs: lego binds its solver only for a challenge to solve.
            r = lego(path, k, "www.pre.example.test")
            assert r.returncode == 0, r.stdout + r.stderr
            crt = f"{path}/certificates/www.pre.example.test.crt"
            openssl_verify(env.root, crt, f"{path}/certificates/www.pre.example.test.issuer.crt")
            assert cert_names(crt) == ["www.pre.example.test"]
            validated = [line for line in env.log().splitlines()
                         if "validation " in line and "pre.example.test" in line]
            assert not validated, validated
            assert validity_days(crt) == 10
            # What the authorization looks like: valid, no challenges.
            c = Client(env.directory, env.root)
            assert new_account(c, binding(c, k["kid"], k["hmac_key"])).status_code == 403  # lego's now
            k2 = create("--allowed-domains", "pre.example.test", "--prevalidated-domains", "pre.example.test")
            assert new_account(c, binding(c, k2["kid"], k2["hmac_key"])).status_code == 201
            r = c.post(c.dir["newOrder"], {"identifiers": [ident("*.pre.example.test")]})
            assert r.status_code == 201 and r.json()["status"] == "ready", r.text
            authz = c.post(r.json()["authorizations"][0], None).json()
            assert authz["status"] == "valid" and authz["challenges"] == [] and authz["wildcard"] is True, authz
            # A name outside the key's allowed domains is refused.
            r = c.post(c.dir["newOrder"], {"identifiers": [ident("www.pre.example.test"), ident("x.other.example.test")]})
            doc = problem(r, 400, "rejectedIdentifier")
            subs = {s["identifier"]["value"]: s["detail"] for s in doc["subproblems"]}
            assert list(subs) == ["x.other.example.test"], doc
            assert f"external account key {k2['kid']}" in subs["x.other.example.test"], doc
            state["pre"] = (c, k2)

        def revoked_key_stops_orders():
            c, k2 = state["pre"]
            eab("revoke", k2["kid"])
            r = c.post(c.dir["newOrder"], {"identifiers": [ident("www.pre.example.test")]})
            doc = problem(r, 403, "unauthorized")
            assert doc["detail"] == f"The external account key {k2['kid']} bound to this account was revoked", doc
            s = show(k2["kid"])
            assert s["revoked_at"] and s["accounts"] == 1, s
            listed = {x["kid"]: x for x in json.loads(eab("list", "--json").stdout)["keys"]}
            assert listed[k2["kid"]]["revoked_at"] == s["revoked_at"], listed
            r = eab("revoke", k2["kid"], check=False)
            assert r.returncode == 1 and "already" in r.stderr, r.stderr

        def max_validity():
            k = create("--max-validity-days", "5")
            c = Client(env.directory, env.root)
            assert new_account(c, binding(c, k["kid"], k["hmac_key"])).status_code == 201
            not_after = (datetime.now(timezone.utc) + timedelta(days=20)).strftime("%Y-%m-%dT%H:%M:%SZ")
            r = c.post(c.dir["newOrder"], {"identifiers": [ident("long.example.test")], "notAfter": not_after})
            doc = problem(r, 400, "malformed")
            assert f"5 days the external account key {k['kid']} allows" in doc["detail"], doc
            # An order without notAfter is fine; its certificate is capped at 5 days.
            responder = ChallengeResponder(env.http01_port)
            try:
                _, pem, _ = issue(c, responder, ["short.example.test"])
            finally:
                responder.close()
            path = os.path.join(env.tmp, "short.pem")
            with open(path, "w") as f:
                f.write(pem)
            assert validity_days(path) == 5

        checks.run("the directory says externalAccountRequired", directory_meta)
        checks.run("signet eab create/list/show: JSON, text, exit codes", cli)
        checks.run("certbot registers with --eab-kid/--eab-hmac-key and gets a certificate",
                   lambda: state.update(certbot=certbot()))
        checks.run("lego registers with --eab --kid --hmac and gets a certificate", lego_issues)
        checks.run("certbot gets a certificate for a prevalidated name with no challenge", certbot_prevalidated)
        checks.run("no binding, wrong MAC, wrong url, other key, no MAC alg, unknown, used and revoked keys "
                   "are refused", refused_registrations)
        checks.run("prevalidated domains: lego gets a certificate with no challenge; allowed domains bound orders",
                   prevalidated)
        checks.run("a revoked key stops its accounts' orders", revoked_key_stops_orders)
        checks.run("a key's maximum validity: refused when asked for, capped otherwise", max_validity)
    checks.finish()


if __name__ == "__main__":
    main()
