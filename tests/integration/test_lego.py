"""lego (Debian) against a real Signet: EC and RSA certificate keys over http-01, a
certificate over tls-alpn-01, a wildcard over dns-01, revocation; every chain verified
against root.pem."""
import os

from harness import Checks, Env, cert_names, lego_dns01, main_args, openssl_verify, run


def main():
    args = main_args()
    checks = Checks()
    with Env(args.signet) as env:
        print("client: " + run(["lego", "--version"]).stdout.strip())
        path = os.path.join(env.tmp, "lego")
        client_env = {"LEGO_CA_CERTIFICATES": env.root}

        def lego(domain, key_type, *cmd, challenge=("--http", "--http.port", f":{env.http01_port}")):
            return run(["lego", "--server", env.directory, "--email", "ops@example.test", "--accept-tos",
                        "--path", path, "--key-type", key_type] + list(challenge) +
                       ["--domains", domain] + list(cmd), client_env)

        def issue(domain, key_type, expect_algo):
            lego(domain, key_type, "run")
            crt = f"{path}/certificates/{domain}.crt"
            issuer = f"{path}/certificates/{domain}.issuer.crt"
            openssl_verify(env.root, crt, issuer)
            assert cert_names(crt) == [domain]
            text = run(["openssl", "x509", "-in", crt, "-noout", "-text"]).stdout
            assert expect_algo in text, f"expected {expect_algo} key"

        def tls_alpn(domain):
            lego(domain, "ec256", "run", challenge=("--tls", "--tls.port", f":{env.tlsalpn01_port}"))
            crt = f"{path}/certificates/{domain}.crt"
            openssl_verify(env.root, crt, f"{path}/certificates/{domain}.issuer.crt")
            assert cert_names(crt) == [domain]

        def wildcard_dns01():
            lego_dns01(env, path, ["*.lwild.example.test", "lwild.example.test"], [env.dns_management_port])

        def revoke(domain):
            lego(domain, "ec256", "revoke", "--keep")
            out = run(["openssl", "x509", "-in", f"{path}/certificates/{domain}.crt", "-noout", "-serial"]).stdout
            assert "serial=" in out

        checks.run("lego issues with an EC P-256 key", issue, "ec.example.test", "ec256", "id-ecPublicKey")
        checks.run("lego issues with an RSA 2048 key", issue, "rsa.example.test", "rsa2048", "rsaEncryption")
        checks.run("lego issues via tls-alpn-01", tls_alpn, "alpn.example.test")
        checks.run("lego issues a wildcard via dns-01 (exec provider)", wildcard_dns01)
        checks.run("lego revokes a certificate", revoke, "ec.example.test")
    checks.finish()


if __name__ == "__main__":
    main()
