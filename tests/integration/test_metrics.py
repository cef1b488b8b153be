"""Metrics on the admin listener of a real server: after a certificate is issued and a
validation fails, GET /metrics is valid Prometheus text (`promtool check metrics`) and
counts both, with requests by route. The admin listener serves no ACME resource and the
ACME listeners serve no metrics. With [server] admin_client_ca, the admin listener is
HTTPS and only a client certificate from that CA gets an answer."""
import os
import re
import ssl
import subprocess
import urllib.error
import urllib.request

from acme_raw import Client
from harness import Checks, Env, main_args, run, wait_until
from test_protocol import ChallengeResponder, ident, issue

SAMPLE = re.compile(r"^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)$")
LABEL = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"')


def fetch(url, context=None):
    try:
        with urllib.request.urlopen(url, timeout=5, context=context) as r:
            return r.status, dict(r.headers), r.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, dict(e.headers), e.read().decode()


def parse(text):
    """[(name, {label: value}, value)] of every sample."""
    out = []
    for line in text.splitlines():
        if not line or line.startswith("#"):
            continue
        m = SAMPLE.match(line)
        assert m, f"not a sample line: {line!r}"
        out.append((m.group(1), dict(LABEL.findall(m.group(2) or "")), float(m.group(3))))
    return out


def value(samples, name, **labels):
    """The sum of the samples of name whose labels include `labels`."""
    return sum(v for n, l, v in samples if n == name and all(l.get(k) == x for k, x in labels.items()))


def openssl(*args):
    run(["openssl", *args])


def make_ca(tmp, name):
    """A throwaway CA and a client certificate it issued: (ca.pem, client.pem, client.key)."""
    ca_key, ca = os.path.join(tmp, f"{name}-ca.key"), os.path.join(tmp, f"{name}-ca.pem")
    key, csr, cert = (os.path.join(tmp, f"{name}-client.{x}") for x in ("key", "csr", "pem"))
    ext = os.path.join(tmp, f"{name}-client.ext")
    with open(ext, "w") as f:
        f.write("basicConstraints=CA:FALSE\nkeyUsage=digitalSignature\nextendedKeyUsage=clientAuth\n")
    openssl("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
            "-keyout", ca_key, "-out", ca, "-days", "1", "-subj", f"/CN={name} admin CA")
    openssl("req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
            "-keyout", key, "-out", csr, "-subj", f"/CN={name} scraper")
    openssl("x509", "-req", "-in", csr, "-CA", ca, "-CAkey", ca_key, "-CAcreateserial",
            "-out", cert, "-days", "1", "-extfile", ext)
    return ca, cert, key


