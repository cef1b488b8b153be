"""Several nodes on one database: three `signet serve` processes on one database (SQLite's
file in one data directory, or with --postgresql a PostgreSQL server),
behind a load balancer that sends each request to a node chosen at random (cluster.py).

- A nonce one node issued is accepted once by another, and refused on replay by both.
- certbot and lego issue through the balancer, their requests spread over the three
  nodes, with no badNonce beyond the first retry.
- A validation in flight on one node survives the other node restarting.
- A node killed with SIGKILL: its validation in flight is ended by another node once
  its lease lapses (serverInternal), and the others keep issuing.
- Three nodes under a 24-client load, one killed with SIGKILL: every certificate a
  client received is stored, no serial twice, nothing left processing once the lease
  lapsed.
"""
import json
import os
import sqlite3
import subprocess
import threading
import time

from cryptography.hazmat.primitives.asymmetric import ec
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from cryptography import x509
from cryptography.hazmat.primitives import serialization

from acme_raw import Client, b64, csr_der, jws
from cluster import Cluster, node_url
from harness import NO_PER_ADDRESS_LIMITS, NO_RATE_LIMITS, Checks, Env, cert_names, free_port, main_args, openssl_verify, run, wait_until
from test_protocol import ChallengeResponder, ident, issue

LEASE_SECONDS = 3
LOAD_CLIENTS = 24
KILL_AFTER = 20  # certificates received before a node is killed
AFTER_KILL = 20  # and after
LOAD_DEADLINE = 90  # seconds for the whole load


class ClusterLoad:
    """Clients looping complete http-01 flows through the balancer, each with its own
    account. A flow cut short by a node going away (a 502 from the balancer, or its
    validation ended by another node) is counted and the client starts another."""

    def __init__(self, cluster, env):
        self.cluster, self.env = cluster, env
        self.cond = threading.Condition()
        self.received = []  # leaf certificates
        self.cut_short = []  # why flows failed
        self.not_registered = []
        self.stop = threading.Event()
        self.responder = ChallengeResponder(env.http01_port)

    def client(self, i):
        # A client whose first requests meet the kill (a 502 from the balancer) tries
        # again, as it would with any load balancer; three failures are reported.
        for attempt in range(3):
            try:
                c = Client(self.cluster.directory, self.env.root)
                c.register()
                break
            except Exception as e:  # reported by the checks
                if attempt == 2:
                    with self.cond:
                        self.not_registered.append(f"client {i}: {e!r}"[:300])
                    return
        n = 0
        while not self.stop.is_set():
            n += 1
            try:
                _, pem, _ = issue(c, self.responder, [f"l{i}-{n}.nodes.example.test"])
            except Exception as e:  # reported by the checks
                with self.cond:
                    self.cut_short.append(f"client {i} flow {n}: {e!r}"[:300])
                continue
            with self.cond:
                self.received.append(x509.load_pem_x509_certificate(pem.encode()))
                self.cond.notify_all()

    def wait_for(self, count, deadline):
        with self.cond:
            return self.cond.wait_for(lambda: len(self.received) >= count,
                                      timeout=max(0.1, deadline - time.monotonic()))


class HeldResponder:
    """Answers http-01 requests, but holds those for tokens in `held` until released."""

    def __init__(self, port):
        self.tokens = {}
        self.held = {}  # token -> threading.Event
        self.asked = {}  # token -> threading.Event, set when a request for it arrived
        outer = self

        class H(BaseHTTPRequestHandler):
            def do_GET(self):
                tok = self.path.rsplit("/", 1)[-1]
                outer.asked.setdefault(tok, threading.Event()).set()
                if tok in outer.held:
                    outer.held[tok].wait(60)
                body = outer.tokens.get(tok, "").encode()
                try:
                    self.send_response(200 if body else 404)
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)
                except ConnectionError:
                    pass  # the node that asked was killed meanwhile

            def log_message(self, *a):
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", port), H)
        self.httpd.daemon_threads = True
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def close(self):
        for e in self.held.values():
            e.set()
        self.httpd.shutdown()
        self.httpd.server_close()


def query(env, sql):
    """Rows of a query on the nodes' database (SQLite's file, or PostgreSQL's)."""
    if env.postgresql:
        out = subprocess.run(["psql", env.postgresql.url, "-AtX", "-F", "\t", "-c", sql],
                             capture_output=True, text=True, check=True).stdout
        return [line.split("\t") for line in out.splitlines() if line]
    db = sqlite3.connect(f"file:{os.path.join(env.data_dir, 'signet.db')}?mode=ro", uri=True)
    try:
        return db.execute(sql).fetchall()
    finally:
        db.close()


