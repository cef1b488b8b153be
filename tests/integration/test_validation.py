"""Validation against a real Signet: one deadline bounds a whole validation however
slowly DNS answers, and an http-01 redirect to an internal page leaks nothing of it."""
import hashlib
import json
import socket
import struct
import threading
import time
from http.server import BaseHTTPRequestHandler, HTTPServer

from acme_raw import Client, b64
from harness import Checks, Env, main_args, wait_until

DEADLINE = 4  # [validation] timeout_seconds
MARGIN = 2.5  # scheduling and polling slack on a busy machine
DNS_DELAY = 1.5
SECRET = "root:x:0:0:SECRET-internal"


class SlowDns:
    """A UDP DNS server on a free loopback port that answers every query after
    DNS_DELAY seconds: A with 127.0.0.1, TXT from `txt`, anything else (AAAA, CAA) with
    an empty answer. Counts the CAA queries waiting for their answer at once."""

    def __init__(self):
        self.txt = {}
        self.lock = threading.Lock()
        self.caa_waiting = 0
        self.max_caa_waiting = 0
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        threading.Thread(target=self.serve, daemon=True).start()

    def serve(self):
        while True:
            try:
                query, peer = self.sock.recvfrom(4096)
            except OSError:
                return  # closed
            parsed = self.parse(query)
            if parsed is None:
                continue
            if parsed[1] == 257:
                with self.lock:
                    self.caa_waiting += 1
                    self.max_caa_waiting = max(self.max_caa_waiting, self.caa_waiting)
            t = threading.Timer(DNS_DELAY, self.answer, (query, parsed, peer))
            t.daemon = True
            t.start()

    @staticmethod
    def parse(query):
        """(name, qtype, end of the question) of a one-question query, or None."""
        if len(query) < 12 or struct.unpack("!H", query[4:6])[0] != 1:
            return None
        labels, i = [], 12
        while i < len(query) and query[i] != 0:
            labels.append(query[i + 1:i + 1 + query[i]].decode("ascii", "replace").lower())
            i += 1 + query[i]
        if i + 5 > len(query):
            return None
        return ".".join(labels), struct.unpack("!H", query[i + 1:i + 3])[0], i + 5

    def answer(self, query, parsed, peer):
        name, qtype, end = parsed
        if qtype == 257:
            with self.lock:
                self.caa_waiting -= 1
        records = []
        if qtype == 1:
            records.append((1, socket.inet_aton("127.0.0.1")))
        elif qtype == 16 and name in self.txt:
            value = self.txt[name].encode()
            records.append((16, bytes([len(value)]) + value))
        flags = 0x8000 | 0x0400 | (struct.unpack("!H", query[2:4])[0] & 0x0100) | 0x0080
        reply = query[:2] + struct.pack("!HHHHH", flags, 1, len(records), 0, 0) + query[12:end]
        for rtype, rdata in records:  # the name is a pointer to the question's
            reply += b"\xc0\x0c" + struct.pack("!HHIH", rtype, 1, 60, len(rdata)) + rdata
        try:
            self.sock.sendto(reply, peer)
        except OSError:
            pass  # closed meanwhile

    def close(self):
        self.sock.close()


class Responder:
    """Serves the http-01 port. A challenge token maps to a mode: "secret" redirects to an
    internal page that holds SECRET; "secret404" to one that answers 404 with it;
    "secretnext" to one that redirects again, with SECRET in its Location; any other
    value is the key authorization itself."""

    def __init__(self, port):
        self.tokens = {}
        tokens = self.tokens
        origin = f"http://127.0.0.1:{port}"

        class H(BaseHTTPRequestHandler):
            def do_GET(self):
                status, headers, body = 404, {}, b""
                if self.path.startswith("/.well-known/acme-challenge/"):
                    mode = tokens.get(self.path.rsplit("/", 1)[-1], "")
                    if mode.startswith("secret"):
                        status, headers = 302, {"Location": f"{origin}/private/{mode}"}
                    elif mode:
                        status, body = 200, mode.encode()
                elif self.path == "/private/secret":
                    status, body = 200, SECRET.encode()
                elif self.path == "/private/secret404":
                    body = SECRET.encode()
                elif self.path == "/private/secretnext":
                    status, headers = 302, {"Location": f"{origin}/private/{SECRET}?session={SECRET}"}
                    body = SECRET.encode()
                self.send_response(status)
                for k, v in headers.items():
                    self.send_header(k, v)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *a):
                pass

        self.httpd = HTTPServer(("127.0.0.1", port), H)
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()


