"""Revocation that relying parties see, on a real server: certbot's certificate names its
CRL shard; every shard's CRL, fetched over plain HTTP as relying parties do, verifies with
`openssl crl -CAfile`; `openssl verify -crl_check` accepts the certificate, and refuses it
once `certbot revoke` has revoked it (the shard's CRL lists it within seconds, with its
reason). The same CRLs are served over HTTPS; ACME is not served over plain HTTP; a
`shortlived` certificate carries no CRL distribution point."""
import os
import re
import urllib.error
import urllib.request

from acme_raw import Client
from harness import Checks, Env, main_args, run, wait_until
from test_protocol import ChallengeResponder, issue

NAME = "crl.revocation.test"
SHARDS = 4


def fetch(url, context=None):
    with urllib.request.urlopen(url, timeout=5, context=context) as r:
        return r.status, dict(r.headers), r.read()


def main():
    args = main_args()
    checks = Checks()
    config = f"[crl]\nshards = {SHARDS}\n"
    with Env(args.signet, config_text=config) as env:
        print("client: " + run(["certbot", "--version"]).stdout.strip())
        work = os.path.join(env.tmp, "certbot")
        certbot = ["certbot", "--non-interactive", "--agree-tos", "--email", "ops@revocation.test",
                   "--server", env.directory, "--config-dir", work, "--work-dir", work,
                   "--logs-dir", work]
        certbot_env = {"REQUESTS_CA_BUNDLE": env.root}
        chain = os.path.join(env.tmp, "chain.pem")
        state = {}

        def crl_pem(url):
            status, headers, der = fetch(url)
            assert status == 200 and headers["Content-Type"] == "application/pkix-crl", headers
            assert "Last-Modified" in headers and "max-age" in headers["Cache-Control"], headers
            assert "Replay-Nonce" not in headers, headers
            path = os.path.join(env.tmp, "crl.der")
            with open(path, "wb") as f:
                f.write(der)
            pem = run(["openssl", "crl", "-inform", "DER", "-in", path]).stdout
            with open(path + ".pem", "w") as f:
                f.write(pem)
            return path + ".pem"

        def issued_names_its_shard():
            run(certbot + ["certonly", "--standalone", "--http-01-port", str(env.http01_port),
                           "--http-01-address", "127.0.0.1", "-d", NAME], env=certbot_env)
            live = os.path.join(work, "live", NAME)
            state["cert"] = os.path.join(live, "cert.pem")
            with open(os.path.join(live, "chain.pem")) as f, open(chain, "w") as out:
                out.write(f.read())
            text = run(["openssl", "x509", "-in", state["cert"], "-noout", "-text"]).stdout
            m = re.search(r"X509v3 CRL Distribution Points:\s*\n\s*Full Name:\s*\n\s*URI:(\S+)", text)
            assert m, text
            state["crl_url"] = m.group(1)
            crls = f"{env.crl_base}/crl/{env.crl_issuer}/"
            assert re.fullmatch(re.escape(crls) + r"[0-3]\.crl", state["crl_url"]), m.group(1)

        def every_shard_verifies():
            for shard in range(SHARDS):
                pem = crl_pem(f"{env.crl_base}/crl/{env.crl_issuer}/{shard}.crl")
                out = run(["openssl", "crl", "-in", pem, "-CAfile", chain, "-noout", "-crlnumber",
                           "-text"])
                assert "verify OK" in (out.stdout + out.stderr), out
                # issuing distribution point
                assert f"/crl/{env.crl_issuer}/{shard}.crl" in out.stdout, out.stdout
                assert "Next Update" in out.stdout and "No Revoked Certificates" in out.stdout, out.stdout

        def verify(crl):
            bundle = os.path.join(env.tmp, "trust.pem")
            with open(bundle, "w") as f, open(env.root) as r, open(chain) as c:
                f.write(r.read() + c.read())
            return run(["openssl", "verify", "-crl_check", "-CAfile", bundle, "-CRLfile", crl,
                        state["cert"]], check=False)

        def accepted_then_refused_after_certbot_revoke():
            ok = verify(crl_pem(state["crl_url"]))
            assert ok.returncode == 0 and "OK" in ok.stdout, ok.stdout + ok.stderr
            run(certbot + ["revoke", "--cert-path", state["cert"], "--reason", "keycompromise",
                           "--no-delete-after-revoke"], env=certbot_env)
            serial = run(["openssl", "x509", "-in", state["cert"], "-noout", "-serial"]).stdout
            serial = serial.strip().split("=")[1].upper()

            def listed():
                text = run(["openssl", "crl", "-in", crl_pem(state["crl_url"]), "-noout", "-text"]).stdout
                return serial in text.replace(":", "").upper() and "Key Compromise" in text

            wait_until("the revocation in its CRL", listed, timeout=20, interval=0.25)
            bad = verify(crl_pem(state["crl_url"]))
            assert bad.returncode != 0 and "certificate revoked" in (bad.stdout + bad.stderr), bad

        def served_over_https_too_and_acme_is_not_plain():
            import ssl
            ctx = ssl.create_default_context(cafile=env.root)
            status, headers, der = fetch(f"{env.base}/crl/{env.crl_issuer}/0.crl", ctx)
            assert status == 200 and headers["Content-Type"] == "application/pkix-crl"
            try:
                fetch(f"{env.crl_base}/directory")
                raise AssertionError("the directory answered over plain HTTP")
            except urllib.error.HTTPError as e:
                assert e.code == 404, e.code
                assert b"plain HTTP" in e.read()
            # "acme": what certificates issued before CRLs were named by issuer name, none here.
            for bad in (f"/crl/{env.crl_issuer}/99.crl", "/crl/other/0.crl",
                        f"/crl/{env.crl_issuer}/x.crl", "/crl/acme/0.crl"):
                try:
                    fetch(env.crl_base + bad)
                    raise AssertionError(bad + " answered")
                except urllib.error.HTTPError as e:
                    assert e.code == 404, (bad, e.code)

        def shortlived_has_no_crl_pointer():
            responder = ChallengeResponder(env.http01_port)
            try:
                c = Client(env.directory, env.root)
                c.register()
                _, pem, _ = issue(c, responder, ["short.revocation.test"], profile="shortlived")
            finally:
                responder.close()
            path = os.path.join(env.tmp, "short.pem")
            with open(path, "w") as f:
                f.write(pem)
            text = run(["openssl", "x509", "-in", path, "-noout", "-text"]).stdout
            assert "CRL Distribution Points" not in text, text

        checks.run("certbot's certificate names its CRL shard", issued_names_its_shard)
        checks.run("every shard's CRL verifies (openssl crl -CAfile)", every_shard_verifies)
        checks.run("openssl verify -crl_check: accepted, then refused after certbot revoke",
                   accepted_then_refused_after_certbot_revoke)
        checks.run("CRLs over HTTPS too; ACME not over plain HTTP", served_over_https_too_and_acme_is_not_plain)
        checks.run("a shortlived certificate has no CRL distribution point", shortlived_has_no_crl_pointer)
    return checks.finish()


if __name__ == "__main__":
    raise SystemExit(main())
