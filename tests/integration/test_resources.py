"""Every URL Signet hands out, walked from the directory: each takes POST-as-GET (or GET,
where RFC 8555 §6.3 allows it), a certificate is served only to the account that ordered
it, and the home page and root certificate are there for people."""
import re
import urllib.request
import ssl

from acme_raw import Client
from harness import Checks, Env, main_args
from test_protocol import ChallengeResponder, issue, problem


def urls_in(value, base):
    """Every string under base in a JSON value."""
    if isinstance(value, str):
        return [value] if value.startswith(base) else []
    if isinstance(value, list):
        return [u for v in value for u in urls_in(v, base)]
    if isinstance(value, dict):
        return [u for v in value.values() for u in urls_in(v, base)]
    return []


def header_urls(r):
    out = [r.headers["Location"]] if "Location" in r.headers else []
    for link in r.headers.get("Link", "").split(","):
        m = re.match(r"\s*<([^>]+)>", link)
        if m:
            out.append(m.group(1))
    return out


def main():
    args = main_args()
    checks = Checks()
    with Env(args.signet) as env:
        responder = ChallengeResponder(env.http01_port)
        c = Client(env.directory, env.root)
        c.register()
        order_url, _, _ = issue(c, responder, ["walk.example.test"])
        # Resources that act when POSTed: they take their own payloads, not POST-as-GET.
        actions = {c.dir[k] for k in ("newAccount", "newOrder", "revokeCert", "keyChange", "newAuthz")}
        # A prefix that certIDs follow (RFC 9773 §4.1), not a resource: test_ari walks it.
        actions.add(c.dir["renewalInfo"])

        def walk_every_url():
            seen, queue = set(), [env.directory, c.kid, order_url]
            while queue:
                url = queue.pop()
                if url in seen or url in actions or url.endswith("/finalize"):
                    continue
                seen.add(url)
                if url == env.directory or url == c.dir["newNonce"]:
                    r = c.s.get(url)
                    assert r.status_code in (200, 204), (url, r.status_code, r.text)
                elif url == c.dir["meta"].get("website"):
                    continue  # the home page: checked below
                else:
                    r = c.post(url, None)
                    assert r.status_code == 200, (url, r.status_code, r.text)
                found = header_urls(r)
                if r.headers.get("Content-Type", "").startswith("application/json"):
                    found += urls_in(r.json(), env.base)
                queue += [u for u in found if u.startswith(env.base)]
            kinds = {re.sub(r"/[A-Za-z0-9_-]{8,}", "/ID", u[len(env.base):]) for u in seen}
            print("  walked: " + ", ".join(sorted(kinds)))
            for part in ("/acme/issuer", "/acme/cert/ID", "/acme/chall/ID/ID", "/acme/authz/ID",
                         "/acme/order/ID", "/acme/acct/ID/orders"):
                assert part in kinds, f"{part} not reached: {sorted(kinds)}"

        def certificates_are_private():
            cert_url = c.post(order_url, None).json()["certificate"]
            other = Client(env.directory, env.root)
            other.register()
            problem(other.post(cert_url, None), 404, "malformed")
            # The issuer chain stays public, with GET and with POST-as-GET.
            assert other.post(env.base + "/acme/issuer", None).status_code == 200
            assert other.s.get(env.base + "/acme/issuer").status_code == 200

        def home_page_and_root():
            website = c.dir["meta"]["website"]
            assert website == env.base + "/", c.dir["meta"]
            ctx = ssl.create_default_context(cafile=env.root)
            with urllib.request.urlopen(website, context=ctx, timeout=5) as r:
                page = r.read().decode()
                assert r.headers["Content-Type"].startswith("text/html"), r.headers
            assert env.directory in page and "/root.pem" in page, page
            with urllib.request.urlopen(env.base + "/root.pem", context=ctx, timeout=5) as r:
                pem = r.read().decode()
            with open(env.root) as f:
                assert pem == f.read()

        checks.run("every URL in every response takes POST-as-GET", walk_every_url)
        checks.run("a certificate is served only to the account that ordered it", certificates_are_private)
        checks.run("home page and /root.pem", home_page_and_root)
        responder.close()
    checks.finish()


if __name__ == "__main__":
    main()
