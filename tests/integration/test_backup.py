"""`signet backup` beside a running server that goes on issuing: backups taken while a
client issues certificates are each one consistent moment (every certificate finished
before the backup began is in it, and what is in it is what the server had); one is
restored into a fresh data directory by the README's steps ("Backups and restore"), and a
second server on it serves the same CA and the same certificates, byte for byte, over
ACME and on the command line, and issues new ones. Also checked: --json, the text
output, the refusal to replace a file without --force, and that failures leave no file."""
import hashlib
import json
import os
import sqlite3
import ssl
import subprocess
import threading
import time
import urllib.parse
import urllib.request

from acme_raw import Client
from harness import NO_RATE_LIMITS, Checks, Env, main_args, run, wait_until
from test_protocol import ChallengeResponder, issue

LOAD_CERTIFICATES = 24  # issued by the load thread, at most
LOAD_SECONDS = 180      # and for at most this long
BACKUPS = 12            # taken while it runs, at most


def sha256_file(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def serial_of(pem):
    out = subprocess.run(["openssl", "x509", "-noout", "-serial"], input=pem, capture_output=True,
                         text=True, check=True).stdout
    return out.strip().split("=")[1].lower()


class Load:
    """Issues certificates one after another on its own account, in a thread, and keeps
    each finished one: serial, the chain as served, and its certificate URL."""

    def __init__(self, env, responder):
        self.client = Client(env.directory, env.root)
        self.client.register(["mailto:load@backup.test"])
        self.responder = responder
        self.done = []  # in the order they finished
        self.error = None
        self.lock = threading.Lock()
        self.thread = threading.Thread(target=self.run, daemon=True)
        self.thread.start()

    def run(self):
        deadline = time.monotonic() + LOAD_SECONDS
        try:
            for i in range(LOAD_CERTIFICATES):
                if time.monotonic() > deadline:
                    break
                order_url, pem, _ = issue(self.client, self.responder, [f"load-{i}.backup.test"])
                cert_url = self.client.post(order_url, None).json()["certificate"]
                with self.lock:
                    self.done.append({"serial": serial_of(pem), "pem": pem, "url": cert_url})
        except Exception as e:  # reported by the check that joins the thread
            self.error = e

    def finished(self):
        with self.lock:
            return list(self.done)


def main():
    args = main_args()
    checks = Checks()
    with Env(args.signet, config_text=NO_RATE_LIMITS) as env:
        backups = os.path.join(env.tmp, "backups")
        os.makedirs(backups)
        responder = ChallengeResponder(env.http01_port)
        state = {"taken": []}
        # As the README says: the CA's files archived once, after the first start.
        ca_archive = os.path.join(env.tmp, "signet-ca.tar.gz")
        run(["tar", "-C", env.data_dir, "-czf", ca_archive, "root.pem", "ca"])

        def signet(*cmd, check=True):
            return run([args.signet, *cmd], check=check)

        def backup(out, *extra, check=True):
            return signet("backup", "--data-dir", env.data_dir, "--out", out, *extra, check=check)

        def cert_list(data_dir):
            listed = json.loads(signet("cert", "list", "--data-dir", data_dir, "--json").stdout)
            assert not listed["truncated"], listed
            return {c["serial"]: c for c in listed["certificates"]}

        def backups_under_load():
            load = Load(env, responder)
            state["load"] = load
            wait_until("the first certificates", lambda: len(load.finished()) >= 3 or load.error,
                       timeout=60, interval=0.1)
            assert load.error is None, load.error
            for i in range(BACKUPS):
                if not load.thread.is_alive():
                    break
                before = load.finished()
                out = os.path.join(backups, f"b{i}.db")
                r = json.loads(backup(out, "--json").stdout)
                after = load.finished()
                state["taken"].append({"file": out, "json": r, "before": before, "after": after,
                                       "during_load": load.thread.is_alive()})
                # The next one once another certificate is done (bounded by the load's bounds).
                wait_until("another certificate", lambda: len(load.finished()) > len(after)
                           or not load.thread.is_alive(), timeout=60, interval=0.02)
            load.thread.join(LOAD_SECONDS + 30)
            assert not load.thread.is_alive(), "the load did not end"
            assert load.error is None, f"an issuance failed while backing up: {load.error}"
            assert any(t["during_load"] for t in state["taken"]), "no backup ran under load"
            assert len(load.finished()) == LOAD_CERTIFICATES, len(load.finished())

        def each_backup_is_one_moment():
            everything = cert_list(env.data_dir)
            for t in state["taken"]:
                r = t["json"]
                assert set(r) == {"database", "file", "bytes", "schema_version", "accounts", "orders",
                                  "certificates", "seconds"}, r
                assert r["file"] == t["file"], r
                assert r["database"] == os.path.join(env.data_dir, "signet.db"), r
                assert r["bytes"] == os.path.getsize(t["file"]) > 0, r
                assert isinstance(r["schema_version"], int) and r["schema_version"] >= 9, r
                assert isinstance(r["seconds"], float) and 0 <= r["seconds"] < 60, r
                assert r["accounts"] == 1, r
                assert os.stat(t["file"]).st_mode & 0o777 == 0o600
                db = sqlite3.connect(f"file:{t['file']}?mode=ro", uri=True)
                try:
                    assert db.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
                    assert db.execute("PRAGMA journal_mode").fetchone() == ("delete",)
                    serials = {s for (s,) in db.execute("SELECT serial FROM certificates")}
                    orders = db.execute("SELECT count(*) FROM orders").fetchone()[0]
                    # Every row's references are in the same copy, and each certificate's
                    # order is valid and names it: no half of a transaction.
                    assert db.execute("PRAGMA foreign_key_check").fetchall() == []
                    assert db.execute(
                        "SELECT count(*) FROM certificates c JOIN orders o ON o.id = c.order_id "
                        "WHERE o.status = 'valid' AND o.certificate_serial = c.serial").fetchone()[0] == len(serials)
                finally:
                    db.close()
                assert r["certificates"] == len(serials) and r["orders"] == orders, (r, len(serials))
                finished_before = {c["serial"] for c in t["before"]}
                assert finished_before <= serials, finished_before - serials
                assert serials <= set(everything), serials - set(everything)
                assert len(serials) <= len(t["after"]) + 1, (len(serials), len(t["after"]))
            # Nothing but the backups in their directory: no temporary file left behind.
            assert sorted(os.listdir(backups)) == sorted(os.path.basename(t["file"]) for t in state["taken"])

        def refuses_to_replace_and_leaves_no_partial_file():
            first = os.path.join(backups, "again.db")
            backup(first)
            digest, inode = sha256_file(first), os.stat(first).st_ino
            r = backup(first, check=False)
            assert r.returncode == 1 and "exists" in r.stderr and "--force" in r.stderr, r
            assert sha256_file(first) == digest and os.stat(first).st_ino == inode and r.stdout == "", r
            forced = backup(first, "--force")
            assert forced.stdout.startswith(f"Backed up {env.data_dir}/signet.db to {first}\n"), forced.stdout
            for label in ("Size:", "Schema version:", "Accounts:", "Orders:", "Certificates:", "Took:"):
                assert f"\n  {label}" in forced.stdout, forced.stdout
            assert f"Certificates:    {LOAD_CERTIFICATES}\n" in forced.stdout, forced.stdout
            assert os.stat(first).st_ino != inode  # a new file renamed over the old one
            # Usage errors: no --out, --out is the database itself or a directory.
            for bad in ([], ["--out", os.path.join(env.data_dir, "signet.db"), "--force"],
                        ["--out", backups, "--force"]):
                r = signet("backup", "--data-dir", env.data_dir, *bad, check=False)
                assert r.returncode == 2, (bad, r)
            # Failures: no database there; nowhere to write.
            r = signet("backup", "--data-dir", os.path.join(env.tmp, "nowhere"), "--out",
                       os.path.join(backups, "x.db"), check=False)
            assert r.returncode == 1 and "no Signet database" in r.stderr, r
            r = backup(os.path.join(backups, "missing", "x.db"), check=False)
            assert r.returncode == 1 and "cannot create" in r.stderr, r
            assert sorted(os.listdir(backups)) == sorted(
                [os.path.basename(t["file"]) for t in state["taken"]] + ["again.db"])

        def restored_server_serves_the_same():
            # The backup taken last while the load ran: it holds some certificates, not all.
            taken = [t for t in state["taken"] if t["during_load"]][-1]
            restored = os.path.join(env.tmp, "restored")
            # The README's steps: the CA's files and the backup into a fresh data directory.
            run(["install", "-d", "-m", "0700", restored])
            run(["tar", "-C", restored, "-xzf", ca_archive])
            run(["install", "-m", "0600", taken["file"], os.path.join(restored, "signet.db")])
            server_args = list(env.server_args)
            server_args[server_args.index("--data-dir") + 1] = restored
            server = env.start("signet-restored", server_args)
            directory = env.read_line(server, r"Directory URL:\s+(\S+)", "signet-restored")
            root = os.path.join(restored, "root.pem")
            ctx = ssl.create_default_context(cafile=root)
            wait_until("the restored server",
                       lambda: urllib.request.urlopen(directory, context=ctx, timeout=2).status == 200)
            base = directory.rsplit("/directory", 1)[0]

            # The same CA: the same root, ACME issuer and infrastructure issuer.
            def issuers(data_dir):
                out = json.loads(signet("ca", "show", "--data-dir", data_dir, "--json").stdout)["issuers"]
                return [{k: v for k, v in i.items() if k != "file"} for i in out]

            assert issuers(restored) == issuers(env.data_dir)
            # The certificates of the backup, as the original server has them.
            original, now = cert_list(env.data_dir), cert_list(restored)
            assert {c["serial"] for c in taken["before"]} <= set(now) <= set(original), now
            assert len(now) == taken["json"]["certificates"], (len(now), taken["json"])
            for serial, c in now.items():
                assert c == original[serial], (c, original[serial])
                shown = [json.loads(signet("cert", "show", serial, "--data-dir", d, "--json").stdout)["pem"]
                         for d in (env.data_dir, restored)]
                assert shown[0] == shown[1], serial
            # Over ACME, with the load account's key: the chain downloaded from the restored
            # server is byte for byte the one the original served.
            load = state["load"]
            again = Client(directory, root, key=load.client.key)
            r = again.register()
            assert r.status_code == 200, r.text  # the account exists there
            served = {c["serial"]: c for c in load.finished()}
            for serial in now:
                if serial not in served:
                    continue
                url = base + urllib.parse.urlparse(served[serial]["url"]).path
                got = again.post(url, None)
                assert got.status_code == 200, got.text
                assert got.content == served[serial]["pem"].encode(), serial
            # And it issues new certificates under the same root.
            _, pem, _ = issue(again, responder, ["after-restore.backup.test"])
            leaf, chain = os.path.join(env.tmp, "after.pem"), os.path.join(env.tmp, "after-chain.pem")
            with open(leaf, "w") as f:
                f.write(pem.split("-----END CERTIFICATE-----\n")[0] + "-----END CERTIFICATE-----\n")
            with open(chain, "w") as f:
                f.write(pem)
            out = run(["openssl", "verify", "-CAfile", env.root, "-untrusted", chain, leaf]).stdout
            assert out.strip().endswith("OK"), out
            server.terminate()
            assert server.wait(30) == 0

        checks.run("backups taken while certificates are issued; no issuance fails", backups_under_load)
        checks.run("each backup: --json, one consistent moment, a plain checked file", each_backup_is_one_moment)
        checks.run("an existing file is kept unless --force; usage errors exit 2, failures 1 and leave nothing",
                   refuses_to_replace_and_leaves_no_partial_file)
        checks.run("restored by the README's steps: same CA, same certificates over ACME and the CLI",
                   restored_server_serves_the_same)
        responder.close()
    return checks.finish()


if __name__ == "__main__":
    raise SystemExit(main())
