"""Several `signet serve` nodes on one database behind a load balancer that sends each
request to a node chosen at random, as a deployment behind an HTTP load balancer does.

The balancer terminates TLS with a certificate for localhost signed by the test's own
copy of Signet's root key, and forwards each request over a new HTTPS connection to a
node it picks at random among those that accept a connection; the nodes' external_url
is the balancer's, so every URL they hand out leads back to it."""
import datetime
import http.client
import os
import random
import re
import signal
import ssl
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from harness import free_port, wait_until

HOP_BY_HOP = {"connection", "keep-alive", "transfer-encoding", "content-length", "te", "upgrade",
              "proxy-connection"}


def localhost_certificate(root_cert_file, root_key_file, out_dir):
    """A TLS certificate for localhost signed by the root; returns (cert file, key file)."""
    with open(root_cert_file, "rb") as f:
        root = x509.load_pem_x509_certificate(f.read())
    with open(root_key_file, "rb") as f:
        root_key = serialization.load_pem_private_key(f.read(), None)
    key = ec.generate_private_key(ec.SECP256R1())
    now = datetime.datetime.now(datetime.timezone.utc)
    cert = (x509.CertificateBuilder()
            .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "balancer")]))
            .issuer_name(root.subject)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(minutes=5))
            .not_valid_after(now + datetime.timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName([x509.DNSName("localhost")]), critical=False)
            .add_extension(x509.ExtendedKeyUsage([x509.oid.ExtendedKeyUsageOID.SERVER_AUTH]),
                           critical=False)
            .sign(root_key, hashes.SHA384()))
    cert_file, key_file = os.path.join(out_dir, "balancer.pem"), os.path.join(out_dir, "balancer-key.pem")
    with open(cert_file, "wb") as f:
        f.write(cert.public_bytes(serialization.Encoding.PEM))
    with open(key_file, "wb") as f:
        f.write(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                  serialization.NoEncryption()))
    return cert_file, key_file


class Balancer:
    """Forwards each request to a random node that accepts a connection; a request that
    reached a node which then went away gets 502. Counts requests per node."""

    def __init__(self, port, cert_file, key_file, root_file):
        self.nodes = {}  # name -> (host, port)
        self.counts = {}
        self.lock = threading.Lock()
        upstream = ssl.create_default_context(cafile=root_file)
        upstream.check_hostname = False  # nodes are reached by address; their chain is checked
        balancer = self

        class H(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def forward(self):
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else None
                with balancer.lock:
                    candidates = list(balancer.nodes.items())
                random.shuffle(candidates)
                for name, (host, port) in candidates:
                    conn = http.client.HTTPSConnection(host, port, context=upstream, timeout=60)
                    try:
                        conn.connect()
                    except OSError:
                        conn.close()
                        continue  # that node is down: the next one
                    try:
                        headers = {k: v for k, v in self.headers.items() if k.lower() not in HOP_BY_HOP}
                        conn.request(self.command, self.path, body=body, headers=headers)
                        r = conn.getresponse()
                        data = r.read()
                    except OSError:
                        # The node went away with the request: it may have acted on it, so
                        # it is not sent again (as a load balancer does with POSTs).
                        conn.close()
                        break
                    conn.close()
                    with balancer.lock:
                        balancer.counts[name] = balancer.counts.get(name, 0) + 1
                    self.send_response(r.status)
                    for k, v in r.getheaders():
                        if k.lower() not in HOP_BY_HOP:
                            self.send_header(k, v)
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    if self.command != "HEAD":
                        self.wfile.write(data)
                    return
                self.send_response(502)
                self.send_header("Content-Length", "0")
                self.end_headers()

            do_GET = do_POST = do_HEAD = forward

            def log_message(self, *a):
                pass

        ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        ctx.load_cert_chain(cert_file, key_file)
        self.httpd = ThreadingHTTPServer(("127.0.0.1", port), H)
        self.httpd.daemon_threads = True
        self.httpd.socket = ctx.wrap_socket(self.httpd.socket, server_side=True)
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()


class Cluster:
    """Nodes of one database started from `env` (a harness.Env whose own server is the
    first node, "a"), all with external_url = the balancer's URL."""

    def __init__(self, env, port):
        self.env = env
        self.port = port
        self.base = f"https://localhost:{port}"
        self.directory = self.base + "/directory"
        self.nodes = {}  # name -> (process, admin base, (host, port))
        cert, key = localhost_certificate(env.root, os.path.join(env.data_dir, "ca", "root-key.pem"),
                                          env.tmp)
        self.balancer = Balancer(port, cert, key, env.root)
        self.adopt("a", env.server)

    def node_args(self, name):
        """The first node's arguments (ports 0: fresh ones) with this node's name."""
        args, it = [], iter(self.env.server_args)
        for a in it:
            if a == "--node-name":
                next(it)
            else:
                args.append(a)
        return args + ["--node-name", name]

    def adopt(self, name, proc):
        """Reads a started node's addresses from its output and puts it behind the balancer."""
        listen = self.printed(proc, r"listening on (\S+)", name)
        admin = self.printed(proc, r"Admin:\s+(\S+?)/?$", name)
        host, port = listen.rsplit(":", 1)
        self.nodes[name] = (proc, admin, (host, int(port)))
        ctx = ssl.create_default_context(cafile=self.env.root)
        ctx.check_hostname = False
        wait_until(f"node {name}", lambda: _get(host, int(port), ctx, "/directory") == 200)
        with self.balancer.lock:
            self.balancer.nodes[name] = (host, int(port))

    def printed(self, proc, pattern, name):
        """What a node printed, whether the harness read it already or not."""
        for line in self.env.printed.get(proc.pid, []):
            m = re.search(pattern, line)
            if m:
                return m.group(1)
        return self.env.read_line(proc, pattern, name)

    def start(self, name):
        proc = self.env.start(f"signet-{name}", self.node_args(name), self.env.server_env,
                              self.env.server_preexec)
        self.adopt(name, proc)
        return proc

    def kill(self, name, sig=signal.SIGKILL):
        proc = self.nodes[name][0]
        with self.balancer.lock:
            self.balancer.nodes.pop(name, None)
        proc.send_signal(sig)
        proc.wait(30)

    def address(self, name):
        return self.nodes[name][2]

    def close(self):
        self.balancer.close()


def _get(host, port, ctx, path):
    conn = http.client.HTTPSConnection(host, port, context=ctx, timeout=5)
    try:
        conn.request("GET", path)
        return conn.getresponse().status
    finally:
        conn.close()


def node_url(cluster, name, url):
    """url (on the balancer) as sent straight to one node."""
    host, port = cluster.address(name)
    return re.sub(r"^https://localhost:\d+", f"https://{host}:{port}", url)
