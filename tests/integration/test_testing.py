"""The test CA mode (`signet serve --testing`, [testing]) with certbot, lego and the raw
client, and no DNS server: resolve_all_to = 127.0.0.1 for http-01 and dns-01 (TXT
records set through the admin listener's /testing/txt, wildcards included) and CAA
(/testing/caa); always_valid with no responder at all; nonce_reject_percent = 50 with
every client completing and the refused share counted and printed; injected problems on
finalize (rateLimited with Retry-After, badNonce); validation_delay and
reuse_authorizations changed at run time; knobs without enabled refused at start and by
`signet config check`.

lego 4.9.1 retries a POST only after badNonce (and polls an order that finalize left
"processing", which Signet never does: it signs before answering), so an injected
rateLimited on finalize ends its run with that problem; the raw client, which honours
Retry-After, gets through. lego's own dns-01 propagation check needs its resolver to
answer something: a stub here answers REFUSED to every query (--dns.disable-cp then
accepts it). Signet's resolver points at a port where nothing answers."""
import base64
import hashlib
import json
import os
import socket
import struct
import subprocess
import threading
import time
import urllib.error
import urllib.request

from cryptography.hazmat.primitives.asymmetric import ec

from acme_raw import Client, b64, csr_der
from harness import Checks, Env, cert_names, free_port_tcp_udp, main_args, openssl_verify, run, wait_until

CONFIG = """
[testing]
enabled = true
resolve_all_to = "127.0.0.1"
"""

OFF = {"resolve_all_to": "127.0.0.1", "always_valid": False, "nonce_reject_percent": 0,
       "validation_delay": "", "reuse_authorizations": True, "inject": []}


def admin(env, method, path, body=None):
    """(status, headers, text) of a request to the admin listener."""
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(env.admin_base + path, data=data, method=method)
    try:
        with urllib.request.urlopen(req, timeout=5) as r:
            return r.status, dict(r.headers), r.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, dict(e.headers), e.read().decode()


def knobs(env, **changes):
    status, _, text = admin(env, "POST", "/testing/config", dict(OFF, **changes))
    assert status == 200, text
    return json.loads(text)


def metric(env, name, **labels):
    _, _, text = admin(env, "GET", "/metrics")
    want = ",".join(f'{k}="{v}"' for k, v in labels.items())
    for line in text.splitlines():
        if line.startswith(f"{name}{{{want}}} ") or (not labels and line.startswith(name + " ")):
            return float(line.rsplit(" ", 1)[1])
    return 0.0


class RefusingDnsStub:
    """Answers every DNS query over UDP with REFUSED: what lego's own propagation check
    needs to go on (it never asks for records a test needs)."""

    def __init__(self):
        self.port = free_port_tcp_udp()
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind(("127.0.0.1", self.port))
        self.sock.settimeout(0.2)
        self.stopped = False
        self.thread = threading.Thread(target=self.serve, daemon=True)
        self.thread.start()

    def serve(self):
        while not self.stopped:
            try:
                q, peer = self.sock.recvfrom(512)
            except socket.timeout:
                continue
            if len(q) < 12:
                continue
            (qid, flags), qd = struct.unpack("!HH", q[:4]), q[12:]
            # QR, the query's opcode and RD, RA, RCODE 5 (REFUSED); the question echoed.
            answer = struct.pack("!HHHHHH", qid, 0x8000 | (flags & 0x7900) | 0x0080 | 5, 1, 0, 0, 0)
            self.sock.sendto(answer + qd, peer)

    def close(self):
        self.stopped = True
        self.thread.join(2)
        self.sock.close()


