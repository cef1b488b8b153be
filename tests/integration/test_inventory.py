"""The certificate inventory on the admin listener of a real server: after certificates
are issued over ACME (one under the shortlived profile) and one is revoked, headless
Chromium loads GET / and its DOM lists the issued names, with the counts and the chart;
a screenshot is kept as a test artifact. The details page and the PEM link serve the
issued certificate; the expiring-within, name and status filters select what they say;
a bad query gets a 400 page and everything reflected is escaped; the pages forbid
scripts and outside loads (Content-Security-Policy) and only answer GET and HEAD."""
import argparse
import os
import re
import shutil
import subprocess
import tempfile
import urllib.error
import urllib.request

from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding

from acme_raw import Client, b64
from harness import Checks, Env
from test_protocol import ChallengeResponder, issue, problem

# Chromium can take long to start on a loaded machine.
CHROMIUM_TIMEOUT = 120
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def fetch(url, method="GET"):
    req = urllib.request.Request(url, method=method)
    try:
        with urllib.request.urlopen(req, timeout=10) as r:
            return r.status, r.headers, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.headers, e.read()


def serial_of(pem):
    """The serial as Signet prints it: its bytes in hex, a leading zero kept."""
    hex_digits = format(x509.load_pem_x509_certificate(pem.encode()).serial_number, "x")
    return hex_digits.zfill(len(hex_digits) + len(hex_digits) % 2)


def listed_serials(html):
    """The serials the inventory lists, in its order."""
    return re.findall(r'<a class="serial" href="certificates/([0-9a-f]+)"', html)


