"""The ACME issuer's key in an HSM: a throwaway SoftHSM2 token, `signet ca init --pkcs11`
making the key inside it (local, sensitive, never extractable) and the root signing its
certificate; `signet serve` with [ca] key and the PIN from the environment (a wrong PIN
stops it with a message saying so); certbot issues, the certificate verifies against
root.pem; certbot revokes it, and the CRL and an OCSP response for it verify up to the
token's key; `signet vantage-credentials --config` logs in to the token too; no file in
the data directory holds the ACME issuer's private key. An intermediate whose key the
HSM's own tools made is imported (`signet ca import --key pkcs11:...`); `signet ca
rollover --root --pkcs11` makes the next issuer's key in the token, and both chains
verify with `openssl verify`, each against its root."""
import json
import os
import re
import shutil
import subprocess
import tempfile
import urllib.request

from harness import Checks, Env, cert_names, main_args, openssl_verify, run, wait_until

MODULE = next((p for p in ("/usr/lib/softhsm/libsofthsm2.so",
                           "/usr/lib/x86_64-linux-gnu/softhsm/libsofthsm2.so") if os.path.exists(p)),
              None)
URI = "pkcs11:token=signet;object=intermediate"
PIN = "4711"
NAME = "hsm.example.test"


def der_to_pem_pubkey(pem_cert):
    return run(["openssl", "x509", "-in", pem_cert, "-noout", "-pubkey"]).stdout


def token_public_key(label, out_dir, token_env):
    """The public half of the token's key `label`, PEM, read with pkcs11-tool (OpenSC)."""
    pub_der = os.path.join(out_dir, f"{label}-pub.der")
    run(["pkcs11-tool", "--module", MODULE, "--read-object", "--type", "pubkey",
         "--label", label, "--output-file", pub_der], token_env)
    return run(["openssl", "pkey", "-pubin", "-inform", "DER", "-in", pub_der]).stdout


def crl_lists_and_verifies(env, cert, inter, base=None):
    """The CRL cert names lists its serial, and verifies under the issuer inter. With
    base, the CRL's path is fetched there (a server restarted on another port)."""
    text = run(["openssl", "x509", "-in", cert, "-noout", "-text", "-serial"]).stdout
    serial = re.search(r"serial=([0-9A-F]+)", text).group(1)
    crl_url = re.search(r"URI:(http\S+\.crl)", text).group(1)
    if base:
        crl_url = base + re.sub(r"^https?://[^/]+", "", crl_url)
    crl = os.path.join(env.tmp, "acme.crl")

    def listed():
        with urllib.request.urlopen(crl_url, timeout=5) as r:
            open(crl, "wb").write(r.read())
        out = run(["openssl", "crl", "-inform", "DER", "-in", crl, "-noout", "-text"]).stdout
        return serial.lstrip("0") in out.replace(":", "").upper()
    wait_until("the revoked serial in the CRL", listed, timeout=30, interval=0.5)
    out = run(["openssl", "crl", "-inform", "DER", "-in", crl, "-noout", "-CAfile", inter])
    assert "verify OK" in out.stdout + out.stderr, out.stdout + out.stderr


def ocsp_revoked_under(env, cert, chain, root, inter, base=None):
    """An OCSP response for cert (revoked, keyCompromise) verifies up to root, and its
    responder's certificate is signed by the issuer inter (or is inter). Returns the
    public key (PEM) of the responder's certificate: the key that signed the response.
    With base, the responder's path is asked there (another server or node)."""
    text = run(["openssl", "x509", "-in", cert, "-noout", "-text"]).stdout
    url = re.search(r"OCSP - URI:(\S+)", text).group(1)
    if base:
        url = base + re.sub(r"^https?://[^/]+", "", url)
    resp = os.path.join(env.tmp, "resp.der")
    out = run(["openssl", "ocsp", "-issuer", chain, "-cert", cert, "-url", url, "-CAfile", root,
               "-respout", resp, "-resp_text"])
    said = out.stdout + out.stderr
    assert "Response verify OK" in said, said
    assert f"{cert}: revoked" in said and "keyCompromise" in said, said
    # The responder's certificate in the response: signed by the issuer's key.
    responder = os.path.join(env.tmp, "responder.pem")
    certs = re.findall(r"-----BEGIN CERTIFICATE-----.*?-----END CERTIFICATE-----", said, re.S)
    assert certs, said
    with open(responder, "w") as f:
        f.write(certs[0] + "\n")
    check = run(["openssl", "verify", "-partial_chain", "-CAfile", inter, responder])
    assert check.stdout.strip().endswith("OK"), check.stdout + check.stderr
    return der_to_pem_pubkey(responder)


