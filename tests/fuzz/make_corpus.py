#!/usr/bin/python3
"""Writes the seed corpora of the fuzz targets: tests/fuzz/corpus/<target>/<seed>.

A handful of small valid inputs per target and the edge cases a parser must refuse. Keys
are made afresh, so a second run writes different bytes for the signed seeds. Run it from
anywhere (Debian's python3 with python3-cryptography, and the openssl command); it
rewrites the generated seeds and leaves regression inputs (regress-*) alone.
"""
import base64
import json
import pathlib
import struct
import subprocess
import tempfile

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, padding, rsa
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature
from cryptography.x509.oid import NameOID

CORPUS = pathlib.Path(__file__).resolve().parent / "corpus"


def b64u(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def uint_bytes(n: int, width: int = 0) -> bytes:
    return n.to_bytes(width or max(1, (n.bit_length() + 7) // 8), "big")


def write(target: str, name: str, data) -> None:
    d = CORPUS / target
    d.mkdir(parents=True, exist_ok=True)
    (d / name).write_bytes(data.encode() if isinstance(data, str) else data)


# --- keys and JWKs -------------------------------------------------------------------

def jwk_of(key) -> dict:
    pub = key.public_key()
    if isinstance(key, rsa.RSAPrivateKey):
        n = pub.public_numbers()
        return {"e": b64u(uint_bytes(n.e)), "kty": "RSA", "n": b64u(uint_bytes(n.n))}
    if isinstance(key, ec.EllipticCurvePrivateKey):
        n = pub.public_numbers()
        crv, width = {"secp256r1": ("P-256", 32), "secp384r1": ("P-384", 48),
                      "secp521r1": ("P-521", 66)}[pub.curve.name]
        return {"crv": crv, "kty": "EC", "x": b64u(uint_bytes(n.x, width)),
                "y": b64u(uint_bytes(n.y, width))}
    raw = pub.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return {"crv": "Ed25519", "kty": "OKP", "x": b64u(raw)}


def sign(key, alg: str, data: bytes) -> bytes:
    if alg == "RS256":
        return key.sign(data, padding.PKCS1v15(), hashes.SHA256())
    if alg == "EdDSA":
        return key.sign(data)
    md, width = {"ES256": (hashes.SHA256(), 32), "ES384": (hashes.SHA384(), 48),
                 "ES512": (hashes.SHA512(), 66)}[alg]
    r, s = decode_dss_signature(key.sign(data, ec.ECDSA(md)))
    return uint_bytes(r, width) + uint_bytes(s, width)


KEYS = {
    "RS256": rsa.generate_private_key(65537, 2048),
    "ES256": ec.generate_private_key(ec.SECP256R1()),
    "ES384": ec.generate_private_key(ec.SECP384R1()),
    "ES512": ec.generate_private_key(ec.SECP521R1()),
    "EdDSA": ed25519.Ed25519PrivateKey.generate(),
}
URL = "https://localhost:14000/acme/"


def jws(alg: str, payload: bytes, header: dict) -> tuple[str, bytes, bytes]:
    """The flattened JWS, and its protected header and signature in the clear."""
    protected = json.dumps({"alg": alg, **header}, separators=(",", ":")).encode()
    signing_input = (b64u(protected) + "." + b64u(payload)).encode()
    sig = sign(KEYS[alg], alg, signing_input)
    body = json.dumps({"protected": b64u(protected), "payload": b64u(payload),
                       "signature": b64u(sig)})
    return body, protected, sig


def jws_seeds() -> None:
    new_account = b'{"termsOfServiceAgreed":true,"contact":["mailto:a@example.com"]}'
    for alg in KEYS:
        header = {"jwk": jwk_of(KEYS[alg]), "nonce": "n0nce", "url": URL + "new-account"}
        body, protected, sig = jws(alg, new_account, header)
        # Even first byte: the body as sent; odd: header, payload and signature in the clear.
        write("jws", f"jwk-{alg}", " " + body)
        write("jws", f"clear-jwk-{alg}", b"!" + protected + b"\n" + new_account + b"\n" + sig)
    kid = {"kid": URL + "acct/abc", "nonce": "n0nce", "url": URL + "order/o1"}
    body, protected, sig = jws("ES256", b"", kid)
    write("jws", "kid-post-as-get", " " + body)
    write("jws", "clear-kid-post-as-get", b"!" + protected + b"\n\n" + sig)
    p = b64u(b'{"alg":"none","jwk":{"kty":"EC"}}')
    write("jws", "alg-none", ' {"protected":"%s","payload":"","signature":""}' % p)
    write("jws", "general-serialization",
          ' {"payload":"e30","signatures":[{"protected":"e30","signature":"AA"}]}')
    write("jws", "unprotected-header",
          ' {"protected":"e30","header":{"alg":"ES256"},"payload":"","signature":"AA"}')
    write("jws", "clear-crit", b'!{"alg":"ES256","kid":"k","crit":["b64"],"b64":false}\n{}\nsig')
    write("jws", "clear-jwk-and-kid",
          b'!{"alg":"ES256","kid":"k","jwk":' + json.dumps(jwk_of(KEYS["ES256"])).encode()
          + b"}\n{}\nsig")
    write("jws", "clear-duplicate-alg", b'!{"alg":"ES256","alg":"RS256","kid":"k"}\n{}\nsig')


def json_seeds() -> None:
    seeds = {
        "new-account": '{"termsOfServiceAgreed":true,"contact":["mailto:a@example.com"]}',
        "only-existing": '{"onlyReturnExisting":true}',
        "account-deactivate": '{"status":"deactivated","contact":[]}',
        "new-order": '{"identifiers":[{"type":"dns","value":"a.example.com"},'
                     '{"type":"ip","value":"192.0.2.1"}],'
                     '"notBefore":"2030-01-01T00:00:00Z","notAfter":"2030-01-08T00:00:00.5+01:00"}',
        "new-order-bad-type": '{"identifiers":[{"type":"email","value":"a@example.com"}]}',
        "finalize": '{"csr":"MIIBAA"}',
        "revoke": '{"certificate":"MIIBAA","reason":4}',
        "key-change": '{"account":"https://x/acme/acct/1","oldKey":'
                      + json.dumps(jwk_of(KEYS["ES256"])) + "}",
        "new-order-replaces": '{"identifiers":[{"type":"dns","value":"a.example.com"}],'
                              '"replaces":"aYhba4dGQEHhs3uEe6CuLN4ByNQ.AIdlQyE"}',
        "new-authz": '{"identifier":{"type":"dns","value":"a.example.com"}}',
        "cert-id": "aYhba4dGQEHhs3uEe6CuLN4ByNQ.AIdlQyE",
        "authz-deactivate": '{"status":"deactivated"}',
        "empty-object": "{}",
        "unicode-escapes": '{"a":"\\u00e9\\ud83d\\ude00\\u0000","b":[1.5e3,-0,true,null]}',
        "duplicate": '{"a":1,"a":2}',
        "empty-duplicate": '{"":1,"":2}',
        "deep": "[" * 20 + "]" * 20,
        "trailing": "{} {}",
        "rfc3339": "2024-02-29T23:59:60-00:00",
        "big-numbers": '{"reason":4294967296,"x":1e308,"y":-9223372036854775809}',
    }
    for name, text in seeds.items():
        write("json", name, text)
    write("json", "bad-utf8", b'{"a":"\xc3\x28"}')


def jwk_seeds() -> None:
    for alg, key in KEYS.items():
        write("jwk", alg, json.dumps(jwk_of(key)))
    write("jwk", "private-d", json.dumps({**jwk_of(KEYS["ES256"]), "d": "AAAA"}))
    write("jwk", "secp256k1", json.dumps({**jwk_of(KEYS["ES256"]), "crv": "secp256k1"}))
    write("jwk", "ec-short-x", json.dumps({**jwk_of(KEYS["ES256"]), "x": "AAAA"}))
    write("jwk", "rsa-e-3", json.dumps({**jwk_of(KEYS["RS256"]), "e": "Aw"}))
    write("jwk", "rsa-tiny", '{"kty":"RSA","n":"AQ","e":"AQAB"}')
    write("jwk", "oct", '{"kty":"oct","k":"AAAA"}')


# --- CSRs ------------------------------------------------------------------------------

def csr(key, names, cn=None) -> bytes:
    import ipaddress
    b = x509.CertificateSigningRequestBuilder()
    b = b.subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)] if cn else []))
    sans = [x509.IPAddress(ipaddress.ip_address(n[3:])) if n.startswith("ip:")
            else x509.DNSName(n) for n in names]
    if sans:
        b = b.add_extension(x509.SubjectAlternativeName(sans), critical=False)
    der = b.sign(key, None if isinstance(key, ed25519.Ed25519PrivateKey) else hashes.SHA256())
    return der.public_bytes(serialization.Encoding.DER)


