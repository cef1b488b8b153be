"""Bring your own CA, and root rollover with alternate chains (RFC 8555 §7.4.2).

Import: an external root and a name-constrained intermediate made with openssl; a key
that does not match and a chain that does not verify are refused and change nothing;
the imported intermediate is served (certbot's chain verifies against the external root
alone with `openssl verify`), and an order outside its name constraints is refused with
rejectedIdentifier at newOrder.

Rollover: `signet ca rollover --root` on a served directory, a restart, then certbot
with --preferred-chain for each root's CN gets the chain that ends at that root, each
verified by `openssl verify` against that root alone. The certificate certbot got before
the rollover, revoked with `certbot revoke` after the restart, is listed in the CRL its
distribution point names, signed by the previous intermediate, and `openssl ocsp -issuer
<previous intermediate>` says revoked; both verify against the old chain. Another one,
revoked with `signet cert revoke`, is revoked in that intermediate's OCSP answers.
"""
import os
import re
import subprocess
import urllib.parse
import urllib.request

from cryptography import x509
from cryptography.x509.oid import NameOID

from acme_raw import Client
from harness import Checks, Env, main_args, run, wait_until
from test_protocol import ChallengeResponder, issue as raw_issue


def cn_of(name):
    return name.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value


def split_pem(text):
    """Every certificate of a PEM text (Debian's cryptography has no
    load_pem_x509_certificates)."""
    end = "-----END CERTIFICATE-----"
    return [x509.load_pem_x509_certificate((block + end + "\n").encode())
            for block in text.split(end) if "-----BEGIN CERTIFICATE-----" in block]


def pem_certs(path):
    with open(path) as f:
        return split_pem(f.read())


def write(path, text):
    with open(path, "w") as f:
        f.write(text)


def openssl(*args, cwd):
    subprocess.run(["openssl", *args], cwd=cwd, check=True, capture_output=True, text=True)


def make_external_ca(d):
    """root.pem/root.key, intermediate.pem/intermediate.key (permitted DNS:example.test,
    excluded DNS:secret.example.test), other.key (matches nothing)."""
    os.makedirs(d, exist_ok=True)
    for k in ("root", "intermediate", "other"):
        openssl("genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256",
                "-out", f"{k}.key", cwd=d)
    openssl("req", "-x509", "-new", "-key", "root.key", "-subj", "/O=Example/CN=Example External Root",
            "-days", "3650", "-addext", "basicConstraints=critical,CA:TRUE",
            "-addext", "keyUsage=critical,keyCertSign,cRLSign", "-out", "root.pem", cwd=d)
    openssl("req", "-new", "-key", "intermediate.key", "-subj",
            "/O=Example/CN=Example Issuing CA", "-out", "intermediate.csr", cwd=d)
    write(os.path.join(d, "ext.cnf"),
          "basicConstraints=critical,CA:TRUE,pathlen:0\n"
          "keyUsage=critical,keyCertSign,cRLSign,digitalSignature\n"
          "extendedKeyUsage=serverAuth,clientAuth\n"
          "nameConstraints=critical,permitted;DNS:example.test,excluded;DNS:secret.example.test\n"
          "subjectKeyIdentifier=hash\nauthorityKeyIdentifier=keyid:always\n")
    openssl("x509", "-req", "-in", "intermediate.csr", "-CA", "root.pem", "-CAkey", "root.key",
            "-CAcreateserial", "-days", "1825", "-extfile", "ext.cnf", "-out", "intermediate.pem",
            cwd=d)
    # A root that did not sign the intermediate: a chain that does not verify.
    openssl("req", "-x509", "-new", "-key", "other.key", "-subj", "/CN=Unrelated Root",
            "-days", "3650", "-addext", "basicConstraints=critical,CA:TRUE",
            "-addext", "keyUsage=critical,keyCertSign,cRLSign", "-out", "other-root.pem", cwd=d)


class Certbot:
    def __init__(self, env, name):
        self.env = env
        cfg = os.path.join(env.tmp, name)
        self.common = ["--config-dir", f"{cfg}/config", "--work-dir", f"{cfg}/work",
                       "--logs-dir", f"{cfg}/logs", "--server", env.directory, "--non-interactive"]
        self.live = f"{cfg}/config/live"

    def issue(self, cert_name, names, extra=()):
        cmd = ["certbot", "certonly", "--standalone", "--http-01-port", str(self.env.http01_port),
               "--agree-tos", "--email", "ops@example.test", "--cert-name", cert_name,
               *extra] + self.common
        for n in names:
            cmd += ["-d", n]
        run(cmd, {"REQUESTS_CA_BUNDLE": self.env.root})
        return f"{self.live}/{cert_name}"