def no_file_holds(data_dir, token_pub):
    """No file in data_dir holds the private key whose public half is token_pub."""
    assert not os.path.exists(os.path.join(data_dir, "ca", "intermediate-key.pem"))
    for root, _, files in os.walk(data_dir):
        for name in files:
            path = os.path.join(root, name)
            with open(path, "rb") as f:
                if b"PRIVATE KEY" not in f.read():
                    continue
            pub = subprocess.run(["openssl", "pkey", "-in", path, "-pubout"],
                                 capture_output=True, text=True).stdout
            assert pub and pub != token_pub, path


def throwaway_token():
    """A SoftHSM2 token labelled "signet" in a temporary directory of its own, or None
    when SoftHSM2 is not installed: (the directory, the environment that points the
    module at it, a file holding the user PIN)."""
    if MODULE is None or shutil.which("softhsm2-util") is None:
        print("FAIL SoftHSM2 is not installed (scripts/install-deps.sh --test installs softhsm2)")
        return None
    hsm = tempfile.mkdtemp(prefix="signet-softhsm-")
    conf = os.path.join(hsm, "softhsm2.conf")
    os.makedirs(os.path.join(hsm, "tokens"))
    with open(conf, "w") as f:
        f.write(f"directories.tokendir = {hsm}/tokens\nobjectstore.backend = file\nlog.level = ERROR\n")
    token_env = {"SOFTHSM2_CONF": conf}
    run(["softhsm2-util", "--init-token", "--free", "--label", "signet", "--pin", PIN,
         "--so-pin", "5678"], token_env)
    pin_file = os.path.join(hsm, "pin")
    with open(pin_file, "w") as f:
        f.write(PIN + "\n")
    os.chmod(pin_file, 0o600)
    return hsm, token_env, pin_file


