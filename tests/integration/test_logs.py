"""Structured logs on a real server: with `[log] format = "json"` every line the server
writes is one JSON object, and every request gets one line carrying its id (the same as
the response's X-Request-Id), method, route pattern, status, the account that signed it,
the problem type sent and the latency."""
import json

import requests

from acme_raw import Client
from harness import Checks, Env, main_args, wait_until


def main():
    args = main_args()
    checks = Checks()
    with Env(args.signet, config_text='[log]\nformat = "json"\n') as env:
        state = {}

        def lines():
            out = []
            for line in env.log().splitlines():
                if line.strip():
                    out.append(json.loads(line))  # every line is an object
            return out

        def requests_are_logged():
            r = requests.get(env.directory, verify=env.root, timeout=5)
            state["directory_id"] = r.headers["X-Request-Id"]
            c = Client(env.directory, env.root)
            c.register()
            state["account"] = c.kid.rsplit("/", 1)[1]
            r = c.post(c.dir["newOrder"], {"identifiers": [{"type": "dns", "value": "bad..name"}]})
            assert r.status_code == 400, r.text
            state["refused_id"] = r.headers["X-Request-Id"]

            def logged():
                return {l.get("id"): l for l in lines() if l.get("msg") == "request"}

            wait_until("the request lines",
                       lambda: {state["directory_id"], state["refused_id"]} <= logged().keys(),
                       timeout=10, interval=0.1)
            by_id = logged()
            d = by_id[state["directory_id"]]
            assert d["method"] == "GET" and d["route"] == "/directory" and d["status"] == 200, d
            assert d["account"] == "" and d["problem"] == "" and d["latency_us"] >= 0, d
            refused = by_id[state["refused_id"]]
            assert refused["route"] == "/acme/new-order" and refused["status"] == 400, refused
            assert refused["account"] == state["account"], refused
            assert refused["problem"] in ("rejectedIdentifier", "malformed"), refused
            assert refused["level"] == "info" and refused["time"].endswith("Z"), refused

        def every_line_is_json():
            assert any(l.get("msg") == "ready" for l in lines())

        checks.run("one JSON line per request, with its id, account and problem", requests_are_logged)
        checks.run("every line is a JSON object", every_line_is_json)
    return checks.finish()


if __name__ == "__main__":
    raise SystemExit(main())
