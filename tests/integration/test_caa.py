"""CAA (RFC 8659, RFC 8657) against a real Signet and a real DNS server serving CAA
records: allow, deny, tree climbing, issuewild, accounturi and validationmethods; and
dns-01 through a CNAME, as when the challenge record is delegated to another zone."""
import hashlib
import json
import urllib.request

from acme_raw import Client, b64
from harness import Checks, Env, main_args, wait_until
from test_protocol import ChallengeResponder, issue

ERR = "urn:ietf:params:acme:error:"


def main():
    args = main_args()
    checks = Checks()
    config = '[directory]\ncaa_identities = ["signet.test"]\n'
    with Env(args.signet, config_text=config) as env:
        responder = ChallengeResponder(env.http01_port)
        mgmt = f"http://127.0.0.1:{env.dns_management_port}"

        def dns(path, body):
            req = urllib.request.Request(mgmt + path, data=json.dumps(body).encode(), method="POST")
            urllib.request.urlopen(req, timeout=5).read()

        def caa(host, *policies):
            dns("/add-caa", {"host": host + ".", "policies": [{"tag": t, "value": v} for t, v in policies]})

        def attempt(c, name, method="http-01", txt_host=None):
            """Validates one identifier; returns the final authorization. dns-01 publishes
            its TXT record at txt_host (default: _acme-challenge.<name>)."""
            r = c.post(c.dir["newOrder"], {"identifiers": [{"type": "dns", "value": name}]})
            assert r.status_code == 201, r.text
            az_url = r.json()["authorizations"][0]
            az = c.post(az_url, None).json()
            ch = next(x for x in az["challenges"] if x["type"] == method)
            keyauth = f"{ch['token']}.{c.key.thumbprint()}"
            if method == "http-01":
                responder.tokens[ch["token"]] = keyauth
            else:
                txt = b64(hashlib.sha256(keyauth.encode()).digest())
                host = txt_host or f"_acme-challenge.{az['identifier']['value']}."
                dns("/set-txt", {"host": host, "value": txt})
            assert c.post(ch["url"], {}).status_code == 200
            wait_until("validation", lambda: c.post(az_url, None).json()["status"] != "pending")
            return c.post(az_url, None).json()

        def refused_by_caa(az, record_text):
            assert az["status"] == "invalid", az
            err = az["challenges"][0].get("error") or next(x["error"] for x in az["challenges"] if "error" in x)
            assert err["type"] == ERR + "caa", err
            assert record_text in err["detail"], err["detail"]

        c = Client(env.directory, env.root)
        c.register()

        def allow():
            caa("allow.caa.test", ("issue", "signet.test"))
            issue(c, responder, ["allow.caa.test"])

        def deny():
            caa("deny.caa.test", ("issue", "other-ca.test"))
            refused_by_caa(attempt(c, "deny.caa.test"), 'issue "other-ca.test"')

        def tree_climbing():
            caa("parent.caa.test", ("issue", "other-ca.test"))
            refused_by_caa(attempt(c, "child.parent.caa.test"), "CAA at parent.caa.test")
            caa("ok.parent.caa.test", ("issue", "signet.test"))
            assert attempt(c, "www.ok.parent.caa.test")["status"] == "valid"

        def issuewild():
            caa("wild.caa.test", ("issue", "signet.test"), ("issuewild", ";"))
            assert attempt(c, "wild.caa.test")["status"] == "valid"
            refused_by_caa(attempt(c, "*.wild.caa.test", "dns-01"), 'issuewild ";"')

        def accounturi():
            caa("acct.caa.test", ("issue", f"signet.test; accounturi={c.kid}"))
            assert attempt(c, "acct.caa.test")["status"] == "valid"
            other = Client(env.directory, env.root)
            other.register()
            refused_by_caa(attempt(other, "acct.caa.test"), "accounturi")

        def validationmethods():
            caa("vm.caa.test", ("issue", "signet.test; validationmethods=dns-01"))
            refused_by_caa(attempt(c, "vm.caa.test", "http-01"), "validationmethods")
            assert attempt(c, "vm2.caa.test", "dns-01")["status"] == "valid"  # no CAA there
            caa("vm3.caa.test", ("issue", "signet.test; validationmethods=dns-01"))
            assert attempt(c, "vm3.caa.test", "dns-01")["status"] == "valid"

        def dns01_through_cname():
            dns("/set-cname", {"host": "_acme-challenge.cname.caa.test.",
                               "target": "_acme-challenge.delegated.example."})
            az = attempt(c, "cname.caa.test", "dns-01", txt_host="_acme-challenge.delegated.example.")
            assert az["status"] == "valid", az

        checks.run("dns-01 follows a CNAME to the delegated record", dns01_through_cname)
        checks.run("CAA issue naming this CA permits", allow)
        checks.run("CAA issue naming another CA refuses, naming the record", deny)
        checks.run("CAA tree climbing finds the closest RRset", tree_climbing)
        checks.run("CAA issuewild governs wildcards", issuewild)
        checks.run("CAA accounturi (RFC 8657)", accounturi)
        checks.run("CAA validationmethods (RFC 8657)", validationmethods)
        responder.close()
    checks.finish()


if __name__ == "__main__":
    main()
