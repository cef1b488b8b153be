"""The README's Production section, step by step, as an operator takes it: one node on
SQLite, then its state copied into PostgreSQL (`signet database copy`), the next ACME
issuer's key made in an HSM (`signet ca rollover --pkcs11`, a SoftHSM2 token), and three
nodes on that database with [ca] key and shared nonces behind one load balancer.

On SQLite: an account is registered and certbot gets a certificate. On the three nodes:
the same account is found through the balancer; certbot and lego issue through it, under
the token's key; the certificate from the SQLite days is revoked, and every node's CRL
for its (previous, file-key) issuer lists it and every node's OCSP answer says revoked,
signed by that issuer; a new certificate is revoked, and every node's OCSP answer is
signed by the token's key. The audit chain verifies, the copy and the rollover in it; no
file holds the token's key."""
import json
import os
import re
import shutil

from acme_raw import Client
from cluster import Cluster
from harness import (NO_PER_ADDRESS_LIMITS, NO_RATE_LIMITS, Checks, Env, PostgreSQL, cert_names,
                     free_port, main_args, openssl_verify, run, wait_until)
from test_hsm import (MODULE, crl_lists_and_verifies, der_to_pem_pubkey, no_file_holds,
                      ocsp_revoked_under, throwaway_token, token_public_key)

URI = "pkcs11:token=signet;object=issuer-2026"
BEFORE = "before.production.test"
AFTER = "after.production.test"


