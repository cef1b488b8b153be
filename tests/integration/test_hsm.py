"""The ACME issuer's key in an HSM: a throwaway SoftHSM2 token, `signet ca init --pkcs11`
making the key inside it (local, sensitive, never extractable) and the root signing its
certificate; `signet serve` with [ca] key and the PIN from the environment (a wrong PIN
stops it with a message saying so); certbot issues, the certificate verifies against
root.pem; certbot revokes it, and the CRL and an OCSP response for it verify up to the
token's key; `signet vantage-credentials --config` logs in to the token too; no file in
the data directory holds the ACME issuer's private key."""
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


def main():
    args = main_args()
    checks = Checks()
    if MODULE is None or shutil.which("softhsm2-util") is None:
        print("FAIL SoftHSM2 is not installed (scripts/install-deps.sh --test installs softhsm2)")
        return 1
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
                pub_der = os.path.join(env.tmp, "token-pub.der")
                run(["pkcs11-tool", "--module", MODULE, "--read-object", "--type", "pubkey",
                     "--label", "intermediate", "--output-file", pub_der], token_env)
                token_pub = run(["openssl", "pkey", "-pubin", "-inform", "DER", "-in", pub_der]).stdout
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
                text = run(["openssl", "x509", "-in", f"{live}/cert.pem", "-noout", "-text",
                            "-serial"]).stdout
                serial = re.search(r"serial=([0-9A-F]+)", text).group(1)
                crl_url = re.search(r"URI:(http\S+\.crl)", text).group(1)
                crl = os.path.join(env.tmp, "acme.crl")

                def listed():
                    with urllib.request.urlopen(crl_url, timeout=5) as r:
                        open(crl, "wb").write(r.read())
                    out = run(["openssl", "crl", "-inform", "DER", "-in", crl, "-noout",
                               "-text"]).stdout
                    return serial.lstrip("0") in out.replace(":", "").upper()
                wait_until("the revoked serial in the CRL", listed, timeout=30, interval=0.5)
                out = run(["openssl", "crl", "-inform", "DER", "-in", crl, "-noout",
                           "-CAfile", inter])
                assert "verify OK" in out.stdout + out.stderr, out.stdout + out.stderr

            def revoked_ocsp_response_chains_to_the_token_key():
                text = run(["openssl", "x509", "-in", f"{live}/cert.pem", "-noout", "-text"]).stdout
                url = re.search(r"OCSP - URI:(\S+)", text).group(1)
                resp = os.path.join(env.tmp, "resp.der")
                out = run(["openssl", "ocsp", "-issuer", f"{live}/chain.pem", "-cert",
                           f"{live}/cert.pem", "-url", url, "-CAfile", env.root, "-respout", resp,
                           "-resp_text"])
                said = out.stdout + out.stderr
                assert "Response verify OK" in said, said
                assert f"{live}/cert.pem: revoked" in said and "keyCompromise" in said, said
                # The responder's certificate in the response: signed by the token's key.
                responder = os.path.join(env.tmp, "responder.pem")
                certs = re.findall(r"-----BEGIN CERTIFICATE-----.*?-----END CERTIFICATE-----",
                                   said, re.S)
                assert certs, said
                with open(responder, "w") as f:
                    f.write(certs[0] + "\n")
                check = run(["openssl", "verify", "-partial_chain", "-CAfile", inter, responder])
                assert check.stdout.strip().endswith("OK"), check.stdout + check.stderr

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
                assert not os.path.exists(os.path.join(ca_dir, "intermediate-key.pem"))
                for root, _, files in os.walk(env.data_dir):
                    for name in files:
                        path = os.path.join(root, name)
                        with open(path, "rb") as f:
                            if b"PRIVATE KEY" not in f.read():
                                continue
                        pub = subprocess.run(["openssl", "pkey", "-in", path, "-pubout"],
                                             capture_output=True, text=True).stdout
                        assert pub and pub != state["token_pub"], path

            checks.run("ca init --pkcs11: the key made in the token, the root signed its certificate",
                       init_made_the_key_in_the_token)
            checks.run("a second ca init and a wrong PIN are refused",
                       a_second_init_and_a_wrong_pin_are_refused)
            checks.run("certbot issues; the certificate verifies against root.pem", certbot_issues)
            checks.run("revoked: the CRL lists it, signed by the token's key",
                       revoked_crl_signed_by_the_token_key)
            checks.run("revoked: the OCSP response verifies, its responder certified by the token's key",
                       revoked_ocsp_response_chains_to_the_token_key)
            checks.run("config check refuses a PIN in the configuration",
                       config_check_refuses_a_pin_in_the_configuration)
            checks.run("vantage-credentials opens the token with --config",
                       vantage_credentials_with_the_token)
            checks.run("no file in the data directory holds the ACME issuer's key",
                       no_file_holds_the_issuer_key)
        imported_in_the_token(args, checks, token_env, pin_file)
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


if __name__ == "__main__":
    raise SystemExit(main())
