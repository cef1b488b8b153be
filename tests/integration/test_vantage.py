"""Multi-perspective validation: a real Signet corroborating every validation from three
real `signet vantage` agents on loopback, each resolving through its own DNS server.
The DNS servers are told different things to play a network where some vantage points
see other answers: all agree, one disagrees, two disagree, the primary disagrees, an
agent is dead, an agent hangs. Also: mutual TLS refuses anyone but Signet, and lego
gets a certificate through the whole arrangement."""
import hashlib
import json
import os
import signal
import socket
import ssl
import urllib.request

from acme_raw import Client, b64
from harness import Checks, Env, lego_dns01, main_args, run, wait_until
from cryptography.hazmat.primitives import serialization
from test_protocol import ChallengeResponder, issue

ERR = "urn:ietf:params:acme:error:"
AGENTS = ["eu-1", "us-1", "ap-1"]
REMOTE_TIMEOUT = 3  # seconds, for the hung-agent check


class Agent:
    def __init__(self, env, name):
        self.name = name
        self.dns_port, self.dns_mgmt = env.start_dns("dns-" + name)
        self.creds = os.path.join(env.tmp, "creds-" + name)
        run([env.signet, "vantage-credentials", "--data-dir", env.data_dir, "--host", "127.0.0.1",
             "--out", self.creds])
        self.proc = env.start("signet-" + name, [
            env.signet, "vantage", "--credentials", self.creds, "--listen", "127.0.0.1:0",
            "--dns-resolver", f"127.0.0.1:{self.dns_port}", "--validation-allow", "127.0.0.0/8",
            "--http01-port", str(env.http01_port)])
        self.port = int(env.read_line(self.proc, r"listening on 127\.0\.0\.1:(\d+)", "agent " + name))
        self.url = f"https://127.0.0.1:{self.port}"


def set_txt(mgmt, name, value):
    body = json.dumps({"host": f"_acme-challenge.{name}.", "value": value}).encode()
    req = urllib.request.Request(f"http://127.0.0.1:{mgmt}/set-txt", data=body, method="POST")
    urllib.request.urlopen(req, timeout=5).read()


