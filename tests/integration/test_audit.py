"""The audit log of a running server: the certificates it signs for itself as it starts;
an account created, its key rolled over, a certificate finalized, issued and revoked over
ACME; an external account key created and used, a certificate revoked and an account
deactivated from the command line; a policy reload and a backup: each leaves one entry,
with who did it and what. The entries reach the [audit] file as JSON lines as they are
written; `signet audit verify` checks the chain (database and file) and finds one edited
or removed line in either; `signet audit export` writes the same lines."""
import base64
import hashlib
import hmac
import json
import os
import signal
import sqlite3

from acme_raw import Client, Key, b64, jws
from harness import Checks, Env, main_args, run, wait_until
from test_protocol import ChallengeResponder, issue


def entries(lines):
    return [json.loads(line) for line in lines if line.strip()]


def main():
    args = main_args()
    checks = Checks()

    def config(env):
        return f'[audit]\nfile = "{os.path.join(env.tmp, "audit.jsonl")}"\n'

    with Env(args.signet, config_text=config) as env:
        stream = os.path.join(env.tmp, "audit.jsonl")
        responder = ChallengeResponder(env.http01_port)
        state = {}

        def signet(*cmd, check=True):
            return run([args.signet, *cmd, "--data-dir", env.data_dir], check=check)

        def serial_and_der(pem, name):
            """A certificate's serial (as Signet prints it) and its DER."""
            path = os.path.join(env.tmp, name + ".pem")
            with open(path, "w") as f:
                f.write(pem)
            serial = run(["openssl", "x509", "-in", path, "-noout", "-serial"]).stdout
            der_file = os.path.join(env.tmp, name + ".der")
            run(["openssl", "x509", "-in", path, "-outform", "DER", "-out", der_file])
            with open(der_file, "rb") as f:
                return serial.strip().split("=")[1].lower(), f.read()

        def exported():
            return entries(signet("audit", "export").stdout.splitlines())

        def startup():
            # The certificates the server signed for itself as it started: its TLS
            # listeners' and the OCSP responder's.
            got = exported()
            assert got and all(e["action"] == "certificate.issue" and e["actor"] == "server"
                               for e in got), got
            assert all("order" not in e["details"] and e["details"]["issuer"] for e in got), got
            state["startup"] = len(got)

        def acme_changes():
            c = Client(env.directory, env.root)
            c.register(["mailto:audit@audit.test"])
            account = c.kid.rsplit("/", 1)[1]
            new_key = Key()
            inner = jws(new_key, c.dir["keyChange"], {"account": c.kid, "oldKey": c.key.jwk()})
            assert c.post(c.dir["keyChange"], inner).status_code == 200
            c.key = new_key
            _, pem, _ = issue(c, responder, ["one.audit.test"])
            serial, der = serial_and_der(pem, "one")
            r = c.post(c.dir["revokeCert"], {"certificate": b64(der), "reason": 4})
            assert r.status_code == 200, r.text
            state.update(client=c, account=account, serial=serial)
            got = exported()[state["startup"]:]
            actions = [(e["action"], e["actor"]) for e in got]
            assert actions == [("account.create", "client:127.0.0.1"),
                               ("account.key_change", f"account:{account}"),
                               ("order.finalize", f"account:{account}"),
                               ("certificate.issue", f"account:{account}"),
                               ("certificate.revoke", f"account:{account}")], actions
            assert got[0]["details"]["account"] == account, got[0]
            assert got[1]["details"]["new_key_thumbprint"] == new_key.thumbprint(), got[1]
            issued = got[3]["details"]
            assert issued["serial"] == serial and issued["names"] == "one.audit.test", issued
            assert issued["profile"] == "tlsserver" and len(issued["key_sha256"]) == 64, issued
            assert got[2]["details"]["serial"] == serial, got[2]
            assert got[4]["details"] == {"serial": serial, "reason": "4",
                                         "reason_name": "superseded"}, got[4]
            first = state["startup"] + 1
            assert [e["seq"] for e in got] == list(range(first, first + 5)), got
            state["issue_seq"], state["revoke_seq"] = first + 3, first + 4

        def operator_changes():
            before = len(exported())
            created = json.loads(signet("eab", "create", "--json").stdout)
            kid, key = created["kid"], created["hmac_key"]
            # An account bound to the key: its creation names the key.
            e = Client(env.directory, env.root)
            protected = {"alg": "HS256", "kid": kid, "url": e.dir["newAccount"]}
            p64 = b64(json.dumps(protected).encode())
            j64 = b64(json.dumps(e.key.jwk()).encode())
            raw_key = base64.urlsafe_b64decode(key + "=" * (-len(key) % 4))
            sig = hmac.new(raw_key, f"{p64}.{j64}".encode(), hashlib.sha256).digest()
            binding = {"protected": p64, "payload": j64, "signature": b64(sig)}
            r = e.post(e.dir["newAccount"], {"termsOfServiceAgreed": True,
                                             "externalAccountBinding": binding}, use_jwk=True)
            assert r.status_code == 201, r.text
            _, pem, _ = issue(state["client"], responder, ["two.audit.test"])
            serial, _ = serial_and_der(pem, "two")
            signet("cert", "revoke", "--serial", serial, "--reason", "keyCompromise")
            signet("account", "deactivate", state["account"])
            signet("backup", "--out", os.path.join(env.tmp, "backup.db"))
            got = exported()[before:]
            actions = [e["action"] for e in got]
            assert actions == ["eab.create", "account.create", "order.finalize",
                               "certificate.issue", "certificate.revoke", "account.deactivate",
                               "backup"], actions
            assert got[0]["actor"].startswith("operator:") and got[0]["details"]["kid"] == kid
            assert got[1]["details"]["eab_kid"] == kid, got[1]
            assert got[4]["actor"].startswith("operator:"), got[4]
            assert got[4]["details"]["reason_name"] == "keyCompromise", got[4]
            assert got[5]["details"]["account"] == state["account"], got[5]
            assert got[6]["details"]["path"].endswith("backup.db"), got[6]

        def policy_reload():
            before = len(exported())
            with open(os.path.join(env.tmp, "signet.toml"), "a") as f:
                f.write('\n[policy]\ndenied_domains = ["denied.audit.test"]\n')
            env.server.send_signal(signal.SIGHUP)
            wait_until("the reload", lambda: "configuration reloaded" in env.log())
            got = exported()[before:]
            assert [e["action"] for e in got] == ["policy.reload"], got
            with open(os.path.join(env.tmp, "signet.toml"), "rb") as f:
                digest = hashlib.sha256(f.read()).hexdigest()
            assert got[0]["actor"] == "server" and got[0]["details"]["config_sha256"] == digest

        def verify_and_stream():
            out = json.loads(signet("audit", "verify", "--json").stdout)
            lines = signet("audit", "export").stdout.splitlines()
            assert out["intact"] and out["broken"] is None, out
            assert out["entries"] == len(lines) == out["head_seq"], (out, len(lines))
            assert json.loads(lines[-1])["hash"] == out["head_hash"]
            text = signet("audit", "verify").stdout
            assert "intact" in text and out["head_hash"] in text, text

            def streamed():
                with open(stream) as f:
                    return f.read().splitlines()
            wait_until("the audit file to catch up", lambda: streamed() == lines, timeout=15)
            assert json.loads(signet("audit", "verify", "--file", stream, "--json").stdout)["intact"]
            after = signet("audit", "export", "--after", str(len(lines) - 2)).stdout.splitlines()
            assert after == lines[-2:], after

        def edited_file_line_is_found():
            lines = signet("audit", "export").stdout.splitlines()
            edited = os.path.join(env.tmp, "edited.jsonl")
            n = state["issue_seq"]  # the issuance of one.audit.test: line n, entry n
            with open(edited, "w") as f:
                for i, line in enumerate(lines, 1):
                    if i == n:
                        assert "one.audit.test" in line, line
                        line = line.replace("one.audit.test", "evil.audit.test")
                    f.write(line + "\n")
            r = signet("audit", "verify", "--file", edited, "--json", check=False)
            assert r.returncode == 1, (r.returncode, r.stdout, r.stderr)
            out = json.loads(r.stdout)
            assert not out["intact"] and out["entries"] == n - 1, out
            assert f"entry {n}" in out["broken"] and "edited" in out["broken"], out
            # A line removed.
            with open(edited, "w") as f:
                f.write("\n".join(lines[:n - 1] + lines[n:]) + "\n")
            r = signet("audit", "verify", "--file", edited, check=False)
            assert r.returncode == 1 and f"entry {n}" in r.stdout, r.stdout

        def edited_database_row_is_found():
            db = sqlite3.connect(os.path.join(env.data_dir, "signet.db"), timeout=10)
            try:
                try:
                    db.execute("UPDATE audit_log SET entry = entry WHERE seq = 2")
                    raise AssertionError("the audit table took an update")
                except sqlite3.DatabaseError as e:
                    assert "append-only" in str(e), e
                # Whoever drops the trigger first can edit a row; the chain shows it.
                db.execute("DROP TRIGGER audit_log_no_update")
                n = state["revoke_seq"]
                db.execute("UPDATE audit_log SET entry = replace(entry, 'superseded', "
                           "'unspecified') WHERE seq = ?", (n,))
                db.commit()
            finally:
                db.close()
            r = signet("audit", "verify", check=False)
            assert r.returncode == 1, (r.returncode, r.stdout)
            assert f"after {n - 1} good entries" in r.stdout and f"entry {n}:" in r.stdout, r.stdout

        checks.run("the certificates the server signs for itself are recorded", startup)
        checks.run("ACME changes are recorded with who and what", acme_changes)
        checks.run("the operator's changes, EAB use and a backup are recorded", operator_changes)
        checks.run("a policy reload is recorded with the file's hash", policy_reload)
        checks.run("audit verify and export agree; the [audit] file follows", verify_and_stream)
        checks.run("audit verify --file finds an edited or removed line", edited_file_line_is_found)
        checks.run("an edited database row is found; the table refuses edits",
                   edited_database_row_is_found)
    checks.finish()


if __name__ == "__main__":
    main()
