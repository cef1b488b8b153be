"""Caddy (Debian) gets certificates from a real Signet over http-01 and over tls-alpn-01:
it follows the certificate's Link rel="up" and fetches the issuer with POST-as-GET."""
import glob
import os
import re

from harness import Checks, Env, cert_names, main_args, openssl_verify, run, wait_until

CADDYFILE = """
{{
    admin off
    http_port {http_port}
    https_port {https_port}
    storage file_system {storage}
    email ops@example.test
    skip_install_trust
}}
http01.caddy.example.test {{
    tls {{
        issuer acme {{
            dir {directory}
            trusted_roots {root}
            disable_tlsalpn_challenge
        }}
    }}
    respond "hello over http-01"
}}
alpn.caddy.example.test {{
    tls {{
        issuer acme {{
            dir {directory}
            trusted_roots {root}
            disable_http_challenge
        }}
    }}
    respond "hello over tls-alpn-01"
}}
"""


def main():
    args = main_args()
    checks = Checks()
    with Env(args.signet) as env:
        print("client: caddy " + run(["caddy", "version"]).stdout.strip())
        storage = os.path.join(env.tmp, "caddy")
        caddyfile = os.path.join(env.tmp, "Caddyfile")
        with open(caddyfile, "w") as f:
            f.write(CADDYFILE.format(http_port=env.http01_port, https_port=env.tlsalpn01_port,
                                     storage=storage, directory=env.directory, root=env.root))
        caddy_env = {"HOME": env.tmp, "XDG_DATA_HOME": storage, "XDG_CONFIG_HOME": storage}
        env.start("caddy", ["caddy", "run", "--config", caddyfile, "--adapter", "caddyfile"], caddy_env)

        def certificate(name):
            def found():
                return glob.glob(os.path.join(storage, "certificates", "*", name, name + ".crt"))
            try:
                wait_until(f"Caddy's certificate for {name}", found, timeout=120, interval=0.2)
            except RuntimeError:
                raise AssertionError("no certificate; Caddy said:\n" + env.log("caddy")[-3000:])
            crt = found()[0]
            with open(crt) as f:
                pem = f.read()
            leaf, chain = os.path.join(env.tmp, name + ".leaf.pem"), os.path.join(env.tmp, name + ".chain.pem")
            blocks = pem.split("-----END CERTIFICATE-----")
            with open(leaf, "w") as f:
                f.write(blocks[0] + "-----END CERTIFICATE-----\n")
            with open(chain, "w") as f:
                f.write("-----END CERTIFICATE-----".join(blocks[1:]))
            openssl_verify(env.root, leaf, chain)
            assert cert_names(leaf) == [name], cert_names(leaf)
            assert not re.search(r"\b405\b.{0,40}(Method|allowed)|\"status\": ?405", env.log("caddy")), \
                "Caddy got 405 Method Not Allowed somewhere"

        checks.run("Caddy issues over http-01", certificate, "http01.caddy.example.test")
        checks.run("Caddy issues over tls-alpn-01", certificate, "alpn.caddy.example.test")
    checks.finish()


if __name__ == "__main__":
    main()