def main():
    args = main_args()
    checks = Checks()
    token = throwaway_token()
    if token is None:
        return 1
    hsm, token_env, pin_file = token
    state = {}

    def init_and_refusals(env):
        """Before the server starts: `ca init`, and the starts that must fail."""
        out = run([args.signet, "ca", "init", "--pkcs11", URI, "--module", MODULE,
                   "--pin-file", pin_file, "--data-dir", env.data_dir], token_env)
        state["init"] = out.stdout
        # Once is all: a second init finds the ACME issuer there.
        again = run([args.signet, "ca", "init", "--pkcs11", URI, "--module", MODULE,
                     "--pin-file", pin_file, "--data-dir", env.data_dir], token_env, check=False)
        state["init_again"] = (again.returncode, again.stderr)
        # A wrong PIN stops `signet serve` before it listens.
        bad_cfg = os.path.join(env.tmp, "bad-pin.toml")
        with open(bad_cfg, "w") as f:
            f.write(f'[ca]\nkey = "{URI}"\npkcs11_module = "{MODULE}"\npin_env = "SIGNET_HSM_PIN"\n')
        bad = run([args.signet, "serve", "--config", bad_cfg, "--data-dir", env.data_dir,
                   "--listen", "127.0.0.1:0", "--http-listen", "", "--admin-listen", ""],
                  dict(token_env, SIGNET_HSM_PIN="0000"), timeout=30, check=False)
        state["bad_pin"] = (bad.returncode, bad.stderr)

    config = (f'[ca]\nkey = "{URI}"\npkcs11_module = "{MODULE}"\npin_env = "SIGNET_HSM_PIN"\n')
    try:
        with Env(args.signet, config_text=config, before_serve=init_and_refusals,
                 server_env=dict(token_env, SIGNET_HSM_PIN=PIN)) as env:
            print("client: " + run(["certbot", "--version"]).stdout.strip())
            ca_dir = os.path.join(env.data_dir, "ca")
            inter = os.path.join(ca_dir, "intermediate.pem")
            cfg = os.path.join(env.tmp, "certbot")
            common = ["--config-dir", f"{cfg}/config", "--work-dir", f"{cfg}/work",
                      "--logs-dir", f"{cfg}/logs", "--server", env.directory, "--non-interactive"]
            client_env = {"REQUESTS_CA_BUNDLE": env.root}
            live = f"{cfg}/config/live/{NAME}"

            def init_made_the_key_in_the_token():
                assert "Generated an ECDSA P-256 key in token \"signet\"" in state["init"], state["init"]
                assert f'key = "{URI}"' in state["init"], state["init"]
                openssl_verify(env.root, inter)
                # pkcs11-tool (OpenSC) lists the key's attributes: made on the token
                # (local), and it will never leave it.
                listing = run(["pkcs11-tool", "--module", MODULE, "--login", "--pin", PIN,
                               "--list-objects", "--type", "privkey"], token_env).stdout
                assert "label:      intermediate" in listing, listing
                for attr in ("sensitive", "never extractable", "local"):
                    assert attr in listing, listing
                # The certificate is for the token's key.
                token_pub = token_public_key("intermediate", env.tmp, token_env)
                assert token_pub == der_to_pem_pubkey(inter), (token_pub, der_to_pem_pubkey(inter))
                state["token_pub"] = token_pub

            def a_second_init_and_a_wrong_pin_are_refused():
                rc, err = state["init_again"]
                assert rc == 1 and "already has an ACME issuer" in err, (rc, err)
                rc, err = state["bad_pin"]
                assert rc != 0 and "wrong PIN" in err and "[ca] key" in err, (rc, err)

            def certbot_issues():
                run(["certbot", "certonly", "--standalone", "--http-01-port", str(env.http01_port),
                     "--agree-tos", "--email", "ops@example.test", "-d", NAME] + common, client_env)
                openssl_verify(env.root, f"{live}/cert.pem", f"{live}/chain.pem")
                assert cert_names(f"{live}/cert.pem") == [NAME]
                # Its issuer is the token's key.
                assert der_to_pem_pubkey(f"{live}/chain.pem") == state["token_pub"]

            def revoked_crl_signed_by_the_token_key():
                run(["certbot", "revoke", "--cert-name", NAME, "--reason", "keycompromise",
                     "--no-delete-after-revoke"] + common, client_env)
                crl_lists_and_verifies(env, f"{live}/cert.pem", inter)

            def revoked_ocsp_response_signed_by_the_token_key():
                # With [ca] key, the issuer answers for itself: the response is signed
                # by the token's key, and no delegated responder key is made.
                signer = ocsp_revoked_under(env, f"{live}/cert.pem", f"{live}/chain.pem",
                                            env.root, inter)
                assert signer == state["token_pub"], signer
                assert not os.path.exists(os.path.join(ca_dir, "ocsp-responder-key.pem"))
                ok = run([args.signet, "config", "check", "--config",
                          os.path.join(env.tmp, "signet.toml")]).stdout
                assert "OCSP answers signed by: the ACME issuer's key" in ok, ok

            def config_check_refuses_a_pin_in_the_configuration():
                for text, why in (
                        (f'[ca]\nkey = "{URI}?pin-value={PIN}"\npkcs11_module = "{MODULE}"\n'
                         'pin_env = "SIGNET_HSM_PIN"\n', "a PIN never goes in the key URI"),
                        (f'[ca]\nkey = "{URI}"\npkcs11_module = "{MODULE}"\npin = "{PIN}"\n',
                         "a PIN never goes in the configuration file")):
                    path = os.path.join(env.tmp, "pin-in-config.toml")
                    with open(path, "w") as f:
                        f.write(text)
                    out = run([args.signet, "config", "check", "--config", path], check=False)
                    assert out.returncode == 1 and why in out.stderr, (out.returncode, out.stderr)
                ok = run([args.signet, "config", "check", "--config",
                          os.path.join(env.tmp, "signet.toml")]).stdout
                assert f"ACME issuer's key: in a PKCS#11 token, {URI}" in ok, ok

            def vantage_credentials_with_the_token():
                out_dir = os.path.join(env.tmp, "agent-creds")
                cmd = [args.signet, "vantage-credentials", "--data-dir", env.data_dir,
                       "--host", "127.0.0.1", "--out", out_dir]
                without = run(cmd, token_env, check=False)
                assert without.returncode == 1 and "give the configuration with its [ca] key" \
                    in without.stderr, (without.returncode, without.stderr)
                run(cmd + ["--config", os.path.join(env.tmp, "signet.toml")],
                    dict(token_env, SIGNET_HSM_PIN=PIN))
                # The agent's certificate is the infrastructure issuer's, under the same root.
                chain = open(os.path.join(out_dir, "vantage.pem")).read()
                leaf, issuer = chain.split("-----END CERTIFICATE-----\n")[:2]
                for name, pem in (("agent.pem", leaf), ("agent-issuer.pem", issuer)):
                    with open(os.path.join(env.tmp, name), "w") as f:
                        f.write(pem + "-----END CERTIFICATE-----\n")
                openssl_verify(env.root, os.path.join(env.tmp, "agent.pem"),
                               os.path.join(env.tmp, "agent-issuer.pem"))

            def no_file_holds_the_issuer_key():
                no_file_holds(env.data_dir, state["token_pub"])

            checks.run("ca init --pkcs11: the key made in the token, the root signed its certificate",
                       init_made_the_key_in_the_token)
            checks.run("a second ca init and a wrong PIN are refused",
                       a_second_init_and_a_wrong_pin_are_refused)
            checks.run("certbot issues; the certificate verifies against root.pem", certbot_issues)
            checks.run("revoked: the CRL lists it, signed by the token's key",
                       revoked_crl_signed_by_the_token_key)
            checks.run("revoked: the OCSP response verifies, signed by the token's key",
                       revoked_ocsp_response_signed_by_the_token_key)
            checks.run("config check refuses a PIN in the configuration",
                       config_check_refuses_a_pin_in_the_configuration)
            checks.run("vantage-credentials opens the token with --config",
                       vantage_credentials_with_the_token)
            checks.run("no file in the data directory holds the ACME issuer's key",
                       no_file_holds_the_issuer_key)
        imported_in_the_token(args, checks, token_env, pin_file)
        rolled_over_in_the_token(args, checks, token_env, pin_file)
    finally:
        shutil.rmtree(hsm, ignore_errors=True)
    return checks.finish()