def main():
    args = main_args()
    checks = Checks()
    agents = []

    def start_agents(env):
        agents.extend(Agent(env, n) for n in AGENTS)

    def config(env):
        text = f"[validation]\nremote_timeout_seconds = {REMOTE_TIMEOUT}\n"
        for a in agents:
            text += f'[[validation.perspectives]]\nname = "{a.name}"\nurl = "{a.url}"\nregion = "r-{a.name}"\n'
        return text

    with Env(args.signet, config_text=config, before_serve=start_agents) as env:
        c = Client(env.directory, env.root)
        c.register()
        responder = ChallengeResponder(env.http01_port)
        by_name = {a.name: a for a in agents}

        def dns01(name, seen_by):
            """Orders name, publishes its dns-01 TXT record on the primary's DNS server
            (if "primary" is in seen_by) and the named agents' servers, validates, and
            returns the challenge once it is no longer processing."""
            r = c.post(c.dir["newOrder"], {"identifiers": [{"type": "dns", "value": name}]})
            assert r.status_code == 201, r.text
            az_url = r.json()["authorizations"][0]
            ch = next(x for x in c.post(az_url, None).json()["challenges"] if x["type"] == "dns-01")
            txt = b64(hashlib.sha256(f"{ch['token']}.{c.key.thumbprint()}".encode()).digest())
            if "primary" in seen_by:
                set_txt(env.dns_management_port, name, txt)
            for n in seen_by:
                if n != "primary":
                    set_txt(by_name[n].dns_mgmt, name, txt)
            assert c.post(ch["url"], {}).status_code == 200
            wait_until("validation", lambda: c.post(ch["url"], None).json()["status"] not in ("pending", "processing"),
                       timeout=60)
            return c.post(ch["url"], None).json()

        def verdicts(ch):
            return {p["name"]: p["verdict"] for p in ch["perspectives"]}

        def all_agree():
            ch = dns01("all.mpic.test", ["primary"] + AGENTS)
            assert ch["status"] == "valid", ch
            assert verdicts(ch) == {"primary": "valid", "eu-1": "valid", "us-1": "valid", "ap-1": "valid"} \
                or set(verdicts(ch).values()) <= {"valid", "notAwaited"}, ch

        def one_disagrees():
            ch = dns01("one.mpic.test", ["primary", "eu-1", "us-1"])
            assert ch["status"] == "valid", ch
            v = verdicts(ch)
            assert v["primary"] == "valid" and v["eu-1"] == "valid" and v["us-1"] == "valid", ch
            # The disagreeing agent is named in the record with what it saw: at once, or,
            # if the outcome was decided before it answered, as soon as it does.
            wait_until("ap-1's answer", lambda: verdicts(c.post(ch["url"], None).json())["ap-1"] == "invalid")
            ch = c.post(ch["url"], None).json()
            err = next(p for p in ch["perspectives"] if p["name"] == "ap-1")["error"]
            assert err["type"] == ERR + "unauthorized" and "one.mpic.test" in err["detail"], err
            assert ch["status"] == "valid", ch

        def two_disagree():
            ch = dns01("two.mpic.test", ["primary", "eu-1"])
            assert ch["status"] == "invalid", ch
            err = ch["error"]
            assert err["type"] == ERR + "unauthorized", err
            assert err["detail"].startswith("during corroboration from us-1: ") or \
                err["detail"].startswith("during corroboration from ap-1: "), err
            v = verdicts(ch)
            assert v["us-1"] == "invalid" and v["ap-1"] == "invalid", ch

        def primary_disagrees():
            ch = dns01("primary.mpic.test", AGENTS)
            assert ch["status"] == "invalid", ch
            assert ch["error"]["type"] == ERR + "unauthorized", ch
            assert "corroboration" not in ch["error"]["detail"], ch
            assert verdicts(ch)["primary"] == "invalid", ch

        def http01_records_name_each_agent():
            r = c.post(c.dir["newOrder"], {"identifiers": [{"type": "dns", "value": "web.mpic.test"}]})
            az_url = r.json()["authorizations"][0]
            ch = next(x for x in c.post(az_url, None).json()["challenges"] if x["type"] == "http-01")
            responder.tokens[ch["token"]] = f"{ch['token']}.{c.key.thumbprint()}"
            c.post(ch["url"], {})
            wait_until("validation", lambda: c.post(ch["url"], None).json()["status"] == "valid", timeout=60)
            seen = c.post(ch["url"], None).json()
            # Records come from the perspectives the outcome waited for (answers that
            # come later update only their verdict).
            names = {rec.get("perspective", "primary") for rec in seen["validationRecord"]}
            answered = {p["name"] for p in seen["perspectives"] if p["verdict"] == "valid"}
            assert names <= answered and len(names) >= 3, seen
            for rec in seen["validationRecord"]:
                assert rec["hostname"] == "web.mpic.test" and rec["addressUsed"] == "127.0.0.1", rec

        def mutual_tls_refuses_strangers():
            agent = agents[0]

            def post(ctx):
                with socket.create_connection(("127.0.0.1", agent.port), 5) as raw:
                    with ctx.wrap_socket(raw, server_hostname="127.0.0.1") as s:
                        s.sendall(b"POST /v1/validate HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                                  b"Content-Length: 2\r\n\r\n{}")
                        return s.recv(4096).decode()

            def ctx(cert=None, key=None):
                x = ssl.create_default_context(cafile=env.root)
                if cert:
                    x.load_cert_chain(cert, key)
                return x

            for who, context in [("no certificate", ctx()),
                                 ("an agent's server certificate",
                                  ctx(os.path.join(agent.creds, "vantage.pem"),
                                      os.path.join(agent.creds, "vantage-key.pem")))]:
                try:
                    answer = post(context)
                except (ssl.SSLError, ConnectionError, OSError):
                    continue  # refused, as it must be
                assert answer == "", f"agent answered a client with {who}: {answer[:80]}"
            # A client certificate from the same CA (the tlsclient profile), issued to an
            # ACME account, chains to the same root through the ACME issuer: refused.
            _, chain, key = issue(c, responder, ["127.0.0.1"], profile="tlsclient")
            acme_cert = os.path.join(env.tmp, "acme-client.pem")
            acme_key = os.path.join(env.tmp, "acme-client-key.pem")
            with open(acme_cert, "w") as f:
                f.write(chain)
            with open(acme_key, "wb") as f:
                f.write(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                          serialization.NoEncryption()))
            try:
                answer = post(ctx(acme_cert, acme_key))
            except (ssl.SSLError, ConnectionError, OSError):
                answer = ""
            assert answer == "", f"agent answered an ACME client certificate: {answer[:80]}"
            # Signet's own client certificate is let in; a bad request gets a problem.
            tls = os.path.join(env.data_dir, "tls")
            answer = post(ctx(os.path.join(tls, "client.pem"), os.path.join(tls, "client-key.pem")))
            assert answer.startswith("HTTP/1.1 400"), answer
            assert ERR + "malformed" in answer, answer

        def lego_through_agents():
            print("client: " + run(["lego", "--version"]).stdout.strip())
            lego_dns01(env, os.path.join(env.tmp, "lego"), ["*.lego.mpic.test", "lego.mpic.test"],
                       [env.dns_management_port] + [a.dns_mgmt for a in agents])

        def hung_agent_costs_its_deadline():
            hung = by_name["ap-1"]
            hung.proc.send_signal(signal.SIGSTOP)  # accepts connections, never answers
            try:
                # Decided by the primary and two agents without waiting for it.
                ch = dns01("hung-ok.mpic.test", ["primary"] + AGENTS)
                assert ch["status"] == "valid", ch
                assert verdicts(ch)["ap-1"] == "notAwaited", ch
                # Now it is needed: waited for up to the deadline, then counted as failed.
                ch = dns01("hung-fail.mpic.test", ["primary", "eu-1", "ap-1"])
                assert ch["status"] == "invalid", ch
                v = verdicts(ch)
                assert v["us-1"] == "invalid" and v["ap-1"] == "timedOut", ch
                timed_out = next(p for p in ch["perspectives"] if p["name"] == "ap-1")["error"]
                assert f"no answer within {REMOTE_TIMEOUT * 1000} ms" in timed_out["detail"], timed_out
            finally:
                hung.proc.send_signal(signal.SIGCONT)

        def dead_agent_per_quorum():
            dead = by_name["us-1"]
            dead.proc.kill()
            dead.proc.wait(10)
            ch = dns01("dead-ok.mpic.test", ["primary"] + AGENTS)
            assert ch["status"] == "valid", ch
            ch = dns01("dead-fail.mpic.test", ["primary", "eu-1"])
            assert ch["status"] == "invalid", ch
            assert "during corroboration from" in ch["error"]["detail"], ch

        checks.run("all perspectives agree: valid", all_agree)
        checks.run("one agent disagrees: valid by quorum, the record names it", one_disagrees)
        checks.run("two agents disagree: invalid, naming one", two_disagree)
        checks.run("the primary disagrees: invalid", primary_disagrees)
        checks.run("http-01 records name each perspective", http01_records_name_each_agent)
        checks.run("agents accept only Signet's client certificate, not an ACME one", mutual_tls_refuses_strangers)
        checks.run("lego gets a wildcard via dns-01 through three agents", lego_through_agents)
        checks.run("a hung agent costs at most its deadline", hung_agent_costs_its_deadline)
        checks.run("a dead agent fails, the outcome follows the quorum", dead_agent_per_quorum)
        responder.close()
    checks.finish()


if __name__ == "__main__":
    main()