def der_bytes(value):
    """A DER column as bytes: SQLite's blob, or PostgreSQL's bytea as psql prints it."""
    return bytes.fromhex(value[2:]) if isinstance(value, str) else bytes(value)


def main():
    args = main_args()
    checks = Checks()
    port = free_port()
    config = (f'[server]\nexternal_url = "https://localhost:{port}"\nnonces = "shared"\n'
              f"lease_seconds = {LEASE_SECONDS}\n" + NO_RATE_LIMITS + NO_PER_ADDRESS_LIMITS)
    with Env(args.signet, config_text=config, extra_args=["--node-name", "a"]) as env:
        cluster = Cluster(env, port)
        cluster.start("b")
        cluster.start("c")
        responder = None  # started after the clients, which answer http-01 themselves
        c = Client(cluster.directory, env.root)
        c.register()

        def post_to(node, url, payload, nonce):
            """A JWS for url (on the balancer) sent straight to one node."""
            body = jws(c.key, url, payload, nonce, c.kid)
            return c.s.post(node_url(cluster, node, url), data=json.dumps(body),
                            headers={"Content-Type": "application/jose+json"})

        def nonce_from(node):
            return c.s.head(node_url(cluster, node, c.dir["newNonce"])).headers["Replay-Nonce"]

        def shared_nonces():
            n = nonce_from("a")
            r = post_to("b", c.kid, None, n)
            assert r.status_code == 200, r.text
            for node in ("a", "b"):
                again = post_to(node, c.kid, None, n)
                assert again.status_code == 400 and again.json()["type"].endswith(":badNonce"), again.text
            # A nonce the other node issued, the other way round.
            r = post_to("a", c.kid, None, nonce_from("b"))
            assert r.status_code == 200, r.text

        def clients_through_the_balancer():
            before = dict(cluster.balancer.counts)
            cfg = os.path.join(env.tmp, "certbot")
            live = f"{cfg}/config/live"
            run(["certbot", "certonly", "--standalone", "--http-01-port", str(env.http01_port),
                 "--agree-tos", "--email", "ops@example.test", "-d", "nodes-certbot.example.test",
                 "--config-dir", f"{cfg}/config", "--work-dir", f"{cfg}/work", "--logs-dir", f"{cfg}/logs",
                 "--server", cluster.directory, "--non-interactive"], {"REQUESTS_CA_BUNDLE": env.root})
            openssl_verify(env.root, f"{live}/nodes-certbot.example.test/cert.pem",
                           f"{live}/nodes-certbot.example.test/chain.pem")
            lego_path = os.path.join(env.tmp, "lego")
            run(["lego", "--server", cluster.directory, "--email", "ops@example.test", "--accept-tos",
                 "--path", lego_path, "--key-type", "ec256", "--http", "--http.port",
                 f":{env.http01_port}", "-d", "nodes-lego.example.test", "run"],
                {"LEGO_CA_CERTIFICATES": env.root})
            cert = os.path.join(lego_path, "certificates", "nodes-lego.example.test.crt")
            assert cert_names(cert) == ["nodes-lego.example.test"], cert_names(cert)
            served = {n: cluster.balancer.counts.get(n, 0) - before.get(n, 0) for n in ("a", "b", "c")}
            print(f"requests served per node: {served}")
            assert all(v > 0 for v in served.values()), served
            # Each client retries a badNonce once at most; more would have failed the run.
            for log in [os.path.join(cfg, "logs", "letsencrypt.log")]:
                assert open(log).read().count("badNonce") <= 1, "certbot met more than one badNonce"

        def start_held_challenge(node, name):
            """An order for name whose http-01 validation, started on `node`, is held."""
            r = c.post(c.dir["newOrder"], {"identifiers": [ident(name)]})
            assert r.status_code == 201, r.text
            authz_url = r.json()["authorizations"][0]
            a = c.post(authz_url, None).json()
            ch = next(x for x in a["challenges"] if x["type"] == "http-01")
            responder.tokens[ch["token"]] = f"{ch['token']}.{c.key.thumbprint()}"
            responder.held[ch["token"]] = threading.Event()
            asked = responder.asked.setdefault(ch["token"], threading.Event())
            r = post_to(node, ch["url"], {}, nonce_from(node))
            assert r.status_code == 200, r.text
            assert asked.wait(30), "the validation request never came"
            return authz_url, ch

        def authz_status(url):
            return c.post(url, None).json()

        def survives_a_restart_of_the_other_node():
            authz_url, ch = start_held_challenge("a", "held.example.test")
            cluster.kill("b")
            cluster.start("b")
            # b's start-up takeover (done before it listens) left a's validation alone.
            assert authz_status(authz_url)["status"] == "pending", authz_status(authz_url)
            responder.held[ch["token"]].set()
            wait_until("authorization valid", lambda: authz_status(authz_url)["status"] == "valid")

        def taken_over_after_a_kill():
            authz_url, ch = start_held_challenge("a", "orphan.example.test")
            killed_at = time.monotonic()
            cluster.kill("a")
            wait_until("the other node ends the validation",
                       lambda: authz_status(authz_url)["status"] == "invalid", timeout=30)
            waited = time.monotonic() - killed_at
            got = authz_status(authz_url)
            err = next(x for x in got["challenges"] if x["url"] == ch["url"])["error"]
            assert err["type"].endswith(":serverInternal"), err
            assert "stopped" in err["detail"], err
            print(f"validation of the killed node ended by the other after {waited:.1f} s "
                  f"(lease {LEASE_SECONDS} s)")
            # The remaining node keeps issuing.
            key = ec.generate_private_key(ec.SECP256R1())
            r = c.post(c.dir["newOrder"], {"identifiers": [ident("after-kill.example.test")]})
            assert r.status_code == 201, r.text
            order_url, order = r.headers["Location"], r.json()
            a = c.post(order["authorizations"][0], None).json()
            ch = next(x for x in a["challenges"] if x["type"] == "http-01")
            responder.tokens[ch["token"]] = f"{ch['token']}.{c.key.thumbprint()}"
            assert c.post(ch["url"], {}).status_code == 200
            wait_until("authorization valid",
                       lambda: c.post(order["authorizations"][0], None).json()["status"] == "valid")
            r = c.post(order["finalize"], {"csr": b64(csr_der(key, ["after-kill.example.test"]))})
            assert r.status_code == 200, r.text
            wait_until("order valid", lambda: c.post(order_url, None).json()["status"] == "valid")

        def killed_during_load():
            responder.close()  # the load answers http-01 for every name
            cluster.start("a2")  # b, c and a2
            load = ClusterLoad(cluster, env)
            threads = [threading.Thread(target=load.client, args=(i,), daemon=True)
                       for i in range(LOAD_CLIENTS)]
            deadline = time.monotonic() + LOAD_DEADLINE
            for t in threads:
                t.start()
            try:
                assert load.wait_for(KILL_AFTER, deadline), f"{len(load.received)} certificates before the kill"
                cluster.kill("c")
                killed_at = len(load.received)
                assert load.wait_for(killed_at + AFTER_KILL, deadline), \
                    f"{len(load.received) - killed_at} certificates after the kill"
            finally:
                load.stop.set()
                for t in threads:
                    t.join(60)
                load.responder.close()
            print(f"  {len(load.received)} certificates received by {LOAD_CLIENTS} clients over 3 "
                  f"nodes, node c killed after {killed_at}; {len(load.cut_short)} flows cut short")
            for why in load.cut_short[:5]:
                print(f"    {why}")
            assert not load.not_registered, load.not_registered[:3]
            assert not any("badNonce" in w for w in load.cut_short), "a badNonce cut a flow short"
            # Once the killed node's leases lapsed, a remaining node ended or finished its work.
            def nothing_processing():
                return all(int(query(env, f"SELECT COUNT(*) FROM {t} WHERE status = 'processing'")[0][0]) == 0
                           for t in ("orders", "challenges"))
            wait_until("no work left processing", nothing_processing, timeout=LEASE_SECONDS * 5)
            serials = [format(leaf.serial_number, "032x") for leaf in load.received]
            assert len(set(serials)) == len(serials), "a serial was received twice"
            for leaf, serial in zip(load.received, serials):
                rows = query(env, f"SELECT der FROM certificates WHERE serial = '{serial}'")
                assert rows, f"received certificate {serial} is not in the database"
                assert der_bytes(rows[0][0]) == leaf.public_bytes(serialization.Encoding.DER), serial
            stored = query(env, "SELECT COUNT(*), COUNT(DISTINCT serial) FROM certificates")[0]
            assert stored[0] == stored[1], stored

        checks.run("a nonce from one node is accepted once by the other, refused on replay by both",
                   shared_nonces)
        checks.run("certbot and lego issue through the balancer, served by all three nodes",
                   clients_through_the_balancer)
        responder = HeldResponder(env.http01_port)
        checks.run("a validation in flight on one node survives the other node's restart",
                   survives_a_restart_of_the_other_node)
        checks.run("a killed node's validation is ended by the other once its lease lapses",
                   taken_over_after_a_kill)
        checks.run("three nodes under a 24-client load, one killed with SIGKILL: every received "
                   "certificate stored, nothing left processing, the others keep issuing",
                   killed_during_load)
        cluster.close()
    checks.finish()


if __name__ == "__main__":
    main()