def main():
    args = main_args()
    checks = Checks()
    with Env(args.signet) as env:
        responder = ChallengeResponder(env.http01_port)
        c = Client(env.directory, env.root)
        state = {}

        def issue_and_fail_a_validation():
            c.register()
            issue(c, responder, ["metrics.test"])
            # A challenge whose token is never served: the validation fails.
            r = c.post(c.dir["newOrder"], {"identifiers": [ident("failing.metrics.test")]})
            assert r.status_code == 201, r.text
            order_url, order = r.headers["Location"], r.json()
            authz = c.post(order["authorizations"][0], None).json()
            ch = next(x for x in authz["challenges"] if x["type"] == "http-01")
            assert c.post(ch["url"], {}).status_code == 200
            wait_until("authorization invalid",
                       lambda: c.post(order["authorizations"][0], None).json()["status"] == "invalid")
            assert c.post(order_url, None).json()["status"] == "invalid"
            # A problem: no such resource.
            assert c.post(env.base + "/acme/order/nonexistent", None).status_code == 404

        def scrape_passes_promtool():
            status, headers, text = fetch(env.admin_base + "/metrics")
            assert status == 200, status
            assert headers["Content-Type"].startswith("text/plain; version=0.0.4"), headers
            p = subprocess.run(["promtool", "check", "metrics"], input=text, capture_output=True,
                               text=True, timeout=30)
            assert p.returncode == 0, p.stdout + p.stderr + "\n" + text
            state["samples"] = parse(text)

        def counts_what_happened():
            s = state["samples"]
            assert value(s, "signet_certificates_issued_total", profile="tlsserver") >= 1, s
            assert value(s, "signet_accounts_created_total") >= 1
            assert value(s, "signet_orders_total", outcome="created") >= 2
            assert value(s, "signet_orders_total", outcome="valid") >= 1
            assert value(s, "signet_orders_total", outcome="invalid") >= 1
            assert value(s, "signet_authorizations_total", outcome="invalid") >= 1
            assert value(s, "signet_validations_total", method="http-01", perspective="primary",
                         outcome="invalid") >= 1
            assert value(s, "signet_validations_total", method="http-01", perspective="primary",
                         outcome="valid") >= 1
            assert value(s, "signet_validation_decisions_total", method="http-01",
                         outcome="invalid", problem="unauthorized") + value(
                s, "signet_validation_decisions_total", method="http-01", outcome="invalid",
                problem="connection") >= 1
            assert value(s, "signet_validation_duration_seconds_count", method="http-01",
                         perspective="primary") >= 2
            assert value(s, "signet_caa_checks_total", result="permitted") >= 1
            assert value(s, "signet_http_requests_total", route="/acme/new-order", status="201") >= 2
            assert value(s, "signet_http_requests_total", route="/directory", status="200") >= 1
            assert value(s, "signet_http_requests_total", route="/acme/order/{id}", status="404") >= 1
            assert value(s, "signet_problems_total", type="malformed") >= 1
            assert value(s, "signet_db_commit_duration_seconds_count") >= 1
            assert value(s, "signet_db_commit_batch_writes_count") >= 1
            assert value(s, "signet_db_commits_total", result="ok") >= 1
            assert any(n == "signet_queue_depth" and l.get("queue") == "cpu" for n, l, _ in s)
            assert any(n == "signet_open_connections" and l.get("listener") == "acme" for n, l, _ in s)
            assert value(s, "process_cpu_seconds_total") > 0
            assert value(s, "process_resident_memory_bytes") > 1 << 20
            assert value(s, "process_start_time_seconds") > 1.6e9

        def listeners_keep_to_their_own():
            status, _, _ = fetch(env.admin_base + "/directory")
            assert status == 404, status
            status, _, _ = fetch(env.admin_base + "/crl/acme/0.crl")
            assert status == 404, status
            ctx = ssl.create_default_context(cafile=env.root)
            status, headers, _ = fetch(env.base + "/metrics", ctx)
            assert status == 404 and headers["Content-Type"] == "application/problem+json", status
            status, _, _ = fetch(env.crl_base + "/metrics")
            assert status == 404, status
            req = urllib.request.Request(env.admin_base + "/metrics", data=b"", method="POST")
            try:
                urllib.request.urlopen(req, timeout=5)
                raise AssertionError("POST /metrics answered")
            except urllib.error.HTTPError as e:
                assert e.code == 405 and e.headers["Allow"] == "GET, HEAD", e.code

        checks.run("a certificate is issued and a validation fails", issue_and_fail_a_validation)
        checks.run("GET /metrics passes promtool check metrics", scrape_passes_promtool)
        if "samples" in state:
            checks.run("the counters show what happened", counts_what_happened)
        checks.run("ACME and metrics stay on their own listeners", listeners_keep_to_their_own)
        responder.close()

    files = {}

    def with_client_ca(env):
        files["ca"], files["cert"], files["key"] = make_ca(env.tmp, "trusted")
        _, files["other_cert"], files["other_key"] = make_ca(env.tmp, "other")
        return f'[server]\nadmin_client_ca = "{files["ca"]}"\n'

    with Env(args.signet, config_text=with_client_ca) as env:
        url = env.admin_base + "/metrics"

        def refused_without_a_client_certificate():
            assert url.startswith("https://127.0.0.1:"), url
            for cert in (None, (files["other_cert"], files["other_key"])):
                ctx = ssl.create_default_context(cafile=env.root)
                if cert:
                    ctx.load_cert_chain(*cert)
                try:
                    status, _, _ = fetch(url, ctx)
                except (ssl.SSLError, urllib.error.URLError, ConnectionError) as e:
                    continue  # refused in the handshake (TLS 1.3: at the first read)
                raise AssertionError(f"answered {status} with client certificate {cert}")

        def answered_with_one_from_the_ca():
            ctx = ssl.create_default_context(cafile=env.root)
            ctx.load_cert_chain(files["cert"], files["key"])
            status, headers, text = fetch(url, ctx)
            assert status == 200 and "process_cpu_seconds_total" in text, status
            assert headers["Content-Type"].startswith("text/plain; version=0.0.4"), headers

        checks.run("admin_client_ca: no or another CA's client certificate is refused",
                   refused_without_a_client_certificate)
        checks.run("admin_client_ca: a client certificate from the CA is answered",
                   answered_with_one_from_the_ca)
    checks.finish()


if __name__ == "__main__":
    main()
