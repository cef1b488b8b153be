"""Raw ACME requests against a real Signet: every resource's happy path and the
problems bad input must get (RFC 8555 §6-7)."""
import json
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

from acme_raw import Client, Key, b64, csr_der, jws
from harness import Checks, Env, main_args, wait_until
from cryptography.hazmat.primitives.asymmetric import ec

ERR = "urn:ietf:params:acme:error:"


def problem(r, status, typ):
    assert r.status_code == status, f"expected {status}, got {r.status_code}: {r.text}"
    assert r.headers.get("Content-Type", "").startswith("application/problem+json"), r.headers
    doc = r.json()
    assert doc["type"] == ERR + typ, doc
    assert doc.get("detail"), doc
    assert r.headers.get("Replay-Nonce"), "problem without a fresh nonce"
    return doc


class ChallengeResponder:
    """Serves http-01 key authorizations on the validation port."""

    def __init__(self, port):
        self.tokens = {}
        tokens = self.tokens

        class H(BaseHTTPRequestHandler):
            def do_GET(self):
                tok = self.path.rsplit("/", 1)[-1]
                body = tokens.get(tok, "").encode()
                self.send_response(200 if body else 404)
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


def ident(n):
    return {"type": "ip" if n[0].isdigit() or ":" in n else "dns", "value": n}


def issue(c, responder, names, profile=None, cert_key=None):
    """A full order on client c (under `profile` if given); returns (order_url,
    certificate PEM, cert key)."""
    payload = {"identifiers": [ident(n) for n in names]}
    if profile:
        payload["profile"] = profile
    r = c.post(c.dir["newOrder"], payload)
    assert r.status_code == 201, r.text
    order_url, order = r.headers["Location"], r.json()
    for az in order["authorizations"]:
        a = c.post(az, None).json()
        if a["status"] == "valid":
            continue
        ch = next(x for x in a["challenges"] if x["type"] == "http-01")
        responder.tokens[ch["token"]] = f"{ch['token']}.{c.key.thumbprint()}"
        r = c.post(ch["url"], {})
        assert r.status_code == 200 and 'rel="up"' in r.headers.get("Link", ""), r.text
        # POST-as-GET of the challenge shows it as it is now.
        seen = c.post(ch["url"], None)
        assert seen.status_code == 200 and seen.json()["token"] == ch["token"], seen.text
        wait_until("authorization valid", lambda: c.post(az, None).json()["status"] == "valid", timeout=30)
    cert_key = cert_key or ec.generate_private_key(ec.SECP256R1())
    r = c.post(order["finalize"], {"csr": b64(csr_der(cert_key, names))})
    assert r.status_code == 200, r.text
    wait_until("order valid", lambda: c.post(order_url, None).json()["status"] == "valid")
    cert_url = c.post(order_url, None).json()["certificate"]
    r = c.post(cert_url, None)
    assert r.headers["Content-Type"] == "application/pem-certificate-chain", r.headers
    assert r.text.count("BEGIN CERTIFICATE") == 2
    return order_url, r.text, cert_key