def external_intermediate_for(pub_der, out_dir):
    """An organisation's root (a file key) and an intermediate it signs for the public key
    pub_der (DER SubjectPublicKeyInfo); returns (root file, intermediate file)."""
    import datetime
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

    now = datetime.datetime.now(datetime.timezone.utc)
    root_key = ec.generate_private_key(ec.SECP384R1())
    root_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Example Org Root")])
    root = (x509.CertificateBuilder().subject_name(root_name).issuer_name(root_name)
            .public_key(root_key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(hours=1))
            .not_valid_after(now + datetime.timedelta(days=3650))
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .add_extension(x509.KeyUsage(False, False, False, False, False, True, True, False, False),
                           critical=True)
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(root_key.public_key()),
                           critical=False)
            .sign(root_key, hashes.SHA384()))
    pub = serialization.load_der_public_key(pub_der)
    inter = (x509.CertificateBuilder()
             .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Example Org HSM Issuing CA")]))
             .issuer_name(root_name).public_key(pub).serial_number(x509.random_serial_number())
             .not_valid_before(now - datetime.timedelta(hours=1))
             .not_valid_after(now + datetime.timedelta(days=365))
             .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
             .add_extension(x509.KeyUsage(True, False, False, False, False, True, True, False, False),
                            critical=True)
             .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
             .add_extension(x509.SubjectKeyIdentifier.from_public_key(pub), critical=False)
             .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(root_key.public_key()),
                            critical=False)
             .sign(root_key, hashes.SHA384()))
    root_file, inter_file = os.path.join(out_dir, "org-root.pem"), os.path.join(out_dir, "org-inter.pem")
    for path, cert in ((root_file, root), (inter_file, inter)):
        with open(path, "wb") as f:
            f.write(cert.public_bytes(serialization.Encoding.PEM))
    return root_file, inter_file


