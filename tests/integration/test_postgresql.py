"""Signet on PostgreSQL: issuance through the database server, and a restart of that
server under load. Clients loop complete http-01 flows while PostgreSQL is stopped and
started again: requests in the outage get serverInternal with Retry-After, issuance
works again once it is back, and every certificate a client was given is in the
database exactly as given. (test_certbot.py and test_protocol.py run on PostgreSQL too,
with --postgresql.)"""
import subprocess
import threading
import time

from cryptography import x509
from cryptography.hazmat.primitives import serialization

from acme_raw import Client
from harness import NO_PER_ADDRESS_LIMITS, NO_RATE_LIMITS, Checks, Env, main_args, wait_until
from test_protocol import ChallengeResponder, issue

CLIENTS = 8
BEFORE_OUTAGE = 8  # certificates received before PostgreSQL is stopped
REFUSED_IN_OUTAGE = 5  # serverInternal answers seen before it is started again
AFTER_OUTAGE = 8  # certificates received after it is back
DEADLINE = 120  # seconds for each phase


def psql(env, query):
    """Rows of a query on the server's database, as lists of text fields."""
    out = subprocess.run(["psql", env.postgresql.url, "-AtX", "-F", "\t", "-c", query],
                         capture_output=True, text=True, check=True).stdout
    return [line.split("\t") for line in out.splitlines() if line]


class Load:
    """CLIENTS threads looping full flows, recording certificates received and the
    serverInternal answers seen (with their Retry-After)."""

    def __init__(self, env, responder):
        self.env = env
        self.responder = responder
        self.cond = threading.Condition()
        self.received = []  # (name, leaf certificate)
        self.refused = []  # Retry-After of each serverInternal answer
        self.other = []  # any other 5xx: must not happen
        self.stop = False
        self.threads = [threading.Thread(target=self.client, args=(i,), daemon=True)
                        for i in range(CLIENTS)]

    def record(self, r):
        if r.status_code < 500:
            return
        with self.cond:
            if "serverInternal" in r.text:
                self.refused.append(r.headers.get("Retry-After"))
            else:
                self.other.append(f"{r.status_code} {r.text[:200]}")
            self.cond.notify_all()

    def client(self, i):
        load = self

        class Recording(Client):
            def post(self, url, payload, **kwargs):
                r = super().post(url, payload, **kwargs)
                load.record(r)
                return r

        c = Recording(self.env.directory, self.env.root)
        c.register()
        n = 0
        while not self.stop:
            name = f"c{i}-{n}.pg.example.test"
            n += 1
            try:
                _, pem, _ = issue(c, self.responder, [name])
            except Exception:  # a flow cut by the outage; the next one starts afresh
                c.nonce = None
                time.sleep(0.1)
                continue
            leaf = x509.load_pem_x509_certificate(pem.encode())
            with self.cond:
                self.received.append((name, leaf))
                self.cond.notify_all()

    def wait(self, what, pred):
        with self.cond:
            assert self.cond.wait_for(pred, timeout=DEADLINE), what


def main():
    args = main_args()
    checks = Checks()
    with Env(args.signet, config_text=NO_RATE_LIMITS + NO_PER_ADDRESS_LIMITS,
             postgresql=True) as env:
        responder = ChallengeResponder(env.http01_port)

        def issues_through_postgresql():
            c = Client(env.directory, env.root)
            c.register()
            _, pem, _ = issue(c, responder, ["first.pg.example.test"])
            leaf = x509.load_pem_x509_certificate(pem.encode())
            rows = psql(env, "SELECT serial, status FROM orders o JOIN certificates c "
                             "ON c.serial = o.certificate_serial")
            assert [format(leaf.serial_number, "032x"), "valid"] in rows, rows
            assert psql(env, "SELECT version FROM schema_version") == [["13"]]
            chain = psql(env, "SELECT count(*) FROM audit_log")
            assert int(chain[0][0]) >= 2, chain  # the account and the issuance at least

        load = Load(env, responder)

        def restart_under_load():
            for t in load.threads:
                t.start()
            load.wait("certificates before the outage",
                      lambda: len(load.received) >= BEFORE_OUTAGE)
            env.postgresql.stop()
            stopped_at = len(load.received)
            load.wait("serverInternal answers during the outage",
                      lambda: len(load.refused) >= REFUSED_IN_OUTAGE)
            env.postgresql.start()
            load.wait("certificates after the outage",
                      lambda: len(load.received) >= stopped_at + AFTER_OUTAGE)
            load.stop = True
            for t in load.threads:
                t.join(60)
            print(f"  {len(load.received)} certificates, {len(load.refused)} requests refused "
                  f"while PostgreSQL was down", flush=True)
            assert not load.other, load.other[:5]
            assert all(ra and int(ra) > 0 for ra in load.refused), load.refused

        def nothing_lost():
            stored = {s: bytes.fromhex(d[2:]) for s, d in psql(env, "SELECT serial, der FROM certificates")}
            for name, leaf in load.received:
                serial = format(leaf.serial_number, "032x")
                assert serial in stored, f"received certificate {serial} ({name}) is not stored"
                assert stored[serial] == leaf.public_bytes(serialization.Encoding.DER), serial
            print(f"  {len(load.received)} received certificates all stored", flush=True)

        def issues_after_the_outage():
            c = Client(env.directory, env.root)
            c.register()
            wait_until("issuance", lambda: issue(c, responder, ["after.pg.example.test"]), timeout=30)

        checks.run("issues through PostgreSQL", issues_through_postgresql)
        checks.run("requests during a PostgreSQL restart get Retry-After", restart_under_load)
        checks.run("nothing acknowledged is lost", nothing_lost)
        checks.run("issuance after the restart", issues_after_the_outage)
        responder.close()
    checks.finish()


if __name__ == "__main__":
    main()