def verify_alone(root_pem, d):
    """`openssl verify` of d's cert.pem with its chain.pem, trusting root_pem only."""
    out = run(["openssl", "verify", "-CAfile", root_pem, "-untrusted", f"{d}/chain.pem",
               f"{d}/cert.pem"]).stdout
    assert out.strip().endswith("OK"), out


def preferred_chain(certbot, root_name, root_file, cert_name, expect_len):
    """certbot --preferred-chain root_name: a chain of expect_len certificates whose top is
    issued by that root, verified against root_file alone; returns the live directory."""
    live = certbot.issue(cert_name, [f"{cert_name}.example.test"], ["--preferred-chain", root_name])
    chain = pem_certs(f"{live}/chain.pem")
    assert len(chain) == expect_len, [c.subject for c in chain]
    assert cn_of(chain[-1].issuer) == root_name, [c.issuer for c in chain]
    verify_alone(root_file, live)
    return live


def import_checks(signet, checks):
    ext = {}

    def before_serve(env):
        d = os.path.join(env.tmp, "external")
        make_external_ca(d)
        ext["dir"] = d
        base = [signet, "ca", "import", "--data-dir", env.data_dir]
        # Refused, and nothing changes: a key that is not the certificate's (before any
        # file is written), a PKCS#11 key with no module or PIN, a chain that does not
        # lead to the intermediate's issuer.
        bad_key = run(base + ["--cert", f"{d}/intermediate.pem", "--key", f"{d}/other.key",
                              "--chain", f"{d}/root.pem"], check=False)
        assert bad_key.returncode == 1, bad_key
        assert "does not match the certificate" in bad_key.stderr, bad_key.stderr
        assert not os.path.exists(os.path.join(env.data_dir, "root.pem"))
        pkcs11 = run(base + ["--cert", f"{d}/intermediate.pem", "--key", "pkcs11:token=ca;object=issuer",
                             "--chain", f"{d}/root.pem"], check=False)
        # (a key in a token without its module and PIN: refused before anything is read;
        # test_hsm.py imports one)
        assert pkcs11.returncode == 2 and "module" in pkcs11.stderr, pkcs11
        ok = run(base + ["--cert", f"{d}/intermediate.pem", "--key", f"{d}/intermediate.key",
                         "--chain", f"{d}/root.pem"])
        assert "Example Issuing CA" in ok.stdout, ok.stdout
        ext["root_after"] = open(os.path.join(env.data_dir, "root.pem")).read()
        bad_chain = run(base + ["--cert", f"{d}/intermediate.pem", "--key", f"{d}/intermediate.key",
                                "--chain", f"{d}/other-root.pem"], check=False)
        assert bad_chain.returncode == 1, bad_chain
        assert "does not verify" in bad_chain.stderr, bad_chain.stderr
        assert open(os.path.join(env.data_dir, "root.pem")).read() == ext["root_after"]

    with Env(signet, before_serve=before_serve) as env:
        d = ext["dir"]
        certbot = Certbot(env, "certbot-import")

        def files_written():
            data = env.data_dir
            with open(f"{data}/ca/intermediate.pem") as f, open(f"{d}/intermediate.pem") as g:
                assert f.read() == g.read()
            assert os.stat(f"{data}/ca/intermediate-key.pem").st_mode & 0o777 == 0o600
            roots = pem_certs(f"{data}/root.pem")
            assert cn_of(roots[0].subject) == "Example External Root", roots
            # Signet's own root stays after it, for Signet's own TLS.
            assert len(roots) == 2 and cn_of(roots[1].subject).startswith("Signet Root CA ")
            archives = os.listdir(f"{data}/ca/archive")
            assert len(archives) == 1, archives
            kept = os.listdir(f"{data}/ca/archive/{archives[0]}")
            assert "intermediate-key.pem" in kept and "root-key.pem" in kept, kept
            show = run([signet, "ca", "show", "--data-dir", data]).stdout
            assert "Example Issuing CA" in show and "Previous root" in show, show

        def issues_under_import():
            live = certbot.issue("inside", ["www.example.test"])
            chain = pem_certs(f"{live}/chain.pem")
            assert [cn_of(c.subject) for c in chain] == ["Example Issuing CA"], chain
            verify_alone(f"{d}/root.pem", live)

        def outside_constraints_refused():
            client = Client(env.directory, env.root)
            client.register()
            r = client.post(client.dir["newOrder"], {"identifiers": [
                {"type": "dns", "value": "ok.example.test"},
                {"type": "dns", "value": "www.example.org"},
                {"type": "dns", "value": "a.secret.example.test"}]})
            assert r.status_code == 400, r.text
            doc = r.json()
            assert doc["type"] == "urn:ietf:params:acme:error:rejectedIdentifier", doc
            refused = {s["identifier"]["value"]: s for s in doc["subproblems"]}
            assert set(refused) == {"www.example.org", "a.secret.example.test"}, doc
            for s in refused.values():
                assert s["type"] == "urn:ietf:params:acme:error:rejectedIdentifier", s
                assert "name constraints" in s["detail"], s

        checks.run("an import with a wrong key, chain or a PKCS#11 key is refused; the "
                   "import writes the CA's files, archived the old", files_written)
        checks.run("certbot gets the imported intermediate as its chain; it verifies against "
                   "the external root alone", issues_under_import)
        checks.run("an order outside the name constraints is refused with rejectedIdentifier "
                   "per identifier", outside_constraints_refused)