EC_KEYGEN = ["ecparam", "-name", "prime256v1", "-genkey", "-noout"]


def openssl_csr(keygen, *req_args) -> bytes:
    """A CSR the openssl command makes: keys and digests the library here will not use."""
    with tempfile.TemporaryDirectory() as tmp:
        key = pathlib.Path(tmp) / "key.pem"
        subprocess.run(["openssl", keygen[0], "-out", str(key), *keygen[1:]], check=True,
                       capture_output=True)
        return subprocess.run(["openssl", "req", "-new", "-key", str(key), "-subj",
                               "/CN=openssl.example", "-outform", "DER", *req_args],
                              check=True, capture_output=True).stdout


def csr_seeds() -> None:
    seeds = {
        "rsa-cn-sans": csr(KEYS["RS256"], ["a.example.com", "B.example.com"], "a.example.com"),
        "p256-ips": csr(KEYS["ES256"], ["ip:192.0.2.1", "ip:2001:db8::1"], "192.0.2.1"),
        "p384-wildcard": csr(KEYS["ES384"], ["*.example.com", "example.com"]),
        "p521-refused": csr(KEYS["ES512"], ["a.example.com"]),
        "ed25519-refused": csr(KEYS["EdDSA"], ["a.example.com"]),
        "rsa-sha1": openssl_csr(["genrsa", "2048"], "-sha1"),
        "cn-only": csr(KEYS["ES256"], [], "cn.example.com"),
        "no-names": csr(KEYS["ES256"], []),
        "explicit-curve": openssl_csr(EC_KEYGEN + ["-param_enc", "explicit"]),
        "compressed-point": openssl_csr(EC_KEYGEN + ["-conv_form", "compressed"]),
    }
    for name, der in seeds.items():
        write("csr", name, b"\x00" + der)  # as sent
        write("csr", "resign-" + name, b"\x01" + der)  # key replaced, signed again