def imported_in_the_token(args, checks, token_env, pin_file):
    """An existing intermediate whose key was made in the token by the HSM's own tools,
    imported with `signet ca import --key pkcs11:...`: certificates chain to the
    organisation's root, and no key file is written."""
    uri = "pkcs11:token=signet;object=org-issuer"
    files = {}

    def import_it(env):
        run(["pkcs11-tool", "--module", MODULE, "--login", "--pin", PIN, "--keypairgen",
             "--key-type", "EC:prime256v1", "--label", "org-issuer", "--id", "0f0e"], token_env)
        pub_der = os.path.join(env.tmp, "org-issuer.der")
        run(["pkcs11-tool", "--module", MODULE, "--read-object", "--type", "pubkey",
             "--label", "org-issuer", "--output-file", pub_der], token_env)
        with open(pub_der, "rb") as f:
            files["root"], files["inter"] = external_intermediate_for(f.read(), env.tmp)
        # Without the module and PIN the token key cannot be checked: refused.
        bare = run([args.signet, "ca", "import", "--data-dir", env.data_dir, "--cert", files["inter"],
                    "--chain", files["root"], "--key", uri], token_env, check=False)
        files["bare"] = (bare.returncode, bare.stderr)
        files["import"] = run([args.signet, "ca", "import", "--data-dir", env.data_dir,
                               "--cert", files["inter"], "--chain", files["root"], "--key", uri,
                               "--module", MODULE, "--pin-file", pin_file], token_env).stdout

    config = f'[ca]\nkey = "{uri}"\npkcs11_module = "{MODULE}"\npin_file = "{pin_file}"\n'
    with Env(args.signet, config_text=config, before_serve=import_it, server_env=token_env) as env:
        def import_of_a_token_key():
            code, err = files["bare"]
            assert code != 0 and "module" in err, (code, err)
            assert "Example Org HSM Issuing CA" in files["import"], files["import"]
            assert not os.path.exists(os.path.join(env.data_dir, "ca", "intermediate-key.pem"))
            cfg = os.path.join(env.tmp, "certbot")
            run(["certbot", "certonly", "--standalone", "--http-01-port", str(env.http01_port),
                 "--agree-tos", "--email", "ops@example.test", "-d", "org.example.test",
                 "--config-dir", f"{cfg}/config", "--work-dir", f"{cfg}/work", "--logs-dir",
                 f"{cfg}/logs", "--server", env.directory, "--non-interactive"],
                {"REQUESTS_CA_BUNDLE": env.root})
            live = f"{cfg}/config/live/org.example.test"
            # The organisation's root alone is enough: the chain served is the imported one.
            openssl_verify(files["root"], f"{live}/cert.pem", f"{live}/chain.pem")
            issuer = run(["openssl", "x509", "-in", f"{live}/cert.pem", "-noout", "-issuer"]).stdout
            assert "Example Org HSM Issuing CA" in issuer, issuer

        checks.run("an intermediate whose key is in the token, imported with --key pkcs11:, issues",
                   import_of_a_token_key)


