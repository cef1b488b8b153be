"""The operator's command line on the data directory of a running server: certificates
issued over ACME are listed and shown (`signet cert list|show`), revoked from the
command line (`signet cert revoke`: by serial, the shard's CRL fetched over plain HTTP
lists it within seconds and `openssl verify -crl_check` then refuses the certificate;
by name and by account); accounts and orders are listed, an account deactivated
(`signet account`, `signet order`); the issuers are shown (`signet ca show`);
configuration files are checked (`signet config check`). Every read command's --json is
checked, and the exit codes: 0 done, 1 error, 2 usage."""
import json
import os
import re
import subprocess
import urllib.request

from acme_raw import Client, b64
from harness import Checks, Env, main_args, run, wait_until
from test_protocol import ChallengeResponder, issue, problem

SHARDS = 2


def fetch_crl(url, path):
    """The CRL at url (DER over plain HTTP) as a PEM file at path."""
    with urllib.request.urlopen(url, timeout=5) as r:
        der = r.read()
    with open(path + ".der", "wb") as f:
        f.write(der)
    pem = run(["openssl", "crl", "-inform", "DER", "-in", path + ".der"]).stdout
    with open(path, "w") as f:
        f.write(pem)
    return path


def main():
    args = main_args()
    checks = Checks()
    with Env(args.signet, config_text=f"[crl]\nshards = {SHARDS}\n") as env:
        def signet(*cmd, check=True):
            return run([args.signet, *cmd], check=check)

        def on_data(*cmd, check=True):
            return signet(*cmd, "--data-dir", env.data_dir, check=check)

        def js(*cmd):
            return json.loads(on_data(*cmd, "--json").stdout)

        state = {"certs": {}}
        responder = ChallengeResponder(env.http01_port)

        def issue_for(client, names):
            _, pem, _ = issue(client, responder, names)
            path = os.path.join(env.tmp, names[0] + ".pem")
            with open(path, "w") as f:
                f.write(pem)
            serial = run(["openssl", "x509", "-in", path, "-noout", "-serial"]).stdout
            serial = serial.strip().split("=")[1].lower()
            state["certs"][names[0]] = {"serial": serial, "path": path, "pem": pem}
            return serial

        def issued_over_acme():
            a, b = Client(env.directory, env.root), Client(env.directory, env.root)
            a.register(["mailto:a@cli.test"])
            b.register()
            state["a"], state["b"] = a, b
            state["a_id"] = a.kid.rsplit("/", 1)[1]
            state["b_id"] = b.kid.rsplit("/", 1)[1]
            issue_for(a, ["one.cli.test"])
            issue_for(a, ["shared.cli.test"])
            issue_for(b, ["b.cli.test", "shared.cli.test"])
            issue_for(b, ["b2.cli.test"])

        def cert_list():
            listed = js("cert", "list")
            assert not listed["truncated"], listed
            certs = {c["serial"]: c for c in listed["certificates"]}
            assert set(certs) == {c["serial"] for c in state["certs"].values()}, certs
            for c in certs.values():
                assert c["status"] == "valid" and c["revoked_at"] is None, c
                assert c["revocation_reason"] is None and c["profile"] == "tlsserver", c
                assert re.fullmatch(r"[0-9a-f]+", c["serial"]) and len(c["key_sha256"]) == 64, c
                assert "pem" not in c, c
            one = certs[state["certs"]["one.cli.test"]["serial"]]
            assert one["account"] == state["a_id"], one
            assert one["identifiers"] == [{"type": "dns", "value": "one.cli.test"}], one
            serials = lambda *f: sorted(c["serial"] for c in js("cert", "list", *f)["certificates"])
            mine = sorted(state["certs"][n]["serial"] for n in ("one.cli.test", "shared.cli.test"))
            assert serials("--account", state["a_id"]) == mine
            assert serials("--account", state["a"].kid) == mine  # the account's URL works too
            shared = sorted([state["certs"]["shared.cli.test"]["serial"], state["certs"]["b.cli.test"]["serial"]])
            assert serials("--name", "SHARED.cli.test") == shared
            assert serials("--expiring-within", "30d") == []
            assert len(serials("--expiring-within", "100d")) == 4
            assert serials("--status", "revoked") == []
            limited = js("cert", "list", "--limit", "1")
            assert len(limited["certificates"]) == 1 and limited["truncated"], limited
            table = on_data("cert", "list").stdout.splitlines()
            assert re.match(r"SERIAL\s+NAMES\s+PROFILE\s+STATUS\s+NOT AFTER", table[0]), table
            assert len(table) == 5, table

        def cert_show():
            c = state["certs"]["one.cli.test"]
            shown = js("cert", "show", c["serial"].upper())  # upper case accepted
            assert shown["serial"] == c["serial"] and shown["status"] == "valid", shown
            assert shown["pem"] == c["pem"].split("-----END CERTIFICATE-----\n")[0] + "-----END CERTIFICATE-----\n"
            assert shown["account"] == state["a_id"] and shown["order"], shown
            assert shown["cert_id"] and shown["not_before"] < shown["not_after"], shown
            text = on_data("cert", "show", c["serial"]).stdout
            assert "Status:          valid" in text and "BEGIN CERTIFICATE" in text, text
            colons = ":".join(c["serial"][i:i + 2] for i in range(0, len(c["serial"]), 2))
            bad = on_data("cert", "show", colons, check=False)
            assert bad.returncode == 2 and "colons" in bad.stderr, bad
            unknown = on_data("cert", "show", "0123", check=False)
            assert unknown.returncode == 1 and "No certificate has serial 0123" in unknown.stderr, unknown

        def verify(cert, crl):
            bundle = os.path.join(env.tmp, "trust.pem")
            with open(bundle, "w") as f, open(env.root) as r:
                f.write(r.read() + cert["pem"].split("-----END CERTIFICATE-----\n", 1)[1])
            return run(["openssl", "verify", "-crl_check", "-CAfile", bundle, "-CRLfile", crl,
                        cert["path"]], check=False)

        def revoke_serial_reaches_the_crl():
            c = state["certs"]["one.cli.test"]
            text = run(["openssl", "x509", "-in", c["path"], "-noout", "-text"]).stdout
            url = re.search(r"CRL Distribution Points:\s*\n\s*Full Name:\s*\n\s*URI:(\S+)", text).group(1)
            assert url.startswith(f"{env.crl_base}/crl/{env.crl_issuer}/"), url
            crl = os.path.join(env.tmp, "shard.crl.pem")
            ok = verify(c, fetch_crl(url, crl))
            assert ok.returncode == 0, ok.stdout + ok.stderr
            out = js("cert", "revoke", "--serial", c["serial"], "--reason", "keyCompromise")
            [r] = out["revoked"]
            assert r["serial"] == c["serial"] and r["newly_revoked"], r
            assert r["status"] == "revoked" and r["revocation_reason"] == 1, r
            assert r["revocation_reason_name"] == "keyCompromise" and r["revoked_at"], r

            def listed():
                crl_text = run(["openssl", "crl", "-in", fetch_crl(url, crl), "-noout", "-text"]).stdout
                return c["serial"].upper() in crl_text.replace(":", "").upper() and "Key Compromise" in crl_text

            wait_until("the CLI revocation in the shard's CRL", listed, timeout=20, interval=0.25)
            bad = verify(c, crl)
            assert bad.returncode != 0 and "certificate revoked" in bad.stdout + bad.stderr, bad
            again = on_data("cert", "revoke", "--serial", c["serial"], check=False)
            assert again.returncode == 1 and "already revoked" in again.stderr, again
            # ACME sees it revoked too.
            a = state["a"]
            der = subprocess.run(["openssl", "x509", "-in", c["path"], "-outform", "DER"],
                                 capture_output=True, check=True).stdout
            r = a.post(a.dir["revokeCert"], {"certificate": b64(der)})
            problem(r, 400, "alreadyRevoked")

        def revoke_by_name_and_account():
            shared = js("cert", "revoke", "--name", "shared.cli.test", "--reason", "4")["revoked"]
            assert sorted(r["serial"] for r in shared) == sorted(
                [state["certs"]["shared.cli.test"]["serial"], state["certs"]["b.cli.test"]["serial"]]), shared
            assert all(r["newly_revoked"] and r["revocation_reason"] == 4 for r in shared), shared
            # b's other certificate only: the shared one is no longer valid.
            of_b = js("cert", "revoke", "--account", state["b_id"], "--reason", "privilegeWithdrawn")["revoked"]
            assert [r["serial"] for r in of_b] == [state["certs"]["b2.cli.test"]["serial"]], of_b
            none = on_data("cert", "revoke", "--account", state["b_id"])
            assert none.returncode == 0 and "nothing revoked" in none.stdout, none.stdout
            revoked = js("cert", "list", "--status", "revoked")["certificates"]
            assert len(revoked) == 4 and all(c["revoked_at"] for c in revoked), revoked
            assert js("cert", "list", "--status", "valid")["certificates"] == []

        def revoke_refuses_bad_usage():
            serial = state["certs"]["b2.cli.test"]["serial"]
            for extra in (["--reason", "2"], ["--reason", "7"], ["--reason", "11"], ["--reason", "soon"]):
                r = on_data("cert", "revoke", "--serial", serial, *extra, check=False)
                assert r.returncode == 2, (extra, r.returncode, r.stderr)
            r = on_data("cert", "revoke", check=False)
            assert r.returncode == 2 and "give one of --serial, --account, --name" in r.stderr, r.stderr
            r = on_data("cert", "revoke", "--serial", serial, "--name", "x.test", check=False)
            assert r.returncode == 2, r
            r = signet("cert", "revoke", "--serial", serial, "--data-dir", os.path.join(env.tmp, "nowhere"), check=False)
            assert r.returncode == 1 and "no Signet database" in r.stderr, r.stderr
            r = signet("cert", "frobnicate", check=False)
            assert r.returncode == 2, r

        def accounts_and_orders():
            accounts = js("account", "list")
            ids = {a["id"]: a for a in accounts["accounts"]}
            assert set(ids) == {state["a_id"], state["b_id"]}, accounts
            assert ids[state["a_id"]]["contact"] == ["mailto:a@cli.test"], ids
            assert all(a["status"] == "valid" for a in ids.values()) and not accounts["truncated"]
            shown = js("account", "show", state["a_id"])
            assert shown["valid_certificates"] == [], shown  # both revoked by now
            orders = js("order", "list")["orders"]
            assert len(orders) == 4 and all(o["status"] == "valid" and o["certificate"] for o in orders), orders
            assert len(js("order", "list", "--account", state["b_id"])["orders"]) == 2
            assert js("order", "list", "--status", "pending")["orders"] == []
            bad = on_data("order", "list", "--status", "done", check=False)
            assert bad.returncode == 2, bad

        def deactivated_account_is_refused():
            b = state["b"]
            out = js("account", "deactivate", state["b_id"])
            assert out["status"] == "deactivated", out
            again = on_data("account", "deactivate", state["b_id"], check=False)
            assert again.returncode == 1 and "already" in again.stderr, again.stderr
            # The server's cached copy of the account ages out within 30 s.
            wait_until("the server to refuse the deactivated account",
                       lambda: b.post(b.dir["newOrder"], {"identifiers": [{"type": "dns", "value": "x.cli.test"}]}).status_code == 401,
                       timeout=40, interval=1.0)
            unknown = on_data("account", "show", "nope", check=False)
            assert unknown.returncode == 1, unknown

        def ca_show():
            issuers = js("ca", "show")["issuers"]
            assert [i["role"] for i in issuers] == ["root", "acme", "infrastructure"], issuers
            fp = run(["openssl", "x509", "-in", env.root, "-noout", "-fingerprint", "-sha256"]).stdout
            assert issuers[0]["sha256_fingerprint"] == fp.strip().split("=")[1].replace(":", "").lower(), (issuers[0], fp)
            assert issuers[0]["key_type"] == "ECDSA P-384" and issuers[1]["key_type"] == "ECDSA P-256", issuers
            leaf_issuer = run(["openssl", "x509", "-in", state["certs"]["b2.cli.test"]["path"], "-noout",
                               "-issuer", "-nameopt", "RFC2253"]).stdout.strip().split("=", 1)[1]
            assert issuers[1]["subject"] == leaf_issuer, (issuers[1]["subject"], leaf_issuer)
            assert issuers[1]["issuer"] == issuers[0]["subject"]
            assert "Root (what relying parties trust)" in on_data("ca", "show").stdout

        def config_check():
            good = os.path.join(env.tmp, "good.toml")
            with open(good, "w") as f:
                f.write("[crl]\nshards = 8\n[certificates]\ndefault_profile = \"short\"\n"
                        "[profiles.short]\nvalidity_hours = 24\n")
            ok = signet("config", "check", "--config", good)
            assert ok.stdout.startswith("OK: ") and "short" in ok.stdout, ok.stdout
            assert signet("config", "check").stdout.startswith("OK: the embedded default")
            bad = os.path.join(env.tmp, "bad.toml")
            with open(bad, "w") as f:
                f.write("[certificates]\ndefault_profile = \"x\"\n[profiles.x]\nkey_usage = [\"keyEncipherment\"]\n")
            r = signet("config", "check", "--config", bad, check=False)
            assert r.returncode == 1 and "must include digitalSignature" in r.stderr, r.stderr
            r = signet("config", "check", "--config", os.path.join(env.tmp, "missing.toml"), check=False)
            assert r.returncode == 2, r

        checks.run("certificates issued over ACME", issued_over_acme)
        checks.run("cert list: every filter, --json and the table", cert_list)
        checks.run("cert show: PEM and what the CA knows; serials as printed", cert_show)
        checks.run("cert revoke --serial: the shard's CRL lists it, openssl verify -crl_check refuses it",
                   revoke_serial_reaches_the_crl)
        checks.run("cert revoke --name and --account: each valid certificate", revoke_by_name_and_account)
        checks.run("cert revoke: reasons and usage errors exit 2, errors 1", revoke_refuses_bad_usage)
        checks.run("account list|show and order list", accounts_and_orders)
        checks.run("account deactivate: the running server refuses the account", deactivated_account_is_refused)
        checks.run("ca show: the issuers and their fingerprints", ca_show)
        checks.run("config check: OK, or the error", config_check)
        responder.close()
    return checks.finish()


if __name__ == "__main__":
    raise SystemExit(main())
