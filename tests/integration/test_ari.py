"""Renewal information (RFC 9773) and pre-authorization (RFC 8555 §7.4.1) against a
real Signet: the suggested window of a fresh, a revoked and an early-renewed
certificate (`signet cert renew-early` on the running server's data directory),
"replaces" accepted once, malformed and unknown certIDs; newAuthz validated ahead
of an order, and a wildcard refused."""
import base64
import datetime
import json
import re

from acme_raw import Client, b64
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from harness import Checks, Env, main_args, run, wait_until
from test_protocol import ChallengeResponder, ident, issue, problem


def cert_id(pem):
    """RFC 9773 §4.1: base64url(AKI keyIdentifier) "." base64url(serial DER content)."""
    cert = x509.load_pem_x509_certificate(pem.encode())
    aki = cert.extensions.get_extension_for_class(x509.AuthorityKeyIdentifier).value.key_identifier
    n = cert.serial_number
    serial = n.to_bytes(n.bit_length() // 8 + 1, "big")  # one more octet when the top bit is set
    return b64(aki) + "." + b64(serial), format(n, "x").rjust(32, "0")


def when(s):
    return datetime.datetime.fromisoformat(s.replace("Z", "+00:00"))


def now():
    return datetime.datetime.now(datetime.timezone.utc)


def main():
    args = main_args()
    checks = Checks()
    with Env(args.signet) as env:
        responder = ChallengeResponder(env.http01_port)
        c = Client(env.directory, env.root)
        c.register()
        info_url = c.dir.get("renewalInfo")

        def renewal_info(cid):
            r = c.s.get(f"{info_url}/{cid}")
            assert r.status_code == 200, r.text
            retry = int(r.headers["Retry-After"])
            assert 6 * 3600 <= retry < 7 * 3600, retry
            w = r.json()["suggestedWindow"]
            return when(w["start"]), when(w["end"])

        def signet_cert(*cmd):
            return run([args.signet, "cert", *cmd, "--data-dir", env.data_dir])

        def directory_lists_the_resources():
            assert info_url == env.base + "/acme/renewal-info", c.dir
            assert c.dir.get("newAuthz") == env.base + "/acme/new-authz", c.dir

        def fresh_window():
            _, pem, _ = issue(c, responder, ["fresh.ari.test"])
            cid, _ = cert_id(pem)
            cert = x509.load_pem_x509_certificate(pem.encode())
            nb, na = cert.not_valid_before.replace(tzinfo=datetime.timezone.utc), \
                cert.not_valid_after.replace(tzinfo=datetime.timezone.utc)
            start, end = renewal_info(cid)
            life = na - nb
            assert na - life / 3 - datetime.timedelta(seconds=2) <= start <= na - life / 3 + \
                datetime.timedelta(seconds=2), (start, nb, na)
            assert start < end < na
            # Unauthenticated HEAD answers too, without a body.
            h = c.s.head(f"{info_url}/{cid}")
            assert h.status_code == 200 and h.headers.get("Retry-After") and not h.content, h

        def revoked_window():
            _, pem, _ = issue(c, responder, ["revoked.ari.test"])
            cid, _ = cert_id(pem)
            assert renewal_info(cid)[0] > now()
            der = x509.load_pem_x509_certificate(pem.encode()).public_bytes(serialization.Encoding.DER)
            r = c.post(c.dir["revokeCert"], {"certificate": b64(der), "reason": 4})
            assert r.status_code == 200, r.text
            start, end = renewal_info(cid)
            assert start < end <= now(), (start, end)

        def renew_early_by_serial():
            _, pem, _ = issue(c, responder, ["early.ari.test"])
            cid, serial = cert_id(pem)
            assert renewal_info(cid)[0] > now()
            out = signet_cert("renew-early", "--serial", serial).stdout
            assert serial in out and "early.ari.test" in out, out
            start, end = renewal_info(cid)
            assert end <= now(), (start, end)
            again = json.loads(signet_cert("renew-early", "--serial", serial, "--json").stdout)
            assert again[0]["serial"] == serial and again[0]["certID"] == cid, again
            assert again[0]["newlyMarked"] is False, again

        def renew_early_by_name_and_account():
            _, pem1, _ = issue(c, responder, ["named.ari.test"])
            _, pem2, _ = issue(c, responder, ["other.ari.test"])
            cid1, serial1 = cert_id(pem1)
            cid2, _ = cert_id(pem2)
            marked = json.loads(signet_cert("renew-early", "--name", "named.ari.test", "--json").stdout)
            assert [m["serial"] for m in marked] == [serial1], marked
            assert renewal_info(cid1)[1] <= now()
            assert renewal_info(cid2)[0] > now()
            account = c.kid.rsplit("/", 1)[1]
            out = signet_cert("renew-early", "--account", account).stdout
            assert "other.ari.test" in out, out
            assert renewal_info(cid2)[1] <= now()
            none = signet_cert("renew-early", "--name", "nothing.ari.test").stdout
            assert "nothing marked" in none, none
            bad = run([args.signet, "cert", "renew-early", "--data-dir", env.data_dir, "--serial", "ab:cd"],
                      check=False)
            assert bad.returncode != 0 and "hexadecimal" in bad.stderr, bad.stderr

        def replaces_once():
            _, pem, _ = issue(c, responder, ["replace.ari.test", "www.replace.ari.test"])
            cid, _ = cert_id(pem)
            order = {"identifiers": [ident("replace.ari.test")], "replaces": cid}
            r = c.post(c.dir["newOrder"], order)
            assert r.status_code == 201, r.text
            assert r.json()["replaces"] == cid, r.json()
            assert c.post(r.headers["Location"], None).json()["replaces"] == cid
            problem(c.post(c.dir["newOrder"], order), 409, "alreadyReplaced")
            # Not ours, not a certID, nothing in common.
            problem(c.post(c.dir["newOrder"], {"identifiers": [ident("replace.ari.test")],
                                               "replaces": cid.split(".")[0] + ".AQ"}), 400, "malformed")
            problem(c.post(c.dir["newOrder"], {"identifiers": [ident("replace.ari.test")],
                                               "replaces": "nodot"}), 400, "malformed")
            problem(c.post(c.dir["newOrder"], {"identifiers": [ident("elsewhere.ari.test")],
                                               "replaces": cid}), 400, "malformed")
            # Another account may not replace it.
            d = Client(env.directory, env.root)
            d.register()
            problem(d.post(d.dir["newOrder"], order), 403, "unauthorized")

        def malformed_and_unknown():
            _, pem, _ = issue(c, responder, ["known.ari.test"])
            cid, _ = cert_id(pem)
            aki = cid.split(".")[0]
            for bad in ["nodot", "a.b.c", aki + "=.AQ", aki + ".AQ==", "." + cid.split(".")[1], aki + ".",
                        aki + ".AAE"]:
                r = c.s.get(f"{info_url}/{bad}")
                problem(r, 400, "malformed")
            problem(c.s.get(f"{info_url}/{aki}.AQ"), 404, "malformed")
            problem(c.s.get(f"{info_url}/aYhba4dGQEHhs3uEe6CuLN4ByNQ.{cid.split('.')[1]}"), 404, "malformed")
            # GET only: a POST is refused with the methods it takes.
            r = c.post(f"{info_url}/{cid}", None)
            assert r.status_code == 405 and "GET" in r.headers.get("Allow", ""), r.text

        def pre_authorization():
            r = c.post(c.dir["newAuthz"], {"identifier": ident("pre.ari.test")})
            assert r.status_code == 201, r.text
            authz_url, authz = r.headers["Location"], r.json()
            assert authz["status"] == "pending" and authz["identifier"] == ident("pre.ari.test"), authz
            ch = next(x for x in authz["challenges"] if x["type"] == "http-01")
            responder.tokens[ch["token"]] = f"{ch['token']}.{c.key.thumbprint()}"
            assert c.post(ch["url"], {}).status_code == 200
            wait_until("pre-authorization valid", lambda: c.post(authz_url, None).json()["status"] == "valid")
            r = c.post(c.dir["newOrder"], {"identifiers": [ident("pre.ari.test")]})
            assert r.status_code == 201, r.text
            order = r.json()
            assert order["status"] == "ready", order
            assert order["authorizations"] == [authz_url], order

        def pre_authorization_refusals():
            doc = problem(c.post(c.dir["newAuthz"], {"identifier": ident("*.wild.ari.test")}), 400, "malformed")
            assert "7.4.1" in doc["detail"], doc
            problem(c.post(c.dir["newAuthz"], {"identifier": {"type": "email", "value": "a@b.test"}}), 400,
                    "unsupportedIdentifier")
            problem(c.post(c.dir["newAuthz"], {}), 400, "malformed")

        checks.run("directory lists renewalInfo and newAuthz", directory_lists_the_resources)
        checks.run("a fresh certificate's window is in its last third", fresh_window)
        checks.run("a revoked certificate's window is in the past", revoked_window)
        checks.run("signet cert renew-early --serial on the running server", renew_early_by_serial)
        checks.run("signet cert renew-early --name and --account", renew_early_by_name_and_account)
        checks.run("replaces accepted once, then alreadyReplaced", replaces_once)
        checks.run("malformed certIDs 400, unknown 404", malformed_and_unknown)
        checks.run("newAuthz validated, then a ready order without a new challenge", pre_authorization)
        checks.run("newAuthz refuses a wildcard", pre_authorization_refusals)
        responder.close()
    checks.finish()


if __name__ == "__main__":
    main()
