"""Crash safety: `signet serve` is killed with SIGKILL in the middle of a load of 64
concurrent clients, each looping complete http-01 flows with its own account, then
started again on the same data directory. Every certificate a client was given must be
in the database exactly as given, no serial may be used twice, nothing may be left
processing, and the restarted server must answer and issue again."""
import os
import re
import signal
import sqlite3
import sys
import threading
import time

import requests
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from acme_raw import Client, b64, csr_der
from harness import NO_PER_ADDRESS_LIMITS, NO_RATE_LIMITS, Checks, Env, main_args, wait_until
from test_protocol import ChallengeResponder, issue

CLIENTS = 64
FLOWS_PER_CLIENT = 10  # bound on each client's loop
KILL_AFTER = 40  # certificates received before the kill
MIN_IN_FLIGHT = CLIENTS // 4  # flows under way when the server is killed
DEADLINE = 90  # seconds for the load, the kill included


class ServerGone(BaseException):
    """The server stopped answering; ends a client's loop. A BaseException so that
    wait_until, which retries on any Exception, lets it through at once."""


def serial_hex(cert):
    """A certificate's serial as the database spells it: 32 lowercase hex digits."""
    return format(cert.serial_number, "032x")


def der(cert):
    return cert.public_bytes(serialization.Encoding.DER)


def quiet_on_hangup(responder):
    """The killed server leaves validation requests behind: the responder's answers to
    them hit closed connections, which is expected here and not worth a traceback."""
    report = responder.httpd.handle_error

    def handle_error(request, client_address):
        if not isinstance(sys.exc_info()[1], ConnectionError):
            report(request, client_address)

    responder.httpd.handle_error = handle_error


class Load:
    """CLIENTS threads looping full flows; tracks what is under way and what was received."""

    def __init__(self, env, responder):
        self.env = env
        self.responder = responder
        self.cond = threading.Condition()
        self.received = []  # (name, leaf certificate), fully downloaded
        self.in_flight = 0  # flows started and not finished
        self.finalizing = 0  # finalize requests sent and not answered
        self.errors = []  # failures other than the server going away
        self.finished = 0  # clients whose loop has ended
        self.keys = []  # account keys of registered clients

    def count(self, **delta):
        with self.cond:
            for k, v in delta.items():
                setattr(self, k, getattr(self, k) + v)
            self.cond.notify_all()

    def client(self, i):
        try:
            c = LoadClient(self, self.env.directory, self.env.root)
            c.register()
            with self.cond:
                self.keys.append(c.key)
            for n in range(FLOWS_PER_CLIENT):
                name = f"c{i}-{n}.crash.example.test"
                self.count(in_flight=1)
                try:
                    _, pem, _ = issue(c, self.responder, [name])
                finally:
                    self.count(in_flight=-1)
                leaf = x509.load_pem_x509_certificate(pem.encode())
                with self.cond:
                    self.received.append((name, leaf))
                    self.cond.notify_all()
        except ServerGone:
            pass
        except Exception as e:  # reported by the load check
            with self.cond:
                self.errors.append(f"client {i}: {e!r}")
        finally:
            self.count(finished=1)

    def ready_to_kill(self):
        return (len(self.received) >= KILL_AFTER and self.in_flight >= MIN_IN_FLIGHT
                and self.finalizing > 0)


class LoadClient(Client):
    """A Client that reports its finalize requests to the load and turns any transport
    failure (refused, reset, cut short) into ServerGone."""

    def __init__(self, load, *args, **kwargs):
        self.load = load
        try:
            super().__init__(*args, **kwargs)
        except requests.RequestException as e:
            raise ServerGone(e) from e

    def post(self, url, payload, **kwargs):
        finalize = url.endswith("/finalize")
        if finalize:
            self.load.count(finalizing=1)
        try:
            return super().post(url, payload, **kwargs)
        except requests.RequestException as e:
            raise ServerGone(e) from e
        finally:
            if finalize:
                self.load.count(finalizing=-1)


