"""The OCSP responder on a real server, asked as relying parties ask: a certificate names
the responder and the issuer's certificate in its authority information access;
`openssl ocsp` (POST) says good, verifying the delegated responder's signature against
the root, then revoked with the reason once the certificate is revoked through ACME; the
GET form answers the same; a certificate of another CA is unknown; a request that is no
OCSP request is malformedRequest, one hashed with MD5 unauthorized; the caIssuers URL
serves the issuer certificate; a `shortlived` certificate names no responder."""
import base64
import os
import re
import subprocess
import urllib.parse
import urllib.request

from cryptography import x509
from cryptography.hazmat.primitives import serialization

from acme_raw import Client, b64
from harness import Checks, Env, main_args, run
from test_protocol import ChallengeResponder, issue

NAME = "ocsp.revocation.test"

# OCSPResponse with only a responseStatus (RFC 6960 §4.2.1): malformedRequest(1),
# unauthorized(6).
MALFORMED = bytes.fromhex("3003" + "0a0101")
UNAUTHORIZED = bytes.fromhex("3003" + "0a0106")


def post(url, body, content_type="application/ocsp-request"):
    req = urllib.request.Request(url, data=body, headers={"Content-Type": content_type})
    with urllib.request.urlopen(req, timeout=5) as r:
        return r.status, dict(r.headers), r.read()


def get(url):
    with urllib.request.urlopen(url, timeout=5) as r:
        return r.status, dict(r.headers), r.read()


def write(path, data):
    with open(path, "wb" if isinstance(data, bytes) else "w") as f:
        f.write(data)
    return path


