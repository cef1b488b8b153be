"""Certificate profiles (draft-ietf-acme-profiles) on a real server: the directory lists
the embedded default's three profiles; an order under each gets a certificate whose
validity, extended key usage and key usage match the profile (read back by
`openssl x509 -text`); an unknown profile is `invalidProfile`; lego, which names no
profile, gets the default one; and a reloaded configuration that withdraws a profile
refuses to finalize an order made under it."""
import os
import re
import signal
from datetime import datetime

from acme_raw import Client, b64, csr_der
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from harness import Checks, Env, main_args, run, wait_until
from test_protocol import ChallengeResponder, ident, issue, problem

RELOADED = """
[certificates]
default_profile = "internal"
[profiles.internal]
description = "Internal TLS servers, 30 days"
validity_days = 30
identifier_types = ["dns"]
key_types = ["p256"]
"""


def x509_text(env, pem, name):
    path = os.path.join(env.tmp, name + ".pem")
    with open(path, "w") as f:
        f.write(pem)
    return run(["openssl", "x509", "-in", path, "-noout", "-text"]).stdout


def lifetime_hours(text):
    def when(label):
        m = re.search(label + r"\s*: (.+ GMT)", text)
        return datetime.strptime(m.group(1), "%b %d %H:%M:%S %Y %Z")
    return (when("Not After ") - when("Not Before")).total_seconds() / 3600


def extension(text, name):
    """The line after an extension's heading in `openssl x509 -text`."""
    m = re.search(re.escape(name) + r".*\n\s*(.+)", text)
    return m.group(1).strip() if m else None


