"""`signet database copy`: a node on SQLite moved to PostgreSQL without losing anything.
certbot gets two certificates from `signet serve` on SQLite and one is revoked; the
server stops; its database is copied into a fresh PostgreSQL database (a second copy into
it is refused); `signet serve --database URL` starts on the same data directory and
address. Then certbot renews with the same account (it is not registered again), the
copied certificates are listed and one is revoked by serial, the copied revocation is in
the new server's CRL, and the audit chain verifies, carried on by the new server."""
import glob
import json
import os
import re
import urllib.request

from cryptography import x509

from harness import Checks, Env, PostgreSQL, main_args, run, wait_until

KEPT = "kept.copy.test"
REVOKED = "revoked.copy.test"


def serial_of(cert_file):
    """The serial as Signet prints it."""
    with open(cert_file, "rb") as f:
        return format(x509.load_pem_x509_certificate(f.read()).serial_number, "032x")


def main():
    args = main_args()
    checks = Checks()
    with Env(args.signet, postgresql=False) as env:
        work = os.path.join(env.tmp, "certbot")
        certbot = ["certbot", "--non-interactive", "--agree-tos", "--email", "ops@copy.test",
                   "--server", env.directory, "--config-dir", work, "--work-dir", work,
                   "--logs-dir", work]
        certbot_env = {"REQUESTS_CA_BUNDLE": env.root}
        live = os.path.join(work, "live")
        state = {}

        def signet(*cmd, check=True):
            return run([args.signet] + list(cmd), check=check)

        def on_postgresql(*cmd, check=True):
            return signet(*cmd, "--data-dir", env.data_dir, "--database", state["url"],
                          check=check)

        def account_files():
            return glob.glob(os.path.join(work, "accounts", "**", "regr.json"), recursive=True)

        def issue(name):
            run(certbot + ["certonly", "--standalone", "--http-01-port", str(env.http01_port),
                           "--http-01-address", "127.0.0.1", "-d", name], env=certbot_env)
            return os.path.join(live, name, "cert.pem")

        def issued_and_revoked_on_sqlite():
            state["kept"] = serial_of(issue(KEPT))
            revoked = issue(REVOKED)
            state["revoked"] = serial_of(revoked)
            run(certbot + ["revoke", "--cert-path", revoked, "--reason", "keycompromise",
                           "--no-delete-after-revoke"], env=certbot_env)
            files = account_files()
            assert len(files) == 1, files
            with open(files[0]) as f:
                state["account"] = json.load(f)["uri"]
            assert env.stop_server() == 0
            state["audit"] = json.loads(signet("audit", "verify", "--data-dir", env.data_dir,
                                               "--json").stdout)

        def copied():
            os.chmod(env.tmp, 0o755)  # PostgreSQL may run as another user (as root: nobody)
            pg = PostgreSQL(os.path.join(env.tmp, "postgresql"))
            env.postgresql = pg  # stopped and removed with the environment
            state["url"] = pg.url
            bad = signet("database", "copy", "--data-dir", env.data_dir, "--to",
                         os.path.join(env.tmp, "other.db"), check=False)
            assert bad.returncode == 2 and "PostgreSQL URL" in bad.stderr, bad
            out = signet("database", "copy", "--data-dir", env.data_dir, "--to", pg.url, "--json")
            report = json.loads(out.stdout)
            tables = report["tables"]
            for name in ("accounts", "orders", "authorizations", "challenges", "certificates",
                         "serials", "audit_log"):
                assert tables[name]["copied"] and tables[name]["source"] > 0, (name, tables)
            for name, t in tables.items():
                assert t["target"] == (t["source"] if t["copied"] else 0), (name, t)
            assert tables["certificates"]["target"] == 2, tables
            assert report["audit_entries"] == state["audit"]["entries"], report
            # A second copy would mix two databases: refused, nothing written.
            again = signet("database", "copy", "--data-dir", env.data_dir, "--to", pg.url,
                           check=False)
            assert again.returncode == 1 and "already holds rows" in again.stderr, again
            # The copied chain, and the copy itself recorded after it.
            text = signet("audit", "verify", "--data-dir", env.data_dir, "--database", pg.url)
            assert f"{state['audit']['entries'] + 1} entries" in text.stdout, text.stdout
            last = signet("audit", "export", "--data-dir", env.data_dir, "--database", pg.url,
                          "--after", str(state["audit"]["entries"])).stdout.splitlines()
            assert len(last) == 1, last
            entry = json.loads(last[0])
            assert entry["action"] == "database.copy", entry
            assert entry["details"]["source"] == os.path.join(env.data_dir, "signet.db"), entry

        def serves_on_postgresql():
            # The same address: certbot keeps its accounts per directory URL.
            a = env.server_args
            a[a.index("--listen") + 1] = env.listen
            env.server_args = a + ["--database", state["url"]]
            env.restart_server("signet-postgresql")

        def renews_with_the_same_account():
            before = open(os.path.join(live, KEPT, "cert.pem")).read()
            run(certbot + ["renew", "--force-renewal", "--no-random-sleep-on-renew",
                           "--cert-name", KEPT, "--http-01-port", str(env.http01_port),
                           "--http-01-address", "127.0.0.1"], env=certbot_env)
            after = open(os.path.join(live, KEPT, "cert.pem")).read()
            assert before != after, "the certificate was not renewed"
            state["renewed"] = serial_of(os.path.join(live, KEPT, "cert.pem"))
            files = account_files()
            assert len(files) == 1, files
            with open(files[0]) as f:
                assert json.load(f)["uri"] == state["account"]
            accounts = json.loads(on_postgresql("account", "list", "--json").stdout)["accounts"]
            assert [a["id"] for a in accounts] == [state["account"].rsplit("/", 1)[1]], accounts

        def copied_certificates_listed_and_revoked():
            listed = json.loads(on_postgresql("cert", "list", "--json").stdout)["certificates"]
            status = {c["serial"]: c["status"] for c in listed}
            assert status.get(state["kept"]) == "valid", status
            assert status.get(state["revoked"]) == "revoked", status
            assert status.get(state["renewed"]) == "valid", status
            on_postgresql("cert", "revoke", "--serial", state["kept"], "--reason", "superseded")
            revoked = json.loads(on_postgresql("cert", "list", "--status", "revoked",
                                               "--json").stdout)["certificates"]
            assert sorted(c["serial"] for c in revoked) == sorted(
                [state["kept"], state["revoked"]]), revoked

        def copied_revocation_in_the_crl():
            cert = os.path.join(live, REVOKED, "cert.pem")
            text = run(["openssl", "x509", "-in", cert, "-noout", "-text"]).stdout
            shard = re.search(r"URI:\S+(/crl/[0-9a-f]+/\d+\.crl)", text).group(1)
            path = os.path.join(env.tmp, "shard.crl")

            def listed():
                with urllib.request.urlopen(env.crl_base + shard, timeout=5) as r:
                    with open(path, "wb") as f:
                        f.write(r.read())
                crl = run(["openssl", "crl", "-inform", "DER", "-in", path, "-noout",
                           "-text"]).stdout
                serials = re.findall(r"Serial Number:\s*([0-9A-Fa-f]+)", crl)
                return int(state["revoked"], 16) in [int(s, 16) for s in serials]

            wait_until("the copied revocation in the new server's CRL", listed, timeout=20,
                       interval=0.25)

        def audit_chain_carried_on():
            v = json.loads(on_postgresql("audit", "verify", "--json").stdout)
            assert v["intact"], v
            # The renewal and the revocation were appended after the copied entries.
            assert v["entries"] > state["audit"]["entries"] + 1, (v, state["audit"])

        checks.run("certbot issues two certificates on SQLite and revokes one",
                   issued_and_revoked_on_sqlite)
        checks.run("database copy into PostgreSQL: every table counted, a second copy refused",
                   copied)
        checks.run("signet serve --database on the same data directory", serves_on_postgresql)
        checks.run("certbot renews with the copied account", renews_with_the_same_account)
        checks.run("copied certificates are listed and revoked by serial",
                   copied_certificates_listed_and_revoked)
        checks.run("the copied revocation is in the new server's CRL",
                   copied_revocation_in_the_crl)
        checks.run("audit verify on PostgreSQL: intact, carried on", audit_chain_carried_on)
    checks.finish()


if __name__ == "__main__":
    main()