def main():
    args = main_args()
    checks = Checks()
    with Env(args.signet) as env:
        print("client: " + run(["openssl", "version"]).stdout.strip())
        responder = ChallengeResponder(env.http01_port)
        c = Client(env.directory, env.root)
        c.register()
        state = {}

        def ocsp(*extra, cert=None, issuer=None, check=True):
            cmd = ["openssl", "ocsp", "-issuer", issuer or state["issuer"],
                   "-cert", cert or state["cert"], "-url", state["ocsp_url"],
                   "-CAfile", env.root] + list(extra)
            out = run(cmd, check=False)
            if check:
                assert out.returncode == 0, out.stdout + out.stderr
            return out.stdout + out.stderr

        def names_responder_and_issuer():
            _, pem, _ = issue(c, responder, [NAME])
            leaf, inter = pem.split("-----END CERTIFICATE-----\n")[:2]
            state["cert"] = write(os.path.join(env.tmp, "leaf.pem"), leaf + "-----END CERTIFICATE-----\n")
            state["issuer"] = write(os.path.join(env.tmp, "issuer.pem"),
                                    inter + "-----END CERTIFICATE-----\n")
            text = run(["openssl", "x509", "-in", state["cert"], "-noout", "-text"]).stdout
            m = re.search(r"OCSP - URI:(\S+)", text)
            assert m, text
            state["ocsp_url"] = m.group(1)
            assert state["ocsp_url"] == env.crl_base + "/ocsp", state["ocsp_url"]
            m = re.search(r"CA Issuers - URI:(\S+)", text)
            assert m, text
            status, headers, der = get(m.group(1))
            assert status == 200 and headers["Content-Type"] == "application/pkix-cert", headers
            issuer = x509.load_pem_x509_certificate(open(state["issuer"], "rb").read())
            assert der == issuer.public_bytes(serialization.Encoding.DER)

        def good_and_signed_by_the_delegated_responder():
            out = ocsp("-resp_text")
            assert f"{state['cert']}: good" in out, out
            assert "Response verify OK" in out, out
            assert "OCSP Signing" in out and "OCSP No Check" in out, out
            assert "Next Update" in out, out
            # Asked again: the same answer, from the cache (same thisUpdate).
            again = ocsp("-resp_text")
            this_update = re.findall(r"This Update: (.*)", out)
            assert this_update and this_update == re.findall(r"This Update: (.*)", again), again

        def get_form_answers_too():
            reqfile = os.path.join(env.tmp, "req.der")
            run(["openssl", "ocsp", "-issuer", state["issuer"], "-cert", state["cert"],
                 "-reqout", reqfile, "-no_nonce"])
            encoded = base64.b64encode(open(reqfile, "rb").read()).decode()
            respfile = os.path.join(env.tmp, "resp.der")
            for path in (urllib.parse.quote(encoded, safe=""), encoded):
                status, headers, der = get(state["ocsp_url"] + "/" + path)
                assert status == 200 and headers["Content-Type"] == "application/ocsp-response", headers
                assert "max-age" in headers["Cache-Control"] and "Last-Modified" in headers, headers
                assert "Replay-Nonce" not in headers, headers
                write(respfile, der)
                out = run(["openssl", "ocsp", "-respin", respfile, "-issuer", state["issuer"],
                           "-cert", state["cert"], "-CAfile", env.root]).stdout
                assert "good" in out, out

        def revoked_with_reason_after_acme_revocation():
            der = x509.load_pem_x509_certificate(open(state["cert"], "rb").read()).public_bytes(
                serialization.Encoding.DER)
            r = c.post(c.dir["revokeCert"], {"certificate": b64(der), "reason": 1})
            assert r.status_code == 200, r.text
            # At once: the cached "good" is gone with the revocation.
            out = ocsp()
            assert f"{state['cert']}: revoked" in out, out
            assert "Reason: keyCompromise" in out and "Revocation Time" in out, out
            assert "Response verify OK" in out, out

        def another_cas_certificate_is_unknown():
            key = os.path.join(env.tmp, "other.key")
            other_ca = os.path.join(env.tmp, "other-ca.pem")
            run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256",
                 "-nodes", "-keyout", key, "-out", other_ca, "-subj", "/CN=Another CA", "-days", "2"])
            leaf_key = os.path.join(env.tmp, "other-leaf.key")
            csr = os.path.join(env.tmp, "other-leaf.csr")
            other_leaf = os.path.join(env.tmp, "other-leaf.pem")
            run(["openssl", "req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256",
                 "-nodes", "-keyout", leaf_key, "-out", csr, "-subj", "/CN=other.test"])
            run(["openssl", "x509", "-req", "-in", csr, "-CA", other_ca, "-CAkey", key,
                 "-out", other_leaf, "-days", "1"])
            # The answer is signed by Signet's responder, which speaks for Signet's issuer
            # only: openssl prints the status and that the response does not verify for
            # the other CA.
            out = ocsp(cert=other_leaf, issuer=other_ca, check=False)
            assert f"{other_leaf}: unknown" in out, out

        def malformed_and_unauthorized():
            status, headers, der = post(state["ocsp_url"], b"not an OCSP request")
            assert status == 200 and der == MALFORMED, "garbage: " + der.hex()
            assert headers["Content-Type"] == "application/ocsp-response", headers
            status, _, der = post(state["ocsp_url"], b"\x30\x00", content_type="text/plain")
            assert der == MALFORMED, "text/plain or GET: " + der.hex()
            status, _, der = get(state["ocsp_url"] + "/%%%")
            assert der == MALFORMED, "text/plain or GET: " + der.hex()
            reqfile = os.path.join(env.tmp, "md5.der")
            run(["openssl", "ocsp", "-issuer", state["issuer"], "-md5", "-cert", state["cert"],
                 "-reqout", reqfile])
            status, _, der = post(state["ocsp_url"], open(reqfile, "rb").read())
            assert der == UNAUTHORIZED, "MD5: " + der.hex()

        def shortlived_names_no_responder():
            _, pem, _ = issue(c, responder, ["short.ocsp.test"], profile="shortlived")
            path = write(os.path.join(env.tmp, "short.pem"), pem)
            text = run(["openssl", "x509", "-in", path, "-noout", "-text"]).stdout
            assert "OCSP - URI" not in text and "CRL Distribution" not in text, text
            assert "CA Issuers - URI" in text, text

        try:
            checks.run("a certificate names the responder and the issuer certificate",
                       names_responder_and_issuer)
            checks.run("openssl ocsp: good, signed by the delegated responder, cached",
                       good_and_signed_by_the_delegated_responder)
            checks.run("GET /ocsp/<base64> answers too, percent-encoded or not", get_form_answers_too)
            checks.run("openssl ocsp: revoked with the reason at once after ACME revocation",
                       revoked_with_reason_after_acme_revocation)
            checks.run("another CA's certificate is unknown", another_cas_certificate_is_unknown)
            checks.run("malformedRequest and unauthorized", malformed_and_unauthorized)
            checks.run("a shortlived certificate names no responder", shortlived_names_no_responder)
        finally:
            responder.close()
    return checks.finish()


if __name__ == "__main__":
    raise SystemExit(main())