def start_challenge(c, name, method):
    """Orders name; returns (authorization URL, challenge of `method`, key authorization)."""
    r = c.post(c.dir["newOrder"], {"identifiers": [{"type": "dns", "value": name}]})
    assert r.status_code == 201, r.text
    az_url = r.json()["authorizations"][0]
    ch = next(x for x in c.post(az_url, None).json()["challenges"] if x["type"] == method)
    return az_url, ch, f"{ch['token']}.{c.key.thumbprint()}"


def finish(c, az_url, ch):
    """Answers the challenge; returns (final authorization, seconds until it was decided)."""
    start = time.monotonic()
    assert c.post(ch["url"], {}).status_code == 200
    wait_until("validation", lambda: c.post(az_url, None).json()["status"] != "pending", timeout=60)
    elapsed = time.monotonic() - start
    return c.post(az_url, None).json(), elapsed


def within_deadline(az, elapsed):
    """Valid, or invalid saying it ran out of time; decided within the deadline + margin."""
    assert elapsed < DEADLINE + MARGIN, f"took {elapsed:.1f}s: {az}"
    if az["status"] != "valid":
        err = next(x["error"] for x in az["challenges"] if "error" in x)
        assert f"validation did not finish within {DEADLINE} s (" in err["detail"], err
    detail = "" if az["status"] == "valid" else next(x["error"]["detail"] for x in az["challenges"] if "error" in x)
    print(f"  {az['status']} after {elapsed:.1f}s {detail}", flush=True)


def deadline_checks(args, checks):
    dns = SlowDns()

    def use_slow_dns(env):
        env.dns_port = dns.port  # the server resolves through the slow DNS server

    config = f"[validation]\ntimeout_seconds = {DEADLINE}\n"
    with Env(args.signet, config_text=config, before_serve=use_slow_dns) as env:
        responder = Responder(env.http01_port)
        c = Client(env.directory, env.root)
        c.register()
        # 12 labels. http-01: 3 s of address lookups, then CAA (1.5 s) passes the
        # deadline. dns-01: the TXT lookup, then CAA, each 1.5 s, fit in it. Before, CAA
        # alone took 12 × 1.5 s.
        deep = ".".join(f"l{i}" for i in range(10, 0, -1))

        def http01():
            az_url, ch, keyauth = start_challenge(c, deep + ".http.test", "http-01")
            responder.tokens[ch["token"]] = keyauth
            within_deadline(*finish(c, az_url, ch))

        def dns01():
            name = deep + ".dns.test"
            dns.max_caa_waiting = 0
            az_url, ch, keyauth = start_challenge(c, name, "dns-01")
            dns.txt["_acme-challenge." + name] = b64(hashlib.sha256(keyauth.encode()).digest())
            within_deadline(*finish(c, az_url, ch))
            # After the TXT lookup, the 12 CAA RRsets were asked for at once.
            assert dns.max_caa_waiting >= 12, dns.max_caa_waiting

        checks.run("a slow DNS server cannot stretch http-01 past the deadline", http01)
        checks.run("a slow DNS server cannot stretch dns-01 and CAA past the deadline", dns01)
        responder.close()
    dns.close()


def leak_checks(args, checks):
    with Env(args.signet) as env:
        responder = Responder(env.http01_port)
        c = Client(env.directory, env.root)
        c.register()
        # Every part of the secret of 5 characters or more.
        parts = {SECRET[i:j] for i in range(len(SECRET)) for j in range(i + 5, len(SECRET) + 1)}

        def redirected(mode, expect):
            az_url, ch, _ = start_challenge(c, f"{mode}.leak.test", "http-01")
            responder.tokens[ch["token"]] = mode
            az, _ = finish(c, az_url, ch)
            assert az["status"] == "invalid", az
            shown = next(x for x in az["challenges"] if x["type"] == "http-01")
            visible = json.dumps({"error": shown["error"], "records": shown.get("validationRecord")})
            leaked = sorted(p for p in parts if p in visible)
            assert not leaked, f"leaked {leaked[-1]!r}: {visible}"
            assert expect in shown["error"]["detail"], shown["error"]

        checks.run("a redirect to an internal page does not echo it",
                   redirected, "secret", "got a 26-byte body")
        checks.run("a redirect to an internal 404 page does not echo it",
                   redirected, "secret404", "HTTP 404 with a 26-byte body")
        checks.run("an internal page's own redirect is not echoed",
                   redirected, "secretnext", "the target of redirect 2: HTTP 404")
        responder.close()


def main():
    args = main_args()
    checks = Checks()
    deadline_checks(args, checks)
    leak_checks(args, checks)
    checks.finish()


if __name__ == "__main__":
    main()
