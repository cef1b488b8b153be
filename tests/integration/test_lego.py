"""lego (Debian) against a real Signet: EC and RSA certificate keys over http-01, a
certificate over tls-alpn-01, a wildcard over dns-01, revocation; every chain verified
against root.pem."""
import os

from harness import Checks, Env, cert_names, main_args, openssl_verify, run


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
            # lego's exec provider runs the script as: present|cleanup <fqdn> <value>.
            script = os.path.join(env.tmp, "lego-dns.sh")
            with open(script, "w") as f:
                f.write("#!/bin/sh\n"
                        "[ \"$1\" = present ] || exit 0\n"
                        f"curl -sf -X POST http://127.0.0.1:{env.dns_management_port}/set-txt "
                        "-d \"{\\\"host\\\":\\\"$2\\\",\\\"value\\\":\\\"$3\\\"}\"\n")
            os.chmod(script, 0o755)
            names = ["*.lwild.example.test", "lwild.example.test"]
            run(["lego", "--server", env.directory, "--email", "ops@example.test", "--accept-tos",
                 "--path", path, "--key-type", "ec256", "--dns", "exec", "--dns.disable-cp",
                 "--dns.resolvers", f"127.0.0.1:{env.dns_port}", "--domains", names[0], "--domains", names[1],
                 "run"], dict(client_env, EXEC_PATH=script, EXEC_SEQUENCE_INTERVAL="1",
                              EXEC_POLLING_INTERVAL="1", EXEC_PROPAGATION_TIMEOUT="30"))
            crt = f"{path}/certificates/_.lwild.example.test.crt"
            openssl_verify(env.root, crt, f"{path}/certificates/_.lwild.example.test.issuer.crt")
            assert cert_names(crt) == sorted(names), cert_names(crt)

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
