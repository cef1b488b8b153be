"""certbot (Debian) against a real Signet: http-01 with --standalone, 1 and 3 names,
forced renewal, a wildcard via dns-01, revocation; every chain verified against root.pem."""
import os

from harness import Checks, Env, cert_names, main_args, openssl_verify, run


def main():
    args = main_args()
    checks = Checks()
    with Env(args.signet) as env:
        version = run(["certbot", "--version"]).stdout.strip() or run(["certbot", "--version"]).stderr.strip()
        print(f"client: {version}")
        cfg = os.path.join(env.tmp, "certbot")
        common = ["--config-dir", f"{cfg}/config", "--work-dir", f"{cfg}/work", "--logs-dir", f"{cfg}/logs",
                  "--server", env.directory, "--non-interactive"]
        client_env = {"REQUESTS_CA_BUNDLE": env.root}
        live = f"{cfg}/config/live"

        def issue(names):
            cmd = ["certbot", "certonly", "--standalone", "--http-01-port", str(env.http01_port),
                   "--agree-tos", "--email", "ops@example.test"] + common
            for n in names:
                cmd += ["-d", n]
            run(cmd, client_env)
            d = f"{live}/{names[0]}"
            openssl_verify(env.root, f"{d}/cert.pem", f"{d}/chain.pem")
            assert cert_names(f"{d}/cert.pem") == sorted(names), cert_names(f"{d}/cert.pem")

        def renew():
            before = open(f"{live}/single.example.test/cert.pem").read()
            run(["certbot", "renew", "--force-renewal", "--no-random-sleep-on-renew",
                 "--cert-name", "single.example.test", "--http-01-port", str(env.http01_port)] + common,
                client_env)
            after = open(f"{live}/single.example.test/cert.pem").read()
            assert before != after, "certificate was not replaced"
            openssl_verify(env.root, f"{live}/single.example.test/cert.pem",
                           f"{live}/single.example.test/chain.pem")

        def revoke():
            run(["certbot", "revoke", "--cert-name", "multi-a.example.test", "--reason", "keycompromise",
                 "--no-delete-after-revoke"] + common, client_env)
            again = run(["certbot", "revoke", "--cert-name", "multi-a.example.test",
                         "--no-delete-after-revoke"] + common, client_env, check=False)
            # Debian's certbot 2.1 on Python 3.11 crashes while reporting any ACME error
            # (josepy refuses exc.__traceback__), so read the problem from its log.
            with open(f"{cfg}/logs/letsencrypt.log") as f:
                log = f.read()
            assert again.returncode != 0
            assert "urn:ietf:params:acme:error:alreadyRevoked" in log, "no alreadyRevoked problem in certbot log"

        def wildcard_dns01():
            # --manual hooks publish the TXT record through the DNS server's management API.
            hook = os.path.join(env.tmp, "dns-hook.sh")
            with open(hook, "w") as f:
                f.write("#!/bin/sh\n"
                        f"curl -sf -X POST http://127.0.0.1:{env.dns_management_port}/set-txt "
                        "-d \"{\\\"host\\\":\\\"_acme-challenge.$CERTBOT_DOMAIN.\\\",\\\"value\\\":\\\"$CERTBOT_VALIDATION\\\"}\"\n")
            os.chmod(hook, 0o755)
            names = ["*.wild.example.test", "wild.example.test"]
            run(["certbot", "certonly", "--manual", "--preferred-challenges", "dns",
                 "--manual-auth-hook", hook, "--agree-tos", "--email", "ops@example.test",
                 "--cert-name", "wild", "-d", names[0], "-d", names[1]] + common, client_env)
            openssl_verify(env.root, f"{live}/wild/cert.pem", f"{live}/wild/chain.pem")
            assert cert_names(f"{live}/wild/cert.pem") == sorted(names), cert_names(f"{live}/wild/cert.pem")

        checks.run("certbot issues a 1-name certificate", issue, ["single.example.test"])
        checks.run("certbot issues a 3-name certificate", issue,
                   ["multi-a.example.test", "multi-b.example.test", "multi-c.example.test"])
        checks.run("certbot renews with --force-renewal", renew)
        checks.run("certbot issues a wildcard certificate via dns-01 (--manual hooks)", wildcard_dns01)
        checks.run("certbot revokes; a second revocation is alreadyRevoked", revoke)
    checks.finish()


if __name__ == "__main__":
    main()