def main():
    args = main_args()
    checks = Checks()
    with Env(args.signet, config_text=NO_RATE_LIMITS + NO_PER_ADDRESS_LIMITS) as env:
        responder = ChallengeResponder(env.http01_port)
        quiet_on_hangup(responder)
        load = Load(env, responder)
        threads = [threading.Thread(target=load.client, args=(i,), daemon=True) for i in range(CLIENTS)]
        t0 = time.monotonic()
        for t in threads:
            t.start()
        with load.cond:
            ready = load.cond.wait_for(lambda: load.ready_to_kill() or load.finished == CLIENTS,
                                       timeout=DEADLINE)
            ready = ready and load.ready_to_kill()
            # Killed while the clients are held at the lock: the figures are those at the kill.
            at_kill = (len(load.received), load.in_flight, load.finalizing)
            exit_code = env.stop_server(signal.SIGKILL)
        for t in threads:
            t.join(max(0.1, t0 + DEADLINE - time.monotonic()))
        load_seconds = time.monotonic() - t0
        env.restart_server()
        db = sqlite3.connect(f"file:{os.path.join(env.data_dir, 'signet.db')}?mode=ro", uri=True)

        def killed_mid_load():
            print(f"  killed with {at_kill[0]} certificates received, {at_kill[1]} flows under way, "
                  f"{at_kill[2]} finalize requests unanswered; load {load_seconds:.1f}s")
            assert exit_code == -signal.SIGKILL, f"signet exited with {exit_code}"
            assert ready, (f"not ready to kill by the deadline: {at_kill[0]} certificates, "
                           f"{at_kill[1]} flows, {at_kill[2]} finalizing")
            assert not load.errors, "\n".join(load.errors[:10])
            alive = sum(t.is_alive() for t in threads)
            assert alive == 0, f"{alive} clients still running after the kill"

        def received_are_stored():
            assert len(load.received) >= KILL_AFTER, len(load.received)
            for name, leaf in load.received:
                serial = serial_hex(leaf)
                sans = leaf.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
                assert sans.get_values_for_type(x509.DNSName) == [name], (name, sans)
                row = db.execute("SELECT der, order_id FROM certificates WHERE serial = ?",
                                 (serial,)).fetchone()
                assert row is not None, f"received certificate {serial} ({name}) is not in the database"
                assert bytes(row[0]) == der(leaf), f"stored DER of {serial} differs from the one received"
                order = db.execute("SELECT status, certificate_serial FROM orders WHERE id = ?",
                                   (row[1],)).fetchone()
                assert order == ("valid", serial), f"order {row[1]} of {serial}: {order}"
            print(f"  {len(load.received)} received certificates all stored")

        def serials_unique():
            received = [serial_hex(leaf) for _, leaf in load.received]
            assert len(set(received)) == len(received), "a serial was received twice"
            rows = db.execute("SELECT serial, der FROM certificates").fetchall()
            stored = [serial_hex(x509.load_der_x509_certificate(bytes(d))) for _, d in rows]
            mismatched = [s for (s, _), d in zip(rows, stored) if s != d]
            assert not mismatched, f"serial column differs from the certificate's serial: {mismatched[:5]}"
            assert all(re.fullmatch(r"[0-9a-f]{32}", s) for s, _ in rows), "serial not 32 lowercase hex"
            assert len(set(stored)) == len(stored), "a serial is stored twice"
            print(f"  {len(stored)} certificates in the database, {len(stored) - len(received)} "
                  "issued but not downloaded before the kill")

        def nothing_processing():
            for table in ("orders", "authorizations", "challenges"):
                n = db.execute(f"SELECT COUNT(*) FROM {table} WHERE status = 'processing'").fetchone()[0]
                assert n == 0, f"{n} {table} left processing after the restart"
            ended = re.search(r"ended (\d+) challenges/orders", env.log("signet-restart"))
            print(f"  restart ended {ended.group(1) if ended else 0} interrupted challenges/orders")

        def issues_after_restart():
            # An account registered before the kill orders again on the new server.
            c = Client(env.directory, env.root, load.keys[0])
            assert c.register().status_code == 200, "the account was not found after the restart"
            name = "after-restart.crash.example.test"
            _, pem, _ = issue(c, responder, [name])
            leaf = x509.load_pem_x509_certificate(pem.encode())
            row = db.execute("SELECT der FROM certificates WHERE serial = ?", (serial_hex(leaf),)).fetchone()
            assert row is not None and bytes(row[0]) == der(leaf), "certificate after restart not stored"

        checks.run("SIGKILL in the middle of a 64-client load", killed_mid_load)
        checks.run("every received certificate is stored as received", received_are_stored)
        checks.run("no serial used twice", serials_unique)
        checks.run("nothing left processing after the restart", nothing_processing)
        checks.run("restarted server issues again", issues_after_restart)
        db.close()
        responder.close()

    # A crash between signing a certificate and storing it: the certificate was recorded
    # before it was signed, so the next start signs it again and stores it.
    with Env(args.signet, config_text=NO_RATE_LIMITS, server_env={"SIGNET_FAULT": "after-signing"}) as env:
        responder = ChallengeResponder(env.http01_port)
        quiet_on_hangup(responder)

        def signed_then_killed():
            c = Client(env.directory, env.root)
            c.register()
            name = "signed.crash.example.test"
            r = c.post(c.dir["newOrder"], {"identifiers": [{"type": "dns", "value": name}]})
            assert r.status_code == 201, r.text
            order_url, order = r.headers["Location"], r.json()
            az = order["authorizations"][0]
            ch = next(x for x in c.post(az, None).json()["challenges"] if x["type"] == "http-01")
            responder.tokens[ch["token"]] = f"{ch['token']}.{c.key.thumbprint()}"
            c.post(ch["url"], {})
            wait_until("authorization valid", lambda: c.post(az, None).json()["status"] == "valid")
            cert_key = ec.generate_private_key(ec.SECP256R1())
            try:
                c.post(order["finalize"], {"csr": b64(csr_der(cert_key, [name]))})
            except requests.RequestException:
                pass  # the server ended while answering
            assert env.server.wait(30) == 86, "the server did not stop at the fault point"
            env.server_env = None
            old_base = env.base
            env.restart_server()
            order_url = order_url.replace(old_base, env.base)  # a new port
            assert "signed again and stored" in env.log("signet-restart"), env.log("signet-restart")
            again = Client(env.directory, env.root, c.key)
            assert again.register().status_code == 200
            o = again.post(order_url, None).json()
            assert o["status"] == "valid", o
            pem = again.post(o["certificate"], None).text
            leaf = x509.load_pem_x509_certificate(pem.encode())
            sans = leaf.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
            assert sans.get_values_for_type(x509.DNSName) == [name]
            assert leaf.public_key().public_numbers() == cert_key.public_key().public_numbers()
            db = sqlite3.connect(f"file:{os.path.join(env.data_dir, 'signet.db')}?mode=ro", uri=True)
            row = db.execute("SELECT der FROM certificates WHERE serial = ?", (serial_hex(leaf),)).fetchone()
            reserved = db.execute("SELECT order_id FROM serials WHERE serial = ?", (serial_hex(leaf),)).fetchone()
            db.close()
            assert row is not None and bytes(row[0]) == der(leaf), "the certificate is not stored"
            assert reserved is not None and order_url.endswith(reserved[0]), reserved

        checks.run("a crash between signing and storing leaves the certificate recorded", signed_then_killed)
        responder.close()
    checks.finish()


if __name__ == "__main__":
    main()