def rolled_over_in_the_token(args, checks, token_env, pin_file):
    """`signet ca rollover --root --pkcs11`: a new root cross-signed by the old, and the
    new ACME issuer's key made in the token. With [ca] key set to the new URI, certbot
    gets a chain to each root (--preferred-chain), each verified by `openssl verify`
    against that root alone; the CRL and an OCSP response for a new certificate verify
    under the new token key; no file holds it. The certificate from before the rollover,
    revoked after it, is in the old issuer's CRL and revoked in its OCSP answers, both
    signed by the old key in the token (named by the archive's intermediate-key.uri).
    Then a rollover without --pkcs11 goes back to a file key."""
    from test_ca_import import Certbot, cn_of, pem_certs, preferred_chain
    first, second = "pkcs11:token=signet;object=issuer-1", "pkcs11:token=signet;object=issuer-2"

    def config(uri):
        # OCSP from the delegated responder (a file key), its certificate signed by the
        # token: the choice for OCSP traffic a token would not keep up with.
        return (f'[ca]\nkey = "{uri}"\npkcs11_module = "{MODULE}"\npin_file = "{pin_file}"\n'
                '[ocsp]\nsigned_by = "responder"\n')

    def init(env):
        run([args.signet, "ca", "init", "--pkcs11", first, "--module", MODULE, "--pin-file",
             pin_file, "--data-dir", env.data_dir], token_env)

    state = {}
    with Env(args.signet, config_text=config(first), before_serve=init, server_env=token_env) as env:
        data = env.data_dir
        toml = os.path.join(env.tmp, "signet.toml")
        old_root, new_root = os.path.join(env.tmp, "old-root.pem"), os.path.join(env.tmp, "new-root.pem")
        certbot = Certbot(env, "certbot-rollover")
        rollover = [args.signet, "ca", "rollover", "--root", "--data-dir", data, "--config", toml]

        def show(*extra):
            return run([args.signet, "ca", "show", "--data-dir", data, *extra]).stdout

        def roll():
            shutil.copy(env.root, old_root)
            state["old"] = cn_of(pem_certs(old_root)[0].subject)
            assert f"Private key:       {first}" in show("--config", toml), show("--config", toml)
            assert "Private key:       unknown" in show(), show()
            certbot.issue("before", ["before.example.test"])
            env.stop_server()
            # The name of a key already in the token (the current issuer's): refused, and
            # nothing changes.
            before = open(os.path.join(data, "root.pem")).read()
            taken = run(rollover + ["--pkcs11", first], token_env, check=False)
            assert taken.returncode == 1 and "already holds a private key" in taken.stderr, taken
            assert open(os.path.join(data, "root.pem")).read() == before
            assert not os.path.exists(os.path.join(data, "ca", "archive"))
            # Module and PIN file from the configuration's [ca].
            out = run(rollover + ["--pkcs11", second], token_env).stdout
            assert "Cross-signed" in out and f'key = "{second}"' in out, out
            # The replaced issuer's key stays in the token: the archive names it by the
            # --config file's [ca] key.
            assert f"Replaced key:  {first}" in out, out
            archive = re.search(r"Archived:\s+(\S+)", out).group(1)
            with open(os.path.join(archive, "intermediate-key.uri")) as f:
                assert f.read() == first + "\n"
            assert not os.path.exists(os.path.join(archive, "intermediate-key.pem"))
            state["old_inter"] = os.path.join(archive, "intermediate.pem")
            assert not os.path.exists(os.path.join(data, "ca", "intermediate-key.pem"))
            roots = pem_certs(os.path.join(data, "root.pem"))
            assert len(roots) == 2 and cn_of(roots[1].subject) == state["old"], roots
            state["new"] = cn_of(roots[0].subject)
            from cryptography.hazmat.primitives.serialization import Encoding
            with open(new_root, "w") as f:
                f.write(roots[0].public_bytes(Encoding.PEM).decode())
            # The new issuer's certificate is for the token's new key, under the new root.
            state["token_pub"] = token_public_key("issuer-2", env.tmp, token_env)
            inter = os.path.join(data, "ca", "intermediate.pem")
            assert der_to_pem_pubkey(inter) == state["token_pub"]
            openssl_verify(new_root, inter)
            with open(toml, "w") as f:
                f.write(config(second))
            assert f"Private key:       {second}" in show("--config", toml)
            shown = json.loads(show("--config", toml, "--json"))["issuers"]
            acme = next(i for i in shown if i["role"] == "acme")
            assert acme["key_storage"] == "pkcs11" and acme["key_location"] == second, acme
            env.restart_server()
            certbot.common[certbot.common.index("--server") + 1] = env.directory

        def chain_for(root_name, root_file, cert_name, length):
            live = preferred_chain(certbot, root_name, root_file, cert_name, length)
            # Signed by the token's new key.
            assert der_to_pem_pubkey(f"{live}/chain.pem") == state["token_pub"]
            return live

        def revoked_under_the_new_key():
            live = chain_for(state["new"], new_root, "revoked", 1)
            run(["certbot", "revoke", "--cert-name", "revoked", "--reason", "keycompromise",
                 "--no-delete-after-revoke"] + certbot.common, {"REQUESTS_CA_BUNDLE": env.root})
            inter = os.path.join(data, "ca", "intermediate.pem")
            crl_lists_and_verifies(env, f"{live}/cert.pem", inter)
            signer = ocsp_revoked_under(env, f"{live}/cert.pem", f"{live}/chain.pem", new_root,
                                        inter)
            # [ocsp] signed_by = "responder": the delegated responder, certified by the
            # token's new key.
            assert signer != state["token_pub"]
            assert signer == der_to_pem_pubkey(os.path.join(data, "ca", "ocsp-responder.pem"))

        def revoked_before_the_rollover_signed_by_the_old_token_key():
            # certbot's certificate from before the rollover, revoked now: its issuer's
            # key is found in the token by the archived URI, and signs the CRL and OCSP.
            # The server's log is written in batches: wait for the line.
            wait_until("the previous issuer's line in the log",
                       lambda: "previous ACME issuer loaded" in env.log("signet-restart"),
                       timeout=30, interval=0.2)
            live = f"{certbot.live}/before"
            cert, old_inter = f"{live}/cert.pem", state["old_inter"]
            assert der_to_pem_pubkey(old_inter) == token_public_key("issuer-1", env.tmp, token_env)
            run(["certbot", "revoke", "--cert-path", cert, "--key-path", f"{live}/privkey.pem",
                 "--reason", "keycompromise", "--no-delete-after-revoke"] + certbot.common,
                {"REQUESTS_CA_BUNDLE": env.root})
            # The URLs the certificate names, on the restarted server's port: the CRL
            # under the old issuer's id, signed by its key.
            text = run(["openssl", "x509", "-in", cert, "-noout", "-text"]).stdout
            crl_path = re.search(r"URI:https?://[^/\s]+(/crl/\S+\.crl)", text).group(1)
            ocsp_path = re.search(r"OCSP - URI:https?://[^/\s]+(\S*)", text).group(1)
            assert not crl_path.startswith(f"/crl/{env.crl_issuer}/"), crl_path
            crl_lists_and_verifies(env, cert, old_inter, base=env.crl_base)
            out = run(["openssl", "ocsp", "-issuer", old_inter, "-cert", cert,
                       "-url", env.crl_base + ocsp_path, "-CAfile", old_root], check=False)
            said = out.stdout + out.stderr
            assert "Response verify OK" in said, said
            assert f"{cert}: revoked" in said and "keyCompromise" in said, said

        checks.run("rollover --root --pkcs11: a name in use is refused; the new issuer's key is "
                   "made in the token, its certificate under the new root", roll)
        checks.run("a certificate from before the rollover, revoked after it: the CRL and OCSP "
                   "answer signed by the old token key, named in the archive",
                   revoked_before_the_rollover_signed_by_the_old_token_key)
        checks.run("certbot --preferred-chain <new root>: the chain verifies against the new root",
                   lambda: chain_for(state["new"], new_root, "prefers-new", 1))
        checks.run("certbot --preferred-chain <old root>: the cross-signed chain verifies against "
                   "the old root", lambda: chain_for(state["old"], old_root, "prefers-old", 2))
        checks.run("revoked: the CRL and the OCSP response verify under the new token key",
                   revoked_under_the_new_key)
        def back_to_a_file_key():
            # Without --pkcs11 the next issuer's key is a file, the token not needed; the
            # operator is told to drop [ca] key.
            env.stop_server()
            out = run([args.signet, "ca", "rollover", "--data-dir", data]).stdout
            assert "remove [ca] key" in out, out
            # Without --config the replaced key's URI is not known: the operator is told
            # which file to write.
            assert "its URI is not known" in out and "intermediate-key.uri" in out, out
            key = os.path.join(data, "ca", "intermediate-key.pem")
            pub = run(["openssl", "pkey", "-in", key, "-pubout"]).stdout
            assert pub == der_to_pem_pubkey(os.path.join(data, "ca", "intermediate.pem"))
            assert "Private key:       file ca/intermediate-key.pem" in show()

        checks.run("no file in the data directory holds the new issuer's key",
                   lambda: no_file_holds(data, state["token_pub"]))
        checks.run("rollover without --pkcs11 from a token key: a file key, [ca] key to drop",
                   back_to_a_file_key)


if __name__ == "__main__":
    raise SystemExit(main())