def main():
    args = main_args()
    checks = Checks()
    # No connection cap or short idle timeout here: kept-alive connections of earlier checks
    # would then decide whether a later one is refused. Deadlines and caps are checked on a
    # server of their own (test_connections.py).
    config = "[orders]\npage_size = 2\n[limits]\nmax_body_bytes = 4096\nmax_header_bytes = 2048\n"
    with Env(args.signet, config_text=config) as env:
        responder = ChallengeResponder(env.http01_port)
        c = Client(env.directory, env.root)

        def directory_and_nonce():
            d = c.s.get(env.directory)
            assert d.status_code == 200 and "index" in d.headers["Link"]
            assert set(c.dir) >= {"newNonce", "newAccount", "newOrder", "revokeCert", "keyChange", "meta"}
            h = c.s.head(c.dir["newNonce"])
            g = c.s.get(c.dir["newNonce"])
            assert h.status_code == 200 and g.status_code == 204, (h.status_code, g.status_code)
            assert h.headers["Cache-Control"] == "no-store" and h.headers["Replay-Nonce"]
            assert h.headers["Replay-Nonce"] != g.headers["Replay-Nonce"]
            problem(c.s.get(c.dir["newOrder"]), 405, "malformed")
            problem(c.s.get(env.base + "/acme/nothing"), 404, "malformed")

        def new_account():
            r = c.register(["mailto:ops@example.test"])
            assert r.status_code == 201 and r.json()["status"] == "valid", r.text
            again = c.post(c.dir["newAccount"], {"termsOfServiceAgreed": True}, use_jwk=True)
            assert again.status_code == 200 and again.headers["Location"] == c.kid
            stranger = Client(env.directory, env.root)
            problem(stranger.post(stranger.dir["newAccount"], {"onlyReturnExisting": True}, use_jwk=True),
                    400, "accountDoesNotExist")
            problem(stranger.post(stranger.dir["newAccount"], {"contact": ["tel:+1555"]}, use_jwk=True),
                    400, "unsupportedContact")
            problem(stranger.post(stranger.dir["newAccount"], {"contact": ["mailto:nobody"]}, use_jwk=True),
                    400, "invalidContact")
            problem(stranger.post(stranger.dir["newAccount"], {"onlyReturnExisting": True}, kid=c.kid),
                    400, "malformed")

        def bad_jws():
            url = c.dir["newOrder"]
            payload = {"identifiers": [{"type": "dns", "value": "x.example.test"}]}
            # Replayed nonce: badNonce, with a fresh nonce to retry with.
            n = c.new_nonce()
            assert c.post(url, payload, nonce=n).status_code == 201
            doc = problem(c.post(url, payload, nonce=n), 400, "badNonce")
            # Unknown nonce, missing nonce.
            problem(c.post(url, payload, nonce="bm9wZQ"), 400, "badNonce")
            problem(c.post(url, None, raw=json.dumps(jws(c.key, url, payload, None, c.kid))), 400, "badNonce")
            # Wrong content type; not JSON; general serialization; url mismatch.
            problem(c.post(url, payload, headers={"Content-Type": "application/json"}), 415, "malformed")
            problem(c.post(url, None, raw="{not json"), 400, "malformed")
            problem(c.post(url, None, raw=json.dumps({"payload": "", "signatures": []})), 400, "malformed")
            problem(c.post(url, None, raw=json.dumps(jws(c.key, c.dir["newAccount"], payload, c.new_nonce(), c.kid))),
                    403, "unauthorized")
            # Duplicate member names in the JWS object.
            good = jws(c.key, url, payload, c.new_nonce(), c.kid)
            dup = '{"protected":"%s","payload":"%s","signature":"%s","payload":"%s"}' % (
                good["protected"], good["payload"], good["signature"], good["payload"])
            problem(c.post(url, None, raw=dup), 400, "malformed")
            # Tampered signature.
            t = jws(c.key, url, payload, c.new_nonce(), c.kid)
            t["payload"] = b64(json.dumps({"identifiers": [{"type": "dns", "value": "evil.example.test"}]}))
            problem(c.post(url, None, raw=json.dumps(t)), 400, "malformed")
            # Unsupported algorithm: the problem lists the accepted ones.
            h = b64(json.dumps({"alg": "HS256", "nonce": c.new_nonce(), "url": url, "kid": c.kid}))
            doc = problem(c.post(url, None, raw=json.dumps({"protected": h, "payload": "", "signature": "AAAA"})),
                          400, "badSignatureAlgorithm")
            assert "ES256" in doc["algorithms"], doc
            # kid that is not ours.
            problem(c.post(url, payload, kid="https://elsewhere.example/acct/1"), 400, "accountDoesNotExist")
            # Oversized body: 413 before it is read.
            problem(c.post(url, None, raw="x" * 10000), 413, "malformed")

        def identifiers():
            r = c.post(c.dir["newOrder"], {"identifiers": [
                {"type": "dns", "value": "ok.example.test"}, {"type": "dns", "value": "bad_name.example.test"},
                {"type": "dns", "value": "localhost"}, {"type": "dns", "value": "a.*.example.test"}]})
            doc = problem(r, 400, "compound")
            subs = {s["identifier"]["value"]: s["type"] for s in doc["subproblems"]}
            assert subs == {"bad_name.example.test": ERR + "malformed", "localhost": ERR + "rejectedIdentifier",
                            "a.*.example.test": ERR + "malformed"}, subs
            problem(c.post(c.dir["newOrder"], {"identifiers": [{"type": "email", "value": "a@b.c"}]}),
                    400, "unsupportedIdentifier")
            problem(c.post(c.dir["newOrder"], {"identifiers": "nope"}), 400, "malformed")
            problem(c.post(c.dir["newOrder"], {"identifiers": [{"type": "dns", "value": "a.example.test"}],
                                               "notAfter": "2999-01-01T00:00:00Z"}), 400, "malformed")
            problem(c.post(c.dir["newOrder"], {"identifiers": [{"type": "dns", "value": "a.example.test"}],
                                               "notAfter": "2150-01-01T00:00:00Z"}), 400, "malformed")

        def issuance_and_finalize_errors():
            r = c.post(c.dir["newOrder"], {"identifiers": [{"type": "dns", "value": "early.example.test"}]})
            order = r.json()
            problem(c.post(order["finalize"], {"csr": b64(csr_der(ec.generate_private_key(ec.SECP256R1()),
                                                                  ["early.example.test"]))}), 403, "orderNotReady")
            order_url, pem, _ = issue(c, responder, ["proto.example.test", "www.proto.example.test"])
            # A CSR for other names is badCSR; the order is not changed by it.
            r = c.post(c.dir["newOrder"], {"identifiers": [{"type": "dns", "value": "proto.example.test"}]})
            o2_url, o2 = r.headers["Location"], r.json()
            assert o2["status"] == "ready", o2  # authorization reused
            problem(c.post(o2["finalize"], {"csr": b64(csr_der(ec.generate_private_key(ec.SECP256R1()),
                                                               ["other.example.test"]))}), 400, "badCSR")
            problem(c.post(o2["finalize"], {"csr": "not-a-csr"}), 400, "badCSR")
            assert c.post(o2_url, None).json()["status"] == "ready"

        def ip_identifier():
            # RFC 8738: an IP identifier, validated by http-01 at the address itself,
            # certified as an IP SAN; dns-01 is never offered for it.
            r = c.post(c.dir["newOrder"], {"identifiers": [{"type": "ip", "value": "127.0.0.1"}]})
            assert r.status_code == 201, r.text
            az = c.post(r.json()["authorizations"][0], None).json()
            assert az["identifier"] == {"type": "ip", "value": "127.0.0.1"}, az
            assert "dns-01" not in {ch["type"] for ch in az["challenges"]}, az
            _, pem, _ = issue(c, responder, ["127.0.0.1"])
            from cryptography import x509
            cert = x509.load_pem_x509_certificate(pem.encode())
            sans = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
            assert [str(a) for a in sans.get_values_for_type(x509.IPAddress)] == ["127.0.0.1"], sans
            problem(c.post(c.dir["newOrder"], {"identifiers": [{"type": "ip", "value": "127.000.0.1"}]}),
                    400, "malformed")

        def orders_list():
            acct = c.post(c.kid, None).json()
            first = c.post(acct["orders"], None)
            assert first.status_code == 200 and len(first.json()["orders"]) == 2, first.text
            nxt = [l for l in first.headers.get("Link", "").split(",") if 'rel="next"' in l]
            assert nxt, first.headers
            page2 = c.post(nxt[0].split("<")[1].split(">")[0], None)
            assert page2.status_code == 200 and page2.json()["orders"], page2.text
            assert not set(page2.json()["orders"]) & set(first.json()["orders"])
            problem(c.post(acct["orders"], {"x": 1}), 400, "malformed")  # POST-as-GET only

        def key_change():
            k = Client(env.directory, env.root, Key("rsa"))
            k.register()
            new_key = Key()
            inner = jws(new_key, k.dir["keyChange"], {"account": k.kid, "oldKey": k.key.jwk()})
            r = k.post(k.dir["keyChange"], inner)
            assert r.status_code == 200, r.text
            # The old key no longer signs for the account (an RS256 JWS for an EC
            # account key); the new one does.
            problem(k.post(k.kid, None), 400, "badSignatureAlgorithm")
            k.key = new_key
            assert k.post(k.kid, None).status_code == 200
            # Rolling to a key another account holds: 409 with that account's URL.
            inner = jws(c.key, k.dir["keyChange"], {"account": k.kid, "oldKey": k.key.jwk()})
            r = k.post(k.dir["keyChange"], inner)
            problem(r, 409, "malformed")
            assert r.headers["Location"] == c.kid
            # Inner JWS with a nonce, and with a wrong oldKey.
            bad = jws(Key(), k.dir["keyChange"], {"account": k.kid, "oldKey": k.key.jwk()}, nonce="abc")
            problem(k.post(k.dir["keyChange"], bad), 400, "malformed")
            bad = jws(Key(), k.dir["keyChange"], {"account": k.kid, "oldKey": Key().jwk()})
            problem(k.post(k.dir["keyChange"], bad), 403, "unauthorized")

        def revocation():
            _, pem, cert_key = issue(c, responder, ["revoke.example.test"])
            from cryptography import x509
            from cryptography.hazmat.primitives import serialization
            der = x509.load_pem_x509_certificate(pem.encode()).public_bytes(serialization.Encoding.DER)
            other = Client(env.directory, env.root)
            other.register()
            problem(other.post(other.dir["revokeCert"], {"certificate": b64(der)}), 403, "unauthorized")
            problem(c.post(c.dir["revokeCert"], {"certificate": b64(der), "reason": 7}), 400, "badRevocationReason")
            # By the certificate's own key (jwk), then again: alreadyRevoked.
            holder = Client(env.directory, env.root)
            holder.key = Key()
            holder.key.priv = cert_key
            r = holder.post(holder.dir["revokeCert"], {"certificate": b64(der), "reason": 1}, use_jwk=True)
            assert r.status_code == 200, r.text
            problem(c.post(c.dir["revokeCert"], {"certificate": b64(der)}), 400, "alreadyRevoked")
            # The certificate key cannot become an account key.
            problem(holder.post(holder.dir["newAccount"], {"termsOfServiceAgreed": True}, use_jwk=True),
                    400, "badPublicKey")

        def deactivation():
            d = Client(env.directory, env.root)
            d.register()
            problem(d.post(d.kid, {"status": "valid"}), 400, "malformed")
            r = d.post(d.kid, {"status": "deactivated"})
            assert r.status_code == 200 and r.json()["status"] == "deactivated", r.text
            # RFC 8555 §7.3.6: 401 for anything from a deactivated account.
            problem(d.post(d.kid, None), 401, "unauthorized")
            problem(d.post(d.dir["newOrder"], {"identifiers": [{"type": "dns", "value": "d.example.test"}]}),
                    401, "unauthorized")
            problem(d.post(d.dir["newAccount"], {"termsOfServiceAgreed": True}, use_jwk=True), 401, "unauthorized")

        def header_limit():
            # A header over the limit is answered with a problem, not a dropped connection.
            r = c.s.get(env.directory, headers={"X-Padding": "x" * 4000})
            problem(r, 400, "malformed")

        def graceful_shutdown():
            assert env.stop_server() == 0, "signet did not exit cleanly on SIGTERM"
            assert "stopped" in env.log()

        checks.run("directory and newNonce", directory_and_nonce)
        checks.run("newAccount, existing key, onlyReturnExisting, contacts", new_account)
        checks.run("replayed nonce and malformed JWS", bad_jws)
        checks.run("identifier checks with subproblems", identifiers)
        checks.run("issuance, orderNotReady and badCSR", issuance_and_finalize_errors)
        checks.run("IP identifier issuance (RFC 8738)", ip_identifier)
        checks.run("orders list paging", orders_list)
        checks.run("keyChange", key_change)
        checks.run("revocation rules", revocation)
        checks.run("account deactivation", deactivation)
        checks.run("header limit", header_limit)
        checks.run("SIGTERM stops cleanly", graceful_shutdown)
        responder.close()
    checks.finish()


if __name__ == "__main__":
    main()