class RawClient(Client):
    """The raw client, retrying once per refused nonce as RFC 8555 §6.5 asks (with the
    nonce of the badNonce answer), up to 10 times a request."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.bad_nonces = 0

    def post(self, url, payload, **kwargs):
        for _ in range(10):
            r = super().post(url, payload, **kwargs)
            if r.status_code != 400 or not r.text.count("urn:ietf:params:acme:error:badNonce"):
                return r
            assert r.headers.get("Replay-Nonce"), "badNonce without a fresh nonce"
            self.bad_nonces += 1
        return r


def raw_order(c, names, solve=None, challenge="dns-01"):
    """Orders names and has every pending authorization validated (`solve(identifier,
    token, key_authorization)` publishes the answer first); returns (order URL, order,
    the authorizations as first seen)."""
    r = c.post(c.dir["newOrder"], {"identifiers": [{"type": "dns", "value": n} for n in names]})
    assert r.status_code == 201, r.text
    order_url, order = r.headers["Location"], r.json()
    seen = []
    for az in order["authorizations"]:
        a = c.post(az, None).json()
        seen.append(a)
        if a["status"] == "valid":
            continue
        ch = next(x for x in a["challenges"] if x["type"] == challenge)
        if solve:
            solve(a["identifier"]["value"], ch["token"], f"{ch['token']}.{c.key.thumbprint()}")
        r = c.post(ch["url"], {})
        assert r.status_code == 200, r.text
        wait_until("authorization valid", lambda: c.post(az, None).json()["status"] == "valid", timeout=30)
    return order_url, order, seen


def raw_finalize(c, order_url, order, names):
    """Finalizes (answering rateLimited after its Retry-After, up to 30 times); returns
    the certificate chain and how many rateLimited answers came first."""
    key = ec.generate_private_key(ec.SECP256R1())
    limited = 0
    for _ in range(30):
        r = c.post(order["finalize"], {"csr": b64(csr_der(key, names))})
        if r.status_code != 429:
            break
        assert r.json()["type"] == "urn:ietf:params:acme:error:rateLimited", r.text
        limited += 1
        time.sleep(int(r.headers["Retry-After"]))
    assert r.status_code == 200, r.text
    wait_until("order valid", lambda: c.post(order_url, None).json()["status"] == "valid")
    cert = c.post(c.post(order_url, None).json()["certificate"], None)
    assert cert.status_code == 200 and cert.text.count("BEGIN CERTIFICATE") == 2, cert.text
    return cert.text, limited


def main():
    args = main_args()
    checks = Checks()
    stub = RefusingDnsStub()
    with Env(args.signet, config_text=CONFIG, dns=False) as env:
        print("clients: " + run(["certbot", "--version"]).stdout.strip() + ", " +
              run(["lego", "--version"]).stdout.strip())
        cb = os.path.join(env.tmp, "certbot")
        certbot_common = ["--config-dir", f"{cb}/config", "--work-dir", f"{cb}/work", "--logs-dir",
                          f"{cb}/logs", "--server", env.directory, "--non-interactive", "--agree-tos",
                          "--email", "ops@example.test"]
        certbot_env = {"REQUESTS_CA_BUNDLE": env.root}
        live = f"{cb}/config/live"
        lego_path = os.path.join(env.tmp, "lego")
        lego_env = {"LEGO_CA_CERTIFICATES": env.root}
        raw = RawClient(env.directory, env.root)

        def certbot_http(names, cert_name):
            cmd = ["certbot", "certonly", "--standalone", "--http-01-port", str(env.http01_port),
                   "--cert-name", cert_name] + certbot_common
            for n in names:
                cmd += ["-d", n]
            run(cmd, certbot_env)
            openssl_verify(env.root, f"{live}/{cert_name}/cert.pem", f"{live}/{cert_name}/chain.pem")
            assert cert_names(f"{live}/{cert_name}/cert.pem") == sorted(names)

        def lego(names, *challenge, check=True):
            cmd = ["lego", "--server", env.directory, "--email", "ops@example.test", "--accept-tos",
                   "--path", lego_path, "--key-type", "ec256"] + list(challenge)
            for n in names:
                cmd += ["--domains", n]
            p = run(cmd + ["run"], lego_env, check=check)
            if check:
                stem = f"{lego_path}/certificates/{names[0].replace('*', '_')}"
                openssl_verify(env.root, stem + ".crt", stem + ".issuer.crt")
                assert cert_names(stem + ".crt") == sorted(names), cert_names(stem + ".crt")
            return p

        lego_http = ("--http", "--http.port", f":{env.http01_port}")

        def banner_and_meta():
            line = env.read_line(env.server, r"(TEST CA MODE:.*)", "signet")
            print("  " + line)
            d = raw.s.get(env.directory).json()
            assert d["meta"]["website"] == env.base + "/", d["meta"]
            home = raw.s.get(d["meta"]["website"]).text
            assert "This is a test CA" in home, home
            status, _, text = admin(env, "GET", "/testing/config")
            assert status == 200 and json.loads(text) == OFF, text
            status, headers, root = admin(env, "GET", "/testing/root")
            assert status == 200 and root == open(env.root).read(), root
            status, _, inter = admin(env, "GET", "/testing/intermediate")
            assert status == 200 and "BEGIN CERTIFICATE" in inter and inter != root
            status, _, text = admin(env, "POST", "/testing/txt", {"name": "x.test"})
            assert status == 400 and '"value" is required' in text, text
            status, _, text = admin(env, "POST", "/testing/config", {"nonce_reject_percent": 101})
            assert status == 400 and "0-100" in text, text

        def certbot_http01():
            certbot_http(["app.ci.test", "www.ci.test"], "app")

        def certbot_dns01_wildcard():
            # The hook of docs/ci.md: POST or DELETE the record through /testing/txt.
            hook = os.path.join(env.tmp, "dns-hook.sh")
            with open(hook, "w") as f:
                f.write("#!/bin/sh\n"
                        f"curl -sf -X \"$1\" {env.admin_base}/testing/txt "
                        "-d \"{\\\"name\\\":\\\"_acme-challenge.$CERTBOT_DOMAIN\\\","
                        "\\\"value\\\":\\\"$CERTBOT_VALIDATION\\\"}\"\n")
            os.chmod(hook, 0o755)
            auth, cleanup = f"{hook} POST", f"{hook} DELETE"
            names = ["*.wild.ci.test", "wild.ci.test"]
            run(["certbot", "certonly", "--manual", "--preferred-challenges", "dns",
                 "--manual-auth-hook", auth, "--manual-cleanup-hook", cleanup, "--cert-name", "wild",
                 "-d", names[0], "-d", names[1]] + certbot_common, certbot_env)
            openssl_verify(env.root, f"{live}/wild/cert.pem", f"{live}/wild/chain.pem")
            assert cert_names(f"{live}/wild/cert.pem") == sorted(names)
            # The cleanup hook took both records away again: a new one is the only one there.
            probe = {"name": "_acme-challenge.wild.ci.test", "value": "probe"}
            status, _, text = admin(env, "POST", "/testing/txt", probe)
            assert status == 200 and json.loads(text)["txt"] == ["probe"], text
            status, _, text = admin(env, "DELETE", "/testing/txt", probe)
            assert status == 200 and json.loads(text)["txt"] == [], text

        def lego_http01():
            lego(["lapp.ci.test"], *lego_http)

        def lego_dns01_wildcard():
            script = os.path.join(env.tmp, "lego-dns.sh")
            with open(script, "w") as f:
                # lego's exec provider runs: present|cleanup <fqdn> <value>.
                f.write("#!/bin/sh\n"
                        "[ \"$1\" = present ] && m=POST || m=DELETE\n"
                        f"curl -sf -X $m {env.admin_base}/testing/txt "
                        "-d \"{\\\"name\\\":\\\"$2\\\",\\\"value\\\":\\\"$3\\\"}\"\n")
            os.chmod(script, 0o755)
            lego_env.update({"EXEC_PATH": script, "EXEC_SEQUENCE_INTERVAL": "1",
                             "EXEC_POLLING_INTERVAL": "1", "EXEC_PROPAGATION_TIMEOUT": "30"})
            lego(["*.lwild.ci.test", "lwild.ci.test"], "--dns", "exec", "--dns.disable-cp",
                 "--dns.resolvers", f"127.0.0.1:{stub.port}")

        def publish_txt(name, token, keyauth):
            value = base64.urlsafe_b64encode(hashlib.sha256(keyauth.encode()).digest()).rstrip(b"=").decode()
            status, _, text = admin(env, "POST", "/testing/txt", {"name": f"_acme-challenge.{name}", "value": value})
            assert status == 200, text

        def caa_records():
            raw.register()
            refuse = {"name": "ci.test", "tag": "issue", "value": "other-ca.example"}
            status, _, text = admin(env, "POST", "/testing/caa", refuse)
            assert status == 200, text
            r = raw.post(raw.dir["newOrder"], {"identifiers": [{"type": "dns", "value": "caa.ci.test"}]})
            az = r.json()["authorizations"][0]
            ch = next(x for x in raw.post(az, None).json()["challenges"] if x["type"] == "dns-01")
            publish_txt("caa.ci.test", ch["token"], f"{ch['token']}.{raw.key.thumbprint()}")
            raw.post(ch["url"], {})
            wait_until("authorization invalid", lambda: raw.post(az, None).json()["status"] == "invalid")
            error = raw.post(ch["url"], None).json()["error"]
            assert error["type"] == "urn:ietf:params:acme:error:caa" and "other-ca.example" in error["detail"], error
            status, _, text = admin(env, "DELETE", "/testing/caa", {"name": "ci.test"})
            assert status == 200 and json.loads(text)["caa"] == [], text
            order_url, order, _ = raw_order(raw, ["caa.ci.test"], publish_txt)
            raw_finalize(raw, order_url, order, ["caa.ci.test"])

        def always_valid_without_responder():
            knobs(env, always_valid=True)
            # certbot's manual plugin with a hook that publishes nothing: no responder at all.
            run(["certbot", "certonly", "--manual", "--preferred-challenges", "http",
                 "--manual-auth-hook", "/bin/true", "--cert-name", "nothing",
                 "-d", "nothing.ci.test"] + certbot_common, certbot_env)
            openssl_verify(env.root, f"{live}/nothing/cert.pem", f"{live}/nothing/chain.pem")
            # A dns-01 order with no TXT record passes too.
            order_url, order, _ = raw_order(raw, ["nothing-raw.ci.test"])
            raw_finalize(raw, order_url, order, ["nothing-raw.ci.test"])
            knobs(env)
            # Off again: the same unanswered challenge fails.
            r = raw.post(raw.dir["newOrder"], {"identifiers": [{"type": "dns", "value": "fails.ci.test"}]})
            az = r.json()["authorizations"][0]
            ch = next(x for x in raw.post(az, None).json()["challenges"] if x["type"] == "dns-01")
            raw.post(ch["url"], {})
            wait_until("authorization invalid", lambda: raw.post(az, None).json()["status"] == "invalid")

        def nonce_rejection_half():
            knobs(env, nonce_reject_percent=50)
            before = (metric(env, "signet_testing_nonces_total", outcome="refused"),
                      metric(env, "signet_testing_nonces_total", outcome="accepted"))
            certbot_http(["nonce.ci.test"], "nonce")
            lego(["lnonce.ci.test"], *lego_http)
            fresh = RawClient(env.directory, env.root)
            fresh.register()
            order_url, order, _ = raw_order(fresh, ["rnonce.ci.test"], publish_txt)
            raw_finalize(fresh, order_url, order, ["rnonce.ci.test"])
            refused = metric(env, "signet_testing_nonces_total", outcome="refused") - before[0]
            accepted = metric(env, "signet_testing_nonces_total", outcome="accepted") - before[1]
            share = refused / (refused + accepted)
            print(f"  nonce_reject_percent = 50: {int(refused)} of {int(refused + accepted)} valid "
                  f"nonces refused ({share:.0%}); the raw client retried {fresh.bad_nonces} times",
                  flush=True)
            assert 0.4 <= share <= 0.6, share
            assert fresh.bad_nonces > 0
            knobs(env)

        def injected_rate_limit_on_finalize():
            rule = {"resource": "finalize", "problem": "rateLimited", "status": 429, "percent": 100,
                    "retry_after": 1}
            knobs(env, inject=[rule])
            # lego does not retry rateLimited: its run ends with the injected problem.
            p = lego(["limited.ci.test"], *lego_http, check=False)
            out = p.stdout + p.stderr
            assert p.returncode != 0 and "429" in out and "rateLimited" in out, out
            # The raw client gets a real problem document with Retry-After and a fresh
            # nonce, waits as told and gets through once only some requests are refused.
            order_url, order, _ = raw_order(raw, ["limited-raw.ci.test"], publish_txt)
            r = raw.post(order["finalize"], {"csr": b64(csr_der(ec.generate_private_key(ec.SECP256R1()),
                                                                 ["limited-raw.ci.test"]))})
            assert r.status_code == 429 and r.headers["Retry-After"] == "1", (r.status_code, r.headers)
            assert r.headers["Content-Type"] == "application/problem+json" and r.headers["Replay-Nonce"]
            body = r.json()
            assert body["type"] == "urn:ietf:params:acme:error:rateLimited" and body["status"] == 429, body
            knobs(env, inject=[dict(rule, percent=50)])
            _, limited = raw_finalize(raw, order_url, order, ["limited-raw.ci.test"])
            print(f"  the raw client waited out {limited} rateLimited answers on finalize", flush=True)
            assert metric(env, "signet_testing_injected_problems_total", resource="finalize",
                          problem="rateLimited") >= 1 + limited
            # What lego retries is badNonce: injected into half of the finalize requests,
            # lego gets through. Runs until one of them met an injected problem (each run
            # does with probability 1/2: ten runs without one are one chance in a thousand).
            knobs(env, inject=[{"resource": "finalize", "problem": "badNonce", "percent": 50}])
            for i in range(10):
                before = metric(env, "signet_testing_injected_problems_total", resource="finalize",
                                problem="badNonce")
                lego([f"lretry{i}.ci.test"], *lego_http)
                met = metric(env, "signet_testing_injected_problems_total", resource="finalize",
                             problem="badNonce") - before
                if met:
                    print(f"  lego got through {int(met)} injected badNonce on finalize", flush=True)
                    break
            assert met, "no lego run met an injected badNonce"
            knobs(env)

        def delay_and_reuse():
            knobs(env, validation_delay="1s-1s", reuse_authorizations=False)
            began = time.monotonic()
            order_url, order, _ = raw_order(raw, ["slow.ci.test"], publish_txt)
            assert time.monotonic() - began >= 1.0
            raw_finalize(raw, order_url, order, ["slow.ci.test"])
            # reuse_authorizations = false: the valid authorization is not reused.
            _, _, seen = raw_order(raw, ["slow.ci.test"], publish_txt)
            assert seen[0]["status"] == "pending", seen
            knobs(env, validation_delay="")
            _, _, seen = raw_order(raw, ["slow.ci.test"], publish_txt)
            assert seen[0]["status"] == "valid", seen

        def knobs_without_enabled_refused():
            path = os.path.join(env.tmp, "knobs.toml")
            with open(path, "w") as f:
                f.write("[testing]\nalways_valid = true\nnonce_reject_percent = 5\n")
            p = subprocess.run([args.signet, "serve", "--config", path, "--data-dir", os.path.join(env.tmp, "d2"),
                                "--listen", "127.0.0.1:0", "--http-listen", "", "--admin-listen", ""],
                               capture_output=True, text=True, timeout=30)
            assert p.returncode != 0, p.stdout
            assert "always_valid, nonce_reject_percent but the test mode is not enabled" in p.stderr, p.stderr
            assert "--testing" in p.stderr, p.stderr
            print("  " + p.stderr.strip().splitlines()[-1][:160] + " ...", flush=True)
            check = run([args.signet, "config", "check", "--config", path], check=False)
            assert check.returncode != 0 and "not enabled" in check.stderr, check.stderr
            ok = run([args.signet, "config", "check", "--config", path, "--testing"])
            assert "Test CA mode: on" in ok.stdout and "always_valid" in ok.stdout, ok.stdout

        checks.run("banner, directory meta, /testing/ endpoints", banner_and_meta)
        checks.run("certbot http-01 with resolve_all_to, no DNS server", certbot_http01)
        checks.run("certbot dns-01 wildcard, TXT through /testing/txt", certbot_dns01_wildcard)
        checks.run("lego http-01 with resolve_all_to, no DNS server", lego_http01)
        checks.run("lego dns-01 wildcard, exec provider on /testing/txt", lego_dns01_wildcard)
        checks.run("CAA records through /testing/caa refuse, then permit", caa_records)
        checks.run("always_valid: certificates with no responder at all", always_valid_without_responder)
        checks.run("nonce_reject_percent = 50: certbot, lego and the raw client complete", nonce_rejection_half)
        checks.run("injected rateLimited on finalize (Retry-After 1); badNonce retried by lego",
                   injected_rate_limit_on_finalize)
        checks.run("validation_delay and reuse_authorizations at run time", delay_and_reuse)
        checks.run("testing knobs without enabled refuse to start", knobs_without_enabled_refused)
    stub.close()
    checks.finish()


if __name__ == "__main__":
    main()