def chromium(profile_dir, *args):
    """Runs headless Chromium with a profile of its own; returns the completed process."""
    cmd = ["chromium", "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
           "--no-first-run", "--no-default-browser-check", f"--user-data-dir={profile_dir}",
           "--enable-logging=stderr", "--v=0", *args]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=CHROMIUM_TIMEOUT)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--signet", required=True, help="path to the signet binary")
    args = ap.parse_args()
    # The build tree's tests/integration/artifacts (ctest says where), else beside the binary.
    artifacts = os.environ.get("SIGNET_TEST_ARTIFACTS") or os.path.join(
        os.path.dirname(os.path.dirname(os.path.abspath(args.signet))), "tests", "integration",
        "artifacts")
    checks = Checks()
    with Env(args.signet) as env:
        responder = ChallengeResponder(env.http01_port)
        c = Client(env.directory, env.root)
        base = env.admin_base
        state = {}

        def page(query=""):
            status, headers, body = fetch(base + "/" + query)
            return status, headers, body.decode()

        def issued_and_revoked():
            c.register()
            state["account"] = c.kid.rsplit("/", 1)[1]
            for key, names, profile in (("www", ["www.inventory.test", "inventory.test"], None),
                                        ("short", ["short.inventory.test"], "shortlived"),
                                        ("gone", ["gone.inventory.test"], None)):
                _, pem, _ = issue(c, responder, names, profile=profile)
                state[key] = {"pem": pem, "serial": serial_of(pem)}
            der = x509.load_pem_x509_certificate(state["gone"]["pem"].encode()).public_bytes(
                Encoding.DER)
            r = c.post(c.dir["revokeCert"], {"certificate": b64(der), "reason": 4})
            assert r.status_code == 200, r.text
            r = c.post(c.dir["revokeCert"], {"certificate": b64(der)})
            problem(r, 400, "alreadyRevoked")

        def chromium_renders_the_inventory():
            assert base.startswith("http://127.0.0.1:"), base
            profile = tempfile.mkdtemp(prefix="signet-chromium-")
            try:
                p = chromium(profile, "--dump-dom", base + "/")
                assert p.returncode == 0, p.stderr[-3000:]
                dom = p.stdout
                for name in ("www.inventory.test", "short.inventory.test", "gone.inventory.test"):
                    assert name in dom, dom[:3000]
                assert "Certificate inventory" in dom and "<svg" in dom, dom[:3000]
                assert "revoked (superseded)" in dom, dom
                # Nothing on the page breaks its own Content-Security-Policy (Chromium logs
                # each blocked style, script or load to the console).
                assert "Content Security Policy" not in p.stderr, p.stderr[-3000:]

                os.makedirs(artifacts, exist_ok=True)
                shot = os.path.join(artifacts, "inventory.png")
                if os.path.exists(shot):
                    os.remove(shot)
                p = chromium(profile, f"--screenshot={shot}", "--window-size=1280,900",
                             "--hide-scrollbars", base + "/")
                assert p.returncode == 0, p.stderr[-3000:]
                with open(shot, "rb") as f:
                    png = f.read()
                assert png.startswith(PNG_SIGNATURE) and len(png) > 1000, len(png)
                # IHDR: width and height as asked.
                width, height = int.from_bytes(png[16:20], "big"), int.from_bytes(png[20:24], "big")
                assert (width, height) == (1280, 900), (width, height)
                print(f"screenshot: {shot} ({len(png)} bytes)", flush=True)
            finally:
                shutil.rmtree(profile, ignore_errors=True)

        def the_page_lists_and_counts():
            status, headers, html = page()
            assert status == 200, status
            assert headers["Content-Type"] == "text/html; charset=utf-8", headers
            csp = headers["Content-Security-Policy"]
            assert "default-src 'none'" in csp and "script-src" not in csp, csp
            assert headers["X-Content-Type-Options"] == "nosniff", headers
            serials = listed_serials(html)
            # Soonest expiry first: the shortlived one (160 hours), then the 90-day ones.
            assert serials[0] == state["short"]["serial"], serials
            assert set(serials) == {state[k]["serial"] for k in ("www", "short", "gone")}, serials
            assert "<b>2</b>valid" in html and "<b>1</b>revoked" in html, html
            assert "<b>1</b>expiring within 30 days" in html and "<b>0</b>expired" in html, html
            assert "issued: 3</title>" in html, html  # today's bar
            assert state["account"] in html

        def details_and_pem():
            s = state["www"]
            status, _, html = page()
            m = re.search(r'href="(certificates/%s\.pem)"' % s["serial"], html)
            assert m, html
            status, headers, body = fetch(base + "/" + m.group(1))
            assert status == 200, status
            assert headers["Content-Type"] == "application/pem-certificate-chain", headers
            assert body.decode() == s["pem"], body
            chain = [x509.load_pem_x509_certificate(b + b"-----END CERTIFICATE-----\n")
                     for b in body.split(b"-----END CERTIFICATE-----\n") if b.strip()]
            issued = x509.load_pem_x509_certificate(s["pem"].encode())
            assert len(chain) == 2 and chain[0] == issued, chain
            san = chain[0].extensions.get_extension_for_class(x509.SubjectAlternativeName)
            assert sorted(san.value.get_values_for_type(x509.DNSName)) == [
                "inventory.test", "www.inventory.test"], san

            status, _, html = page("certificates/" + s["serial"].upper())
            assert status == 200, status
            for part in ("<li>www.inventory.test</li>", "<li>inventory.test</li>", state["account"],
                         ">valid<", "tlsserver", "BEGIN CERTIFICATE", 'href="%s.pem"' % s["serial"]):
                assert part in html, (part, html)
            # The leaf of the PEM shown is the certificate issued.
            shown = re.search(r"<pre>(-----BEGIN CERTIFICATE-----.*?-----END CERTIFICATE-----\n)</pre>",
                              html, re.S).group(1)
            assert x509.load_pem_x509_certificate(shown.encode()) == issued

            status, _, html = page("certificates/" + state["gone"]["serial"])
            assert status == 200 and "revoked (superseded)" in html, html
            assert "<dt>Revocation reason</dt><dd>superseded</dd>" in html, html
            for unknown in ("certificates/ffff", "certificates/ffff.pem", "certificates/nope"):
                status, headers, html = page(unknown)
                assert status == 404 and "No certificate has serial" in html, (unknown, status)
                assert headers["Content-Type"] == "text/html; charset=utf-8", headers

        def filters_select():
            def listed(query):
                status, _, html = page("?" + query)
                assert status == 200, (query, status, html)
                return {k for k in ("www", "short", "gone") if state[k]["serial"] in listed_serials(html)}

            assert listed("expiring=7") == {"short"}
            assert listed("expiring=100") == {"www", "short"}  # not the revoked one
            assert listed("expiring=100&status=valid&name=") == {"www", "short"}
            assert listed("name=inventory.test") == {"www", "short", "gone"}
            assert listed("name=WWW.Inventory.Test") == {"www"}
            assert listed("name=short.inventory.test") == {"short"}
            assert listed("name=ventory.test") == set()
            assert listed("status=revoked") == {"gone"}
            assert listed("status=expired") == set()
            status, _, html = page("?expiring=7")
            assert "<b>1</b>expiring within 7 days" in html, html

        def bad_and_hostile_queries():
            status, headers, html = page("?expiring=%3Cscript%3Ealert(1)%3C/script%3E")
            assert status == 400, status
            assert headers["Content-Type"] == "text/html; charset=utf-8", headers
            assert "whole number of days" in html and "<script" not in html, html
            assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html, html
            status, _, html = page("?name=%22%3E%3Cscript%3Ealert(1)%3C/script%3E")
            assert status == 200 and "<script" not in html, html
            assert 'value="&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;"' in html, html
            assert "No certificate matches." in html, html
            status, _, html = page("?status=maybe")
            assert status == 400 and "give valid, expired or revoked" in html, html

        def get_and_head_only():
            status, headers, body = fetch(base + "/", method="HEAD")
            assert status == 200 and body == b"", (status, body)
            for path in ("/", "/certificates/" + state["www"]["serial"]):
                status, headers, _ = fetch(base + path, method="POST")
                assert status == 405 and headers["Allow"] == "GET, HEAD", (path, status)

        checks.run("certificates are issued and one is revoked", issued_and_revoked)
        if "gone" in state:
            checks.run("headless Chromium renders the inventory; a screenshot is kept",
                       chromium_renders_the_inventory)
            checks.run("the inventory lists soonest expiry first and counts by status",
                       the_page_lists_and_counts)
            checks.run("the details page and the PEM link serve the issued certificate",
                       details_and_pem)
            checks.run("expiring-within, name and status filters select", filters_select)
            checks.run("a bad query is refused and what is reflected is escaped",
                       bad_and_hostile_queries)
            checks.run("only GET and HEAD", get_and_head_only)
        responder.close()
    checks.finish()


if __name__ == "__main__":
    main()