def main():
    args = main_args()
    checks = Checks()
    token = throwaway_token()  # the HSM the operator has, before the SQLite node exists
    if token is None:
        return 1
    hsm, token_env, pin_file = token
    port = free_port()
    state = {}

    # Step 0: one node on SQLite, the embedded default (an empty configuration file).
    with Env(args.signet, config_text="", postgresql=False, server_env=token_env,
             extra_args=["--node-name", "a"]) as env:
        data = env.data_dir
        toml = os.path.join(env.tmp, "signet.toml")
        work = os.path.join(env.tmp, "certbot")
        certbot = ["certbot", "--non-interactive", "--agree-tos", "--email", "ops@production.test",
                   "--config-dir", work, "--work-dir", work, "--logs-dir", work]
        certbot_env = {"REQUESTS_CA_BUNDLE": env.root}
        live = os.path.join(work, "live")

        def signet(*cmd, check=True):
            return run([args.signet, *cmd], token_env, check=check)

        def one_node_on_sqlite():
            client = Client(env.directory, env.root)
            client.register()
            state["client"] = client
            run(certbot + ["certonly", "--server", env.directory, "--standalone",
                           "--http-01-port", str(env.http01_port), "-d", BEFORE], certbot_env)
            openssl_verify(env.root, f"{live}/{BEFORE}/cert.pem", f"{live}/{BEFORE}/chain.pem")
            state["file_inter"] = os.path.join(data, "ca", "intermediate.pem")
            with open(state["file_inter"]) as f:
                state["file_inter_pem"] = f.read()

        def copied_into_postgresql():
            env.stop_server()
            os.chmod(env.tmp, 0o755)  # PostgreSQL may run as another user (as root: nobody)
            pg = PostgreSQL(os.path.join(env.tmp, "postgresql"))
            env.postgresql = pg  # stopped and removed with the environment
            state["pg"] = pg
            out = json.loads(signet("database", "copy", "--data-dir", data, "--to", pg.url,
                                    "--json").stdout)
            tables = out["tables"]
            assert tables["accounts"]["target"] == tables["accounts"]["source"] == 2, tables
            assert tables["certificates"]["target"] == 1, tables

        def issuer_key_made_in_the_token():
            # Recorded in the audit log of the database the nodes will use.
            out = signet("ca", "rollover", "--pkcs11", URI, "--module", MODULE, "--pin-file",
                         pin_file, "--data-dir", data, "--database", state["pg"].url).stdout
            assert f'key = "{URI}"' in out, out
            archive = re.search(r"Archived:\s+(\S+)", out).group(1)
            # The replaced issuer keeps its key file in the archive: it goes on signing the
            # revocation status of what it issued.
            state["old_inter"] = os.path.join(archive, "intermediate.pem")
            with open(state["old_inter"]) as f:
                assert f.read() == state["file_inter_pem"]
            assert os.path.exists(os.path.join(archive, "intermediate-key.pem"))
            assert not os.path.exists(os.path.join(data, "ca", "intermediate-key.pem"))
            state["token_pub"] = token_public_key("issuer-2026", env.tmp, token_env)
            assert der_to_pem_pubkey(os.path.join(data, "ca", "intermediate.pem")) == state["token_pub"]
            openssl_verify(env.root, os.path.join(data, "ca", "intermediate.pem"))

        def three_nodes_on_postgresql_with_the_token():
            with open(toml, "w") as f:
                f.write(f'[storage]\nbackend = "postgresql"\nurl = "{state["pg"].url}"\n'
                        f'[server]\nexternal_url = "https://localhost:{port}"\nnonces = "shared"\n'
                        f'[ca]\nkey = "{URI}"\npkcs11_module = "{MODULE}"\npin_file = "{pin_file}"\n'
                        + NO_RATE_LIMITS + NO_PER_ADDRESS_LIMITS)
            ok = signet("config", "check", "--config", toml).stdout
            assert f"ACME issuer's key: in a PKCS#11 token, {URI}" in ok, ok
            assert "OCSP answers signed by: the ACME issuer's key" in ok, ok
            env.restart_server("signet-a")
            cluster = Cluster(env, port)
            state["cluster"] = cluster
            cluster.start("b")
            cluster.start("c")
            # Each node's plain-HTTP base, where its CRLs and OCSP answer.
            state["bases"] = {"a": env.crl_base}
            for name in ("b", "c"):
                crls = cluster.printed(cluster.nodes[name][0], r"CRLs:\s+(\S+)/crl/", name)
                state["bases"][name] = crls
            for name in ("a", "b", "c"):
                log = "signet-a" if name == "a" else f"signet-{name}"
                assert "previous ACME issuer" in wait_for_log(env, log), env.log(log)

        def the_account_carried_over():
            cluster = state["cluster"]
            again = Client(cluster.directory, env.root, key=state["client"].key)
            r = again.post(again.dir["newAccount"], {"onlyReturnExisting": True}, use_jwk=True)
            assert r.status_code == 200, r.text
            old_id = state["client"].kid.rsplit("/", 1)[1]
            assert r.headers["Location"].rsplit("/", 1)[1] == old_id, (r.headers, old_id)

        def clients_issue_under_the_token_key():
            cluster = state["cluster"]
            before = dict(cluster.balancer.counts)
            run(certbot + ["certonly", "--server", cluster.directory, "--standalone",
                           "--http-01-port", str(env.http01_port), "-d", AFTER], certbot_env)
            openssl_verify(env.root, f"{live}/{AFTER}/cert.pem", f"{live}/{AFTER}/chain.pem")
            assert der_to_pem_pubkey(f"{live}/{AFTER}/chain.pem") == state["token_pub"]
            lego_path = os.path.join(env.tmp, "lego")
            run(["lego", "--server", cluster.directory, "--email", "ops@production.test",
                 "--accept-tos", "--path", lego_path, "--key-type", "ec256", "--http",
                 "--http.port", f":{env.http01_port}", "-d", "lego.production.test", "run"],
                {"LEGO_CA_CERTIFICATES": env.root})
            cert = os.path.join(lego_path, "certificates", "lego.production.test.crt")
            assert cert_names(cert) == ["lego.production.test"], cert_names(cert)
            served = {n: cluster.balancer.counts.get(n, 0) - before.get(n, 0) for n in ("a", "b", "c")}
            print(f"requests served per node: {served}")
            assert all(v > 0 for v in served.values()), served

        def revoked_from_the_sqlite_days():
            cluster = state["cluster"]
            cert = f"{live}/{BEFORE}/cert.pem"
            run(certbot + ["revoke", "--server", cluster.directory, "--cert-path", cert,
                           "--key-path", f"{live}/{BEFORE}/privkey.pem", "--reason",
                           "keycompromise", "--no-delete-after-revoke"], certbot_env)
            for name, base in state["bases"].items():
                crl_lists_and_verifies(env, cert, state["old_inter"], base=base)
                signer = ocsp_revoked_under(env, cert, state["old_inter"], env.root,
                                            state["old_inter"], base=base)
                assert signer == der_to_pem_pubkey(state["old_inter"]), name

        def revoked_now_signed_by_the_token():
            cluster = state["cluster"]
            cert = f"{live}/{AFTER}/cert.pem"
            inter = os.path.join(data, "ca", "intermediate.pem")
            run(certbot + ["revoke", "--server", cluster.directory, "--cert-name", AFTER,
                           "--reason", "keycompromise", "--no-delete-after-revoke"], certbot_env)
            for name, base in state["bases"].items():
                crl_lists_and_verifies(env, cert, inter, base=base)
                signer = ocsp_revoked_under(env, cert, f"{live}/{AFTER}/chain.pem", env.root, inter,
                                            base=base)
                assert signer == state["token_pub"], name

        def audit_and_keys():
            db = ["--data-dir", data, "--database", state["pg"].url]
            v = json.loads(signet("audit", "verify", *db, "--json").stdout)
            assert v["intact"], v
            actions = [json.loads(line)["action"]
                       for line in signet("audit", "export", *db).stdout.splitlines()]
            for action in ("database.copy", "ca.rollover", "certificate.revoke"):
                assert action in actions, (action, actions)
            no_file_holds(data, state["token_pub"])

        checks.run("one node on SQLite: an account, and certbot's certificate", one_node_on_sqlite)
        checks.run("database copy into PostgreSQL", copied_into_postgresql)
        checks.run("ca rollover --pkcs11: the next issuer's key made in the token",
                   issuer_key_made_in_the_token)
        checks.run("three nodes on PostgreSQL with [ca] key behind one balancer",
                   three_nodes_on_postgresql_with_the_token)
        checks.run("the account registered on SQLite is found through the balancer",
                   the_account_carried_over)
        checks.run("certbot and lego issue through the balancer, under the token's key",
                   clients_issue_under_the_token_key)
        checks.run("a certificate from the SQLite days revoked: every node's CRL and OCSP say so, "
                   "signed by its issuer", revoked_from_the_sqlite_days)
        checks.run("a new certificate revoked: every node's OCSP answer signed by the token's key",
                   revoked_now_signed_by_the_token)
        checks.run("the audit chain verifies with the copy and the rollover; no file holds the key",
                   audit_and_keys)
        if "cluster" in state:
            state["cluster"].close()
    shutil.rmtree(hsm, ignore_errors=True)
    return checks.finish()


def wait_for_log(env, name):
    """A node's log once it names the previous issuer (the log is written in batches)."""
    wait_until(f"{name}'s log names the previous issuer",
               lambda: "previous ACME issuer" in env.log(name), timeout=30, interval=0.2)
    return env.log(name)


if __name__ == "__main__":
    raise SystemExit(main())