def rollover_checks(signet, checks):
    with Env(signet) as env:
        data = env.data_dir
        certbot = Certbot(env, "certbot-rollover")
        old_root = os.path.join(env.tmp, "old-root.pem")
        new_root = os.path.join(env.tmp, "new-root.pem")
        names = {}

        def roll():
            with open(f"{data}/root.pem") as f:
                write(old_root, f.read())
            names["old"] = cn_of(pem_certs(old_root)[0].subject)
            certbot.issue("before", ["before.example.test"])
            certbot.issue("before-cli", ["before-cli.example.test"])
            env.stop_server()
            out = run([signet, "ca", "rollover", "--root", "--data-dir", data]).stdout
            assert "Cross-signed" in out, out
            roots = pem_certs(f"{data}/root.pem")
            assert len(roots) == 2 and cn_of(roots[1].subject) == names["old"], roots
            names["new"] = cn_of(roots[0].subject)
            assert names["new"] != names["old"]
            from cryptography.hazmat.primitives.serialization import Encoding
            write(new_root, roots[0].public_bytes(Encoding.PEM).decode())
            show = run([signet, "ca", "show", "--data-dir", data]).stdout
            assert "Alternate chain" in show, show
            # The intermediate replaced, whose certificates stay revocable.
            old_intermediate = pem_certs(f"{certbot.live}/before/chain.pem")[0]
            previous = show.split("Previous ACME issuer", 1)
            assert len(previous) == 2 and cn_of(old_intermediate.subject) in previous[1], show
            # The same plain HTTP port after the restart: the URLs certificates name stay.
            http = env.server_args.index("--http-listen")
            env.server_args[http + 1] = f"127.0.0.1:{urllib.parse.urlsplit(env.crl_base).port}"
            env.restart_server()
            certbot.common[certbot.common.index("--server") + 1] = env.directory

        def chain_for(root_name, root_file, cert_name, expect_len):
            preferred_chain(certbot, root_name, root_file, cert_name, expect_len)

        def links():
            client = Client(env.directory, env.root)
            client.register()
            responder = ChallengeResponder(env.http01_port)
            try:
                order_url, default_chain, _ = raw_issue(client, responder, ["raw.example.test"])
            finally:
                responder.close()
            cert_url = client.post(order_url, None).json()["certificate"]

            def alternates(r):
                return re.findall(r'<([^>]+)>;rel="alternate"', r.headers.get("Link", ""))

            r = client.post(cert_url, None)
            assert r.text == default_chain and alternates(r) == [cert_url + "/1"], r.headers
            alt = client.post(cert_url + "/1", None)
            assert alt.status_code == 200, alt.text
            assert alt.headers["Content-Type"] == "application/pem-certificate-chain"
            assert alternates(alt) == [cert_url], alt.headers
            certs = split_pem(alt.text)
            assert len(certs) == 3 and cn_of(certs[-1].issuer) == names["old"], certs
            assert alt.text.startswith(default_chain.split("-----END CERTIFICATE-----")[0])
            missing = client.post(cert_url + "/2", None)
            assert missing.status_code == 404, missing.text

        def revoked_before_rollover_published_by_old_issuer():
            live = f"{certbot.live}/before"
            cert, old_chain = f"{live}/cert.pem", f"{live}/chain.pem"
            text = run(["openssl", "x509", "-in", cert, "-noout", "-text"]).stdout
            url = re.search(r"CRL Distribution Points:\s*\n\s*Full Name:\s*\n\s*URI:(\S+)",
                            text).group(1)
            crl_url = url
            assert crl_url.startswith(env.crl_base + "/crl/"), (crl_url, env.crl_base)
            assert f"/crl/{env.crl_issuer}/" not in crl_url, (crl_url, env.crl_issuer)
            serial = run(["openssl", "x509", "-in", cert, "-noout", "-serial"]).stdout
            serial = serial.strip().split("=")[1].upper()
            # By the certificate's key: the restarted server has another directory URL, for
            # which certbot holds another account.
            run(["certbot", "revoke", "--cert-path", cert, "--key-path", f"{live}/privkey.pem",
                 "--reason", "keycompromise", "--no-delete-after-revoke"] + certbot.common,
                {"REQUESTS_CA_BUNDLE": env.root})

            def crl_pem():
                with urllib.request.urlopen(crl_url, timeout=5) as r:
                    assert r.status == 200, r.status
                    der = r.read()
                path = os.path.join(env.tmp, "old-issuer.crl")
                with open(path, "wb") as f:
                    f.write(der)
                pem = run(["openssl", "crl", "-inform", "DER", "-in", path]).stdout
                write(path + ".pem", pem)
                return path + ".pem"

            def listed():
                out = run(["openssl", "crl", "-in", crl_pem(), "-CAfile", old_chain, "-noout",
                           "-text"])
                assert "verify OK" in (out.stdout + out.stderr), out  # signed by the old issuer
                return serial in out.stdout.replace(":", "").upper() and "Key Compromise" in out.stdout

            wait_until("the revocation in the previous issuer's CRL", listed, timeout=20,
                       interval=0.25)
            trust = os.path.join(env.tmp, "old-trust.pem")
            with open(old_root) as r, open(old_chain) as c:
                write(trust, r.read() + c.read())
            bad = run(["openssl", "verify", "-crl_check", "-CAfile", trust, "-CRLfile", crl_pem(),
                       cert], check=False)
            assert bad.returncode != 0 and "certificate revoked" in (bad.stdout + bad.stderr), bad
            out = run(["openssl", "ocsp", "-issuer", old_chain, "-cert", cert, "-url",
                       env.crl_base + "/ocsp", "-CAfile", old_root], check=False)
            said = out.stdout + out.stderr
            assert "Response verify OK" in said and ": revoked" in said, said
            assert "Reason: keyCompromise" in said, said

        def operator_revokes_before_rollover():
            live = f"{certbot.live}/before-cli"
            cert, old_chain = f"{live}/cert.pem", f"{live}/chain.pem"
            serial = run(["openssl", "x509", "-in", cert, "-noout", "-serial"]).stdout
            serial = serial.strip().split("=")[1].lower()
            run([signet, "cert", "revoke", "--data-dir", data, "--serial", serial, "--reason",
                 "superseded"])

            def revoked():
                out = run(["openssl", "ocsp", "-issuer", old_chain, "-cert", cert, "-url",
                           env.crl_base + "/ocsp", "-CAfile", old_root], check=False)
                said = out.stdout + out.stderr
                assert "Response verify OK" in said, said
                return ": revoked" in said and "Reason: superseded" in said

            wait_until("the operator's revocation in the previous issuer's OCSP answers", revoked,
                       timeout=20, interval=0.25)

        checks.run("rollover --root: a new root first in root.pem, the old after it", roll)
        checks.run("a download announces the alternate chain, which announces the default",
                   links)
        checks.run("certbot --preferred-chain <new root> gets the chain to the new root",
                   lambda: chain_for(names["new"], new_root, "prefers-new", 1))
        checks.run("certbot --preferred-chain <old root> gets the cross-signed chain to the old root",
                   lambda: chain_for(names["old"], old_root, "prefers-old", 2))
        checks.run("a certificate of the previous intermediate, revoked after the rollover, is in "
                   "its CRL and revoked by OCSP, both signed by that intermediate",
                   revoked_before_rollover_published_by_old_issuer)
        checks.run("signet cert revoke of a certificate of the previous intermediate: OCSP "
                   "answers revoked, signed by that intermediate", operator_revokes_before_rollover)


def main():
    args = main_args()
    checks = Checks()
    import_checks(args.signet, checks)
    rollover_checks(args.signet, checks)
    checks.finish()


if __name__ == "__main__":
    main()
