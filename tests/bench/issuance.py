"""Issuance benchmark: N complete ACME flows (newOrder, http-01, finalize, download)
against a real `signet serve` on loopback, bounded in count, with figures printed.
Not a test: nothing here asserts a speed.

    /usr/bin/python3 tests/bench/issuance.py --signet build/server/signet [--orders 100] [--workers 4]
        [--agents 3]

With --agents N, every validation is corroborated by N `signet vantage` agents on loopback.
"""
import argparse
import os
import statistics
import sys
import time
from concurrent.futures import ThreadPoolExecutor

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "integration"))
from acme_raw import Client, b64, csr_der  # noqa: E402
from harness import Env  # noqa: E402
from test_protocol import ChallengeResponder  # noqa: E402
from test_vantage import Agent  # noqa: E402
from cryptography.hazmat.primitives.asymmetric import ec  # noqa: E402


def one_flow(env, responder, i, timings):
    c = Client(env.directory, env.root)
    t0 = time.monotonic()
    c.register()
    t1 = time.monotonic()
    name = f"bench{i}.example.test"
    r = c.post(c.dir["newOrder"], {"identifiers": [{"type": "dns", "value": name}]})
    order_url, order = r.headers["Location"], r.json()
    az = c.post(order["authorizations"][0], None).json()
    ch = next(x for x in az["challenges"] if x["type"] == "http-01")
    responder.tokens[ch["token"]] = f"{ch['token']}.{c.key.thumbprint()}"
    c.post(ch["url"], {})
    while c.post(order["authorizations"][0], None).json()["status"] == "pending":
        time.sleep(0.005)  # polling interval of this client, not a wait for readiness
    t2 = time.monotonic()
    key = ec.generate_private_key(ec.SECP256R1())
    c.post(order["finalize"], {"csr": b64(csr_der(key, [name]))})
    cert_url = c.post(order_url, None).json()["certificate"]
    c.post(cert_url, None)
    t3 = time.monotonic()
    timings.append((t1 - t0, t2 - t1, t3 - t2, t3 - t0))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--signet", required=True)
    ap.add_argument("--orders", type=int, default=100)
    ap.add_argument("--workers", type=int, default=4)
    ap.add_argument("--agents", type=int, default=0, help="remote vantage agents (0-8)")
    a = ap.parse_args()
    a.orders = max(1, min(a.orders, 2000))  # bounded
    a.agents = max(0, min(a.agents, 8))
    agents = []

    def start_agents(env):
        agents.extend(Agent(env, f"agent-{i}") for i in range(a.agents))

    def config(env):
        return "".join(f'[[validation.perspectives]]\nname = "{x.name}"\nurl = "{x.url}"\n' for x in agents)

    with Env(a.signet, config_text=config, before_serve=start_agents) as env:
        responder = ChallengeResponder(env.http01_port)
        timings = []
        t0 = time.monotonic()
        with ThreadPoolExecutor(a.workers) as pool:
            for f in [pool.submit(one_flow, env, responder, i, timings) for i in range(a.orders)]:
                f.result()
        wall = time.monotonic() - t0
        responder.close()

    def ms(xs, q):
        return 1000 * (statistics.quantiles(xs, n=100)[q - 1] if len(xs) > 1 else xs[0])

    print(f"{a.orders} issuances, {a.workers} concurrent clients, {a.agents} vantage agents, {wall:.2f} s wall: "
          f"{a.orders / wall:.1f} certificates/s")
    for idx, label in enumerate(["newAccount", "order+validation", "finalize+download", "whole flow"]):
        xs = [t[idx] for t in timings]
        print(f"  {label:18s} p50 {ms(xs, 50):7.1f} ms   p95 {ms(xs, 95):7.1f} ms")


if __name__ == "__main__":
    main()