def main():
    args = main_args()
    checks = Checks()
    with Env(args.signet) as env:
        responder = ChallengeResponder(env.http01_port)
        c = Client(env.directory, env.root)
        c.register()

        def directory_lists_profiles():
            meta = c.s.get(env.directory).json()["meta"]
            profiles = meta["profiles"]
            assert set(profiles) == {"tlsserver", "shortlived", "tlsclient"}, meta
            assert "90 days" in profiles["tlsserver"], profiles
            assert "160 hours" in profiles["shortlived"] and "without revocation" in profiles["shortlived"], profiles
            assert profiles["tlsclient"].startswith("TLS client"), profiles

        def default_profile():
            order_url, pem, _ = issue(c, responder, ["default.profiles.test"])
            assert c.post(order_url, None).json()["profile"] == "tlsserver"
            text = x509_text(env, pem, "default")
            assert abs(lifetime_hours(text) - 90 * 24) < 0.01, lifetime_hours(text)
            assert extension(text, "X509v3 Extended Key Usage") == "TLS Web Server Authentication", text
            assert extension(text, "X509v3 Key Usage") == "Digital Signature", text
            assert "CN = default.profiles.test" in text, text

        def shortlived():
            order_url, pem, _ = issue(c, responder, ["short.profiles.test"], profile="shortlived")
            assert c.post(order_url, None).json()["profile"] == "shortlived"
            text = x509_text(env, pem, "shortlived")
            assert abs(lifetime_hours(text) - 160) < 0.01, lifetime_hours(text)
            assert extension(text, "X509v3 Extended Key Usage") == "TLS Web Server Authentication", text
            # Longer than the profile allows: refused at newOrder.
            r = c.post(c.dir["newOrder"], {"identifiers": [ident("short.profiles.test")], "profile": "shortlived",
                                           "notAfter": "2099-01-01T00:00:00Z"})
            doc = problem(r, 400, "malformed")
            assert "160 hours of profile shortlived" in doc["detail"], doc

        def tlsclient():
            rsa_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
            _, pem, _ = issue(c, responder, ["device.profiles.test"], profile="tlsclient", cert_key=rsa_key)
            text = x509_text(env, pem, "tlsclient")
            assert extension(text, "X509v3 Extended Key Usage") == "TLS Web Client Authentication", text
            # An RSA key, and still no keyEncipherment: the profile certifies signing only.
            assert extension(text, "X509v3 Key Usage") == "Digital Signature", text
            assert abs(lifetime_hours(text) - 90 * 24) < 0.01, lifetime_hours(text)
            leaf = os.path.join(env.tmp, "tlsclient.pem")
            chain = os.path.join(env.tmp, "tlsclient-chain.pem")
            with open(chain, "w") as f:
                f.write(pem.split("-----END CERTIFICATE-----\n", 1)[1])
            ok = run(["openssl", "verify", "-purpose", "sslclient", "-CAfile", env.root, "-untrusted", chain, leaf])
            assert ok.stdout.strip().endswith("OK"), ok.stdout
            bad = run(["openssl", "verify", "-purpose", "sslserver", "-CAfile", env.root, "-untrusted", chain, leaf],
                      check=False)
            assert bad.returncode != 0, bad.stdout

        def unknown_profile():
            r = c.post(c.dir["newOrder"], {"identifiers": [ident("x.profiles.test")], "profile": "gold"})
            doc = problem(r, 400, "invalidProfile")
            assert "gold" in doc["detail"] and "tlsserver" in doc["detail"], doc
            r = c.post(c.dir["newOrder"], {"identifiers": [ident("x.profiles.test")], "profile": 7})
            problem(r, 400, "malformed")

        def lego_gets_the_default():
            print("client: " + run(["lego", "--version"]).stdout.strip())
            responder.close()
            path = os.path.join(env.tmp, "lego")
            run(["lego", "--accept-tos", "--server", env.directory, "--email", "ops@profiles.test",
                 "--domains", "lego.profiles.test", "--http", "--http.port", f"127.0.0.1:{env.http01_port}",
                 "--path", path, "run"], env={**os.environ, "LEGO_CA_CERTIFICATES": env.root})
            text = run(["openssl", "x509", "-in", os.path.join(path, "certificates", "lego.profiles.test.crt"),
                        "-noout", "-text"]).stdout
            assert extension(text, "X509v3 Extended Key Usage") == "TLS Web Server Authentication", text
            assert abs(lifetime_hours(text) - 90 * 24) < 0.01, lifetime_hours(text)

        checks.run("meta.profiles lists the embedded profiles", directory_lists_profiles)
        checks.run("an order naming no profile gets tlsserver", default_profile)
        checks.run("shortlived: 160 hours, and no longer", shortlived)
        checks.run("tlsclient: clientAuth only, signing only", tlsclient)
        checks.run("an unknown profile is invalidProfile", unknown_profile)
        checks.run("lego (no profile support) gets the default profile", lego_gets_the_default)

    # A configured set replaces the embedded one, and a reload that withdraws a profile
    # leaves orders made under it unfinalizable (invalidProfile), not silently re-profiled.
    with Env(args.signet, config_text="[orders]\npage_size = 50\n") as env:
        responder = ChallengeResponder(env.http01_port)
        c = Client(env.directory, env.root)
        c.register()

        def withdrawn_on_reload():
            r = c.post(c.dir["newOrder"], {"identifiers": [ident("w.profiles.test")], "profile": "shortlived"})
            assert r.status_code == 201, r.text
            order_url, order = r.headers["Location"], r.json()
            az = c.post(order["authorizations"][0], None).json()
            ch = next(x for x in az["challenges"] if x["type"] == "http-01")
            responder.tokens[ch["token"]] = f"{ch['token']}.{c.key.thumbprint()}"
            assert c.post(ch["url"], {}).status_code == 200
            wait_until("order ready", lambda: c.post(order_url, None).json()["status"] == "ready")

            with open(os.path.join(env.tmp, "signet.toml"), "a") as f:
                f.write(RELOADED)
            env.server.send_signal(signal.SIGHUP)
            wait_until("reload", lambda: "configuration reloaded" in env.log())
            meta = c.s.get(env.directory).json()["meta"]
            assert meta["profiles"] == {"internal": "Internal TLS servers, 30 days"}, meta

            key = ec.generate_private_key(ec.SECP256R1())
            r = c.post(order["finalize"], {"csr": b64(csr_der(key, ["w.profiles.test"]))})
            doc = problem(r, 400, "invalidProfile")
            assert "shortlived" in doc["detail"], doc
            assert c.post(order_url, None).json()["status"] == "ready"
            # The new default, with its own rules.
            order_url, pem, _ = issue(c, responder, ["new.profiles.test"])
            assert c.post(order_url, None).json()["profile"] == "internal"
            assert abs(lifetime_hours(x509_text(env, pem, "internal")) - 30 * 24) < 0.01
            r = c.post(c.dir["newOrder"], {"identifiers": [ident("127.0.0.1")]})
            problem(r, 400, "rejectedIdentifier")

        checks.run("a reload that withdraws a profile: invalidProfile at finalize", withdrawn_on_reload)
    return checks.finish()


if __name__ == "__main__":
    raise SystemExit(main())
