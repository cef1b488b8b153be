"""The policy of a locked-down Signet on a real server: names outside the allowed domains,
under a denied one, under a public suffix or outside the allowed IP ranges; weak and
refused keys; SHA-1 CSRs; rate limits hit and freed; and a SIGHUP that changes the allowed
domains while the server runs."""
import json
import os
import signal
import warnings

from acme_raw import Client, Key, b64, csr_der
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from harness import Checks, Env, main_args, run, wait_until
from test_protocol import ChallengeResponder, ident, issue, problem

POLICY = """
[policy]
allowed_domains = [{allowed}]
denied_domains = ["secret.corp.example.test"]
allowed_ip_ranges = ["127.0.0.0/8"]
[policy.keys]
certificate = ["p256", "p384"]
[rate_limits]
new_orders_per_account = "4/8s"
pending_authorizations_per_account = 6
"""


def config(allowed):
    return POLICY.format(allowed=", ".join(f'"{d}"' for d in allowed))


def main():
    args = main_args()
    checks = Checks()
    with Env(args.signet, config_text=config(["corp.example.test", "lab.example.test"])) as env:
        print("client: " + run(["lego", "--version"]).stdout.strip())
        c = Client(env.directory, env.root)
        c.register()
        responder = None  # started after lego, which serves http-01 on the same port itself

        def refused(names, detail):
            r = c.post(c.dir["newOrder"], {"identifiers": [ident(n) for n in names]})
            doc = problem(r, 400, "rejectedIdentifier")
            assert detail in doc["detail"], doc
            return doc

        def names():
            refused(["www.other.example.test"], "not under an allowed domain")
            refused(["a.secret.corp.example.test"], "under denied domain secret.corp.example.test")
            refused(["*.corp.example.test"], "would cover denied domain secret.corp.example.test")
            refused(["*.co.uk"], "a wildcard directly under the public suffix co.uk")
            refused(["foo.localhost"], "under the reserved name localhost")
            refused(["10.1.2.3"], "outside the allowed")
            r = c.post(c.dir["newOrder"], {"identifiers": [ident("xn--a.corp.example.test")]})
            assert r.status_code == 400 and "A-label" in r.json()["detail"], r.text
            # One subproblem per refused identifier, each naming its rule.
            r = c.post(c.dir["newOrder"], {"identifiers": [ident(n) for n in
                                                            ["ok.corp.example.test", "x.other.example.test",
                                                             "a.secret.corp.example.test"]]})
            doc = problem(r, 400, "rejectedIdentifier")
            subs = {s["identifier"]["value"]: s["detail"] for s in doc["subproblems"]}
            assert set(subs) == {"x.other.example.test", "a.secret.corp.example.test"}, doc
            assert "not under an allowed domain" in subs["x.other.example.test"], doc
            # Allowed names and addresses are issued.
            issue(c, responder, ["app.corp.example.test", "127.0.0.1"])

        def keys():
            weak = Client(env.directory, env.root, Key("rsa1024"))
            doc = problem(weak.post(weak.dir["newAccount"], {"termsOfServiceAgreed": True}, use_jwk=True),
                          400, "badPublicKey")
            assert "1024" in doc["detail"], doc
            # The key is judged before its signature: a garbage signature still gets badPublicKey.
            header = {"alg": "RS256", "url": weak.dir["newAccount"], "nonce": weak.new_nonce(),
                      "jwk": weak.key.jwk()}
            body = {"protected": b64(json.dumps(header)), "payload": b64(json.dumps({})),
                    "signature": b64(b"\x01" * 128)}
            problem(weak.post(weak.dir["newAccount"], None, raw=json.dumps(body)), 400, "badPublicKey")
            # alg "none": badSignatureAlgorithm with the algorithms Signet accepts.
            header = {"alg": "none", "url": c.dir["newAccount"], "nonce": c.new_nonce(), "jwk": Key().jwk()}
            body = {"protected": b64(json.dumps(header)), "payload": b64(json.dumps({})), "signature": ""}
            doc = problem(c.post(c.dir["newAccount"], None, raw=json.dumps(body)), 400, "badSignatureAlgorithm")
            assert "ES256" in doc.get("algorithms", []), doc
            # A SHA-1 CSR, and an RSA certificate key where only EC keys are allowed.
            r = c.post(c.dir["newOrder"], {"identifiers": [ident("csr.corp.example.test")]})
            order = r.json()
            for az in order["authorizations"]:
                a = c.post(az, None).json()
                ch = next(x for x in a["challenges"] if x["type"] == "http-01")
                responder.tokens[ch["token"]] = f"{ch['token']}.{c.key.thumbprint()}"
                c.post(ch["url"], {})
                wait_until("authorization valid", lambda: c.post(az, None).json()["status"] == "valid")
            k = ec.generate_private_key(ec.SECP256R1())
            with warnings.catch_warnings():  # SHA-1 is what this check is about
                warnings.simplefilter("ignore")
                sha1_csr = csr_der(k, ["csr.corp.example.test"], hashes.SHA1())
            doc = problem(c.post(order["finalize"], {"csr": b64(sha1_csr)}), 400, "badCSR")
            assert "SHA-1" in doc["detail"] or "sha1" in doc["detail"].lower(), doc

        def lego_key_type():
            path = os.path.join(env.tmp, "lego")
            lego_env = dict(os.environ, LEGO_CA_CERTIFICATES=env.root)

            def lego(key_type, domain):
                return run(["lego", "--server", env.directory, "--email", "ops@corp.example.test",
                            "--accept-tos", "--path", path, "--key-type", key_type, "--http",
                            "--http.port", f":{env.http01_port}", "--domains", domain, "run"],
                           lego_env, check=False)

            r = lego("rsa2048", "rsa.lab.example.test")
            out = r.stdout + r.stderr
            assert r.returncode != 0 and "badCSR" in out and "accepted: p256, p384" in out, out
            r = lego("ec256", "ec.lab.example.test")
            assert r.returncode == 0, r.stdout + r.stderr

        def rate_limit():
            d = Client(env.directory, env.root)
            d.register()
            for i in range(4):
                r = d.post(d.dir["newOrder"], {"identifiers": [ident(f"rl{i}.corp.example.test")]})
                assert r.status_code == 201, r.text
            r = d.post(d.dir["newOrder"], {"identifiers": [ident("rl9.corp.example.test")]})
            doc = problem(r, 429, "rateLimited")
            assert "new_orders_per_account (4/8s)" in doc["detail"], doc
            assert int(r.headers["Retry-After"]) >= 1, r.headers
            # Freed after the emission interval (8 s / 4): polled, not slept.
            wait_until("the order limit to free", lambda: d.post(
                d.dir["newOrder"], {"identifiers": [ident("rl9.corp.example.test")]}).status_code == 201,
                timeout=20, interval=0.25)
            # Pending authorizations: 5 of 6 are held; an order for two more is refused.
            r = d.post(d.dir["newOrder"], {"identifiers": [ident("rl10.corp.example.test"),
                                                            ident("rl11.corp.example.test")]})
            doc = problem(r, 429, "rateLimited")
            assert "pending_authorizations_per_account (6)" in doc["detail"], doc

        def sighup():
            path = os.path.join(env.tmp, "signet.toml")
            # An invalid file changes nothing.
            with open(path, "w") as f:
                f.write(config(["corp.example.test"]) + "\n[rate_limits]\n")
            env.server.send_signal(signal.SIGHUP)
            wait_until("the reload to be refused", lambda: "configuration not reloaded" in env.log())
            refused(["www.new.example.test"], "not under an allowed domain")
            with open(path, "w") as f:
                f.write(config(["corp.example.test", "new.example.test"]))
            env.server.send_signal(signal.SIGHUP)
            wait_until("the reload", lambda: "configuration reloaded" in env.log())
            e = Client(env.directory, env.root)
            e.register()
            issue(e, responder, ["www.new.example.test"])
            refused(["x.lab.example.test"], "not under an allowed domain")

        checks.run("lego --key-type rsa2048 is refused where only EC keys are allowed", lego_key_type)
        responder = ChallengeResponder(env.http01_port)
        checks.run("names outside the policy are refused, each with its rule", names)
        checks.run("weak and refused keys, alg none and SHA-1 CSRs are refused", keys)
        checks.run("rate limits are hit and freed", rate_limit)
        checks.run("SIGHUP changes the allowed domains while the server runs", sighup)
    checks.finish()


if __name__ == "__main__":
    main()
