"""The pre-issuance lint on a real server, for what the configuration lets through but
no certificate may carry. Configuration validation checks that [server] http_url starts
with http://, but a comma in it adds an entry to the authority information access Signet
writes: here a second caIssuers pointer, an ldap:// URL, in a `shortlived` certificate
(which carries no CRL or OCSP pointer). The lint refuses the certificate
(e_revocation_pointer_not_http), nothing is signed or stored, the order ends invalid with
serverInternal, and the finding is logged."""
import json
import re

from acme_raw import Client, b64, csr_der
from harness import Checks, Env, main_args, run, wait_until
from test_protocol import ChallengeResponder, ident, problem
from cryptography.hazmat.primitives.asymmetric import ec

CONFIG = '[server]\nhttp_url = "http://crl.lint.test,caIssuers;URI:ldap://crl.lint.test"\n'
NAME = "refused.lint.test"


def main():
    args = main_args()
    checks = Checks()
    with Env(args.signet, config_text=CONFIG) as env:
        responder = ChallengeResponder(env.http01_port)
        state = {}

        def config_accepts_it():
            path = f"{env.tmp}/signet.toml"
            out = run([args.signet, "config", "check", "--config", path]).stdout
            assert out.startswith("OK: "), out

        def finalize_is_refused():
            c = Client(env.directory, env.root)
            c.register()
            r = c.post(c.dir["newOrder"], {"identifiers": [ident(NAME)], "profile": "shortlived"})
            assert r.status_code == 201, r.text
            order_url, order = r.headers["Location"], r.json()
            authz = c.post(order["authorizations"][0], None).json()
            ch = next(x for x in authz["challenges"] if x["type"] == "http-01")
            responder.tokens[ch["token"]] = f"{ch['token']}.{c.key.thumbprint()}"
            assert c.post(ch["url"], {}).status_code == 200
            wait_until("authorization valid",
                       lambda: c.post(order["authorizations"][0], None).json()["status"] == "valid")
            key = ec.generate_private_key(ec.SECP256R1())
            r = c.post(order["finalize"], {"csr": b64(csr_der(key, [NAME]))})
            doc = problem(r, 500, "serverInternal")
            assert "lint" not in doc["detail"], doc  # the finding is for the log, not the client
            seen = c.post(order_url, None).json()
            assert seen["status"] == "invalid" and "certificate" not in seen, seen
            assert seen["error"]["type"].endswith(":serverInternal"), seen
            state["order"] = order_url.rsplit("/", 1)[1]

        def nothing_stored_and_the_finding_logged():
            listed = json.loads(run([args.signet, "cert", "list", "--data-dir", env.data_dir, "--json"]).stdout)
            assert listed["certificates"] == [], listed
            orders = json.loads(run([args.signet, "order", "list", "--data-dir", env.data_dir,
                                     "--status", "invalid", "--json"]).stdout)["orders"]
            assert [o["id"] for o in orders] == [state["order"]] and orders[0]["certificate"] is None, orders
            wait_until("the lint finding in the log",
                       lambda: re.search(r"order \S+ failed: certificate refused by the pre-issuance lint:"
                                         r".*\[e_revocation_pointer_not_http\]", env.log()))

        checks.run("signet config check accepts the http_url", config_accepts_it)
        checks.run("finalize: serverInternal, the order invalid", finalize_is_refused)
        checks.run("no certificate stored; the lint finding logged", nothing_stored_and_the_finding_logged)
        responder.close()
    return checks.finish()


if __name__ == "__main__":
    raise SystemExit(main())
