"""A deliberately small ACME client that can also send wrong requests on purpose."""
import base64
import hashlib
import json

import requests
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa, padding
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature
from cryptography.x509.oid import NameOID


def b64(data):
    if isinstance(data, str):
        data = data.encode()
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


class Key:
    def __init__(self, kind="p256"):
        """kind: "p256", "rsa" (2048 bits) or "rsa<bits>"."""
        self.kind = "rsa" if kind.startswith("rsa") else kind
        bits = int(kind[3:] or 2048) if kind.startswith("rsa") else 0
        self.priv = rsa.generate_private_key(65537, bits) if bits else ec.generate_private_key(ec.SECP256R1())

    @property
    def alg(self):
        return "RS256" if self.kind == "rsa" else "ES256"

    def jwk(self):
        pub = self.priv.public_key().public_numbers()
        if self.kind == "rsa":
            n = pub.n.to_bytes((pub.n.bit_length() + 7) // 8, "big")
            return {"e": b64(pub.e.to_bytes(3, "big")), "kty": "RSA", "n": b64(n)}
        return {"crv": "P-256", "kty": "EC", "x": b64(pub.x.to_bytes(32, "big")), "y": b64(pub.y.to_bytes(32, "big"))}

    def thumbprint(self):
        return b64(hashlib.sha256(json.dumps(self.jwk(), sort_keys=True, separators=(",", ":")).encode()).digest())

    def sign(self, data):
        if self.kind == "rsa":
            return self.priv.sign(data, padding.PKCS1v15(), hashes.SHA256())
        r, s = decode_dss_signature(self.priv.sign(data, ec.ECDSA(hashes.SHA256())))
        return r.to_bytes(32, "big") + s.to_bytes(32, "big")


def jws(key, url, payload, nonce=None, kid=None, extra_header=None, alg=None):
    header = {"alg": alg or key.alg, "url": url}
    if nonce is not None:
        header["nonce"] = nonce
    if kid:
        header["kid"] = kid
    else:
        header["jwk"] = key.jwk()
    header.update(extra_header or {})
    protected = b64(json.dumps(header))
    body = "" if payload is None else b64(json.dumps(payload) if not isinstance(payload, (bytes, str)) else payload)
    sig = key.sign(f"{protected}.{body}".encode())
    return {"protected": protected, "payload": body, "signature": b64(sig)}


def csr_der(key_priv, names, digest=None):
    import ipaddress

    def san(n):
        try:
            return x509.IPAddress(ipaddress.ip_address(n))
        except ValueError:
            return x509.DNSName(n)

    sans = [san(n) for n in names]
    b = x509.CertificateSigningRequestBuilder().subject_name(x509.Name([]))
    b = b.add_extension(x509.SubjectAlternativeName(sans), critical=False)
    return b.sign(key_priv, digest or hashes.SHA256()).public_bytes(serialization.Encoding.DER)


class Client:
    def __init__(self, directory, root, key=None):
        self.s = requests.Session()
        self.s.trust_env = False  # a CA bundle from the environment would override verify
        self.s.verify = root
        self.dir = self.s.get(directory).json()
        self.key = key or Key()
        self.kid = None
        self.nonce = None

    def new_nonce(self):
        r = self.s.head(self.dir["newNonce"])
        return r.headers["Replay-Nonce"]

    def post(self, url, payload, key=None, kid=None, use_jwk=False, nonce=None, raw=None, headers=None):
        key = key or self.key
        if nonce is None:
            nonce = self.nonce or self.new_nonce()
        self.nonce = None
        body = raw if raw is not None else json.dumps(
            jws(key, url, payload, nonce, None if use_jwk else (kid or self.kid)))
        h = {"Content-Type": "application/jose+json"}
        h.update(headers or {})
        r = self.s.post(url, data=body, headers=h)
        self.nonce = r.headers.get("Replay-Nonce")
        return r

    def register(self, contact=None):
        r = self.post(self.dir["newAccount"], {"termsOfServiceAgreed": True, "contact": contact or []}, use_jwk=True)
        assert r.status_code in (200, 201), r.text
        self.kid = r.headers["Location"]
        return r