def identifier_seeds() -> None:
    seeds = {
        "simple": "a.example.com\nip:192.0.2.1",
        "wildcard": "*.example.com\nexample.com\nEXAMPLE.com",
        "idn": "xn--bcher-kva.example\nxn--zz-zzz.example",
        "refused": "localhost\ncom\nco.uk\n*.co.uk\nsecret.example.com\n*.corp.example",
        "ips": "ip:10.1.2.3\nip:2001:db8::1\nip:::ffff:10.0.0.1\nip:2001:0db8::1\nip:1.2.3",
        "bad-syntax": "a..example.com\n-a.example.com\na.example.com.\n*\n*.*.example\n1.2.3.4",
        "long": ".".join(["a" * 63] * 4) + "\n" + "b" * 64 + ".example",
    }
    for name, text in seeds.items():
        write("identifiers", name, text)


# --- DNS -------------------------------------------------------------------------------

def qname(name: str) -> bytes:
    return b"".join(bytes([len(l)]) + l.encode() for l in name.split(".") if l) + b"\0"


def dns_message(name: str, qtype: int, answers, rcode=0) -> bytes:
    """answers: (owner or None for a pointer to the question, type, rdata)."""
    head = struct.pack(">HHHHHH", 0x1234, 0x8180 | rcode, 1, len(answers), 0, 0)
    out = head + qname(name) + struct.pack(">HH", qtype, 1)
    for owner, rtype, rdata in answers:
        out += (b"\xc0\x0c" if owner is None else qname(owner))
        out += struct.pack(">HHIH", rtype, 1, 300, len(rdata)) + rdata
    return out


def txt(*strings: bytes) -> bytes:
    return b"".join(bytes([len(s)]) + s for s in strings)


def caa(flags: int, tag: bytes, value: bytes) -> bytes:
    return bytes([flags, len(tag)]) + tag + value


def dns_seeds() -> None:
    A, AAAA, CNAME, TXT, CAA = 1, 28, 5, 16, 257
    n = "www.example.com"
    seeds = {
        # First byte modulo 4: 0 A, 1 AAAA, 2 TXT, 3 CAA.
        "a": (0, dns_message(n, A, [(None, A, bytes([192, 0, 2, 1])),
                                    (None, A, bytes([192, 0, 2, 2]))])),
        "a-cname-chain": (0, dns_message(n, A, [(None, CNAME, qname("b.example.net")),
                                                ("b.example.net", CNAME, qname("c.example.org")),
                                                ("c.example.org", A, bytes([198, 51, 100, 7]))])),
        "aaaa": (1, dns_message(n, AAAA, [(None, AAAA, bytes(range(16)))])),
        "nxdomain": (1, dns_message(n, AAAA, [], rcode=3)),
        "txt-split": (2, dns_message("_acme-challenge." + n, TXT,
                                     [(None, TXT, txt(b"abc", b"def")), (None, TXT, txt(b""))])),
        "caa": (3, dns_message(n, CAA, [(None, CAA, caa(0, b"issue", b"ca.example; accounturi="
                                                           b"https://ca.example/acme/acct/1")),
                                        (None, CAA, caa(0, b"issuewild", b";")),
                                        (None, CAA, caa(128, b"TBS", b"x")),
                                        (None, CAA, caa(0, b"iodef", b"mailto:a@example.com"))])),
        "caa-methods": (3, dns_message(n, CAA, [(None, CAA, caa(0, b"ISSUE",
                                                                b" signet.test ; validationmethods"
                                                                b"=dns-01,http-01 "))])),
        "pointer-loop": (0, dns_message(n, A, [(None, A, b"\1\2\3\4")])[:-16]
                         + b"\xc0\x1d\x00\x01\x00\x01\x00\x00\x00\x01\x00\x04\x01\x02\x03\x04"),
        "truncated": (2, dns_message(n, TXT, [(None, TXT, txt(b"abcdef"))])[:-3]),
    }
    for name, (kind, msg) in seeds.items():
        write("dns", name, bytes([kind]) + msg)


# --- HTTP ------------------------------------------------------------------------------

def http_seeds() -> None:
    body, _, _ = jws("ES256", b'{"identifiers":[{"type":"dns","value":"a.example.com"}]}',
                     {"kid": URL + "acct/abc", "nonce": "n", "url": URL + "new-order"})
    post = ("POST /acme/new-order HTTP/1.1\r\nHost: localhost:14000\r\n"
            "Content-Type: application/jose+json\r\nContent-Length: %d\r\n\r\n%s" % (len(body), body))
    seeds = {
        # First byte + 1: the size of each read.
        "get-directory": (255, "GET /directory HTTP/1.1\r\nHost: localhost\r\n\r\n"),
        "post-new-order": (255, post),
        "post-bytewise": (0, post),
        "chunked": (6, "POST /acme/order/o1/finalize HTTP/1.1\r\nHost: h\r\n"
                       "Transfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n"),
        "pipelined": (31, "HEAD /acme/new-nonce HTTP/1.1\r\nHost: h\r\n\r\n"
                          "POST /acme/acct/X1/orders?page=2 HTTP/1.1\r\nHost: h\r\n"
                          "Content-Length: 2\r\n\r\n{}"
                          "GET /acme/chall/a1/b_2 HTTP/1.0\r\n\r\n"),
        "too-large": (255, "POST /acme/new-account HTTP/1.1\r\nHost: h\r\n"
                           "Content-Length: 99999999\r\n\r\n"),
        "odd-targets": (255, "GET /acme/acct/ HTTP/1.1\r\n\r\nGET /acme/acct/a%2f HTTP/1.1\r\n\r\n"
                             "GET * HTTP/1.1\r\n\r\nGET http://h/directory HTTP/1.1\r\n\r\n"),
    }
    for name, (step, text) in seeds.items():
        write("http", name, bytes([step]) + text.encode())


if __name__ == "__main__":
    jws_seeds()
    json_seeds()
    jwk_seeds()
    csr_seeds()
    identifier_seeds()
    dns_seeds()
    http_seeds()
