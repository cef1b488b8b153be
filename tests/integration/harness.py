"""Runs a real `signet serve` and a real DNS server on loopback for integration tests.

Ports are chosen at run time. Readiness is checked by polling, never by sleeping a
fixed time. Everything started is stopped at exit.

With --postgresql (main_args), every Env keeps Signet's state in a throwaway PostgreSQL
server of its own (tests/postgresql.sh) instead of SQLite in the data directory.
"""
import argparse
import os
import random
import re
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import tempfile
import time
import urllib.request


POSTGRESQL_SCRIPT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "postgresql.sh")
# Set by main_args() from --postgresql: the default of Env(postgresql=...).
USE_POSTGRESQL = False
# tests/postgresql.sh's exit code when PostgreSQL is not installed; ctest reports it skipped.
EXIT_SKIPPED = 77


class PostgreSQL:
    """A throwaway PostgreSQL server (tests/postgresql.sh) in a directory of its own."""

    def __init__(self, directory):
        self.dir = directory
        self.url = self._script("start").strip().splitlines()[-1]

    def _script(self, cmd):
        p = subprocess.run([POSTGRESQL_SCRIPT, cmd, self.dir], capture_output=True, text=True)
        if p.returncode == EXIT_SKIPPED:
            print(f"SKIP: {p.stderr.strip()}", flush=True)
            sys.exit(EXIT_SKIPPED)
        if p.returncode != 0:
            raise RuntimeError(f"postgresql.sh {cmd}: {p.stderr.strip()}")
        return p.stdout

    def stop(self):
        """Stops the server (fast shutdown: connections are closed), keeping its data."""
        self._script("stop")

    def start(self):
        self._script("start")

    def destroy(self):
        self._script("destroy")


def _ephemeral_floor():
    """The lowest port the kernel hands out for port 0 and outgoing connections."""
    try:
        with open("/proc/sys/net/ipv4/ip_local_port_range") as f:
            return int(f.read().split()[0])
    except (OSError, ValueError, IndexError):
        return 32768


def free_port(kind=socket.SOCK_STREAM):
    """A port that is free now on 127.0.0.1 (for tools that cannot take port 0). It is
    below the kernel's ephemeral range, so that no server listening on port 0 and no
    outgoing connection takes it before the tool binds it."""
    floor = _ephemeral_floor()
    for _ in range(200):
        port = random.randrange(10000, floor) if floor > 10001 else 0
        with socket.socket(socket.AF_INET, kind) as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                continue
            return s.getsockname()[1]
    raise RuntimeError("no free port below the ephemeral range")


def free_port_tcp_udp():
    for _ in range(50):
        port = free_port()
        try:
            with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as u:
                u.bind(("127.0.0.1", port))
            return port
        except OSError:
            continue
    raise RuntimeError("no free TCP+UDP port")


# Load tests run every client from 127.0.0.1: the per-address connection rules would
# refuse a client or not depending on how many connections happen to be open.
NO_PER_ADDRESS_LIMITS = """
[limits]
max_connections_per_address = 0
"""

# A configuration that switches every rate limit off, for load tests.
NO_RATE_LIMITS = """
[rate_limits]
new_orders_per_account = ""
certificates_per_domain = ""
failed_validations_per_account_name = ""
new_accounts_per_ip = ""
pending_authorizations_per_account = 0
"""


def wait_until(what, check, timeout=30.0, interval=0.05):
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        try:
            if check():
                return
        except Exception as e:  # not ready yet
            last = e
        time.sleep(interval)
    raise RuntimeError(f"timed out waiting for {what}: {last}")


class Env:
    """A DNS server answering every A query with 127.0.0.1, and a Signet server that
    resolves through it and may validate on loopback."""

    def __init__(self, signet, extra_args=(), config_text=None, before_serve=None, server_env=None,
                 server_preexec=None, dns=True, postgresql=None):
        """server_env: extra environment variables for `signet serve`; server_preexec, if
        given, runs in each `signet serve` process before it starts (to set its resource
        limits, say). dns=False: no DNS server runs, the server's resolver is a port where
        nothing answers and no --validation-allow is given (for the test CA mode, which
        needs neither). postgresql: keep the state in a PostgreSQL server of the
        environment's own (default: --postgresql); self.postgresql is it, or None."""
        self.signet = signet
        self.server_env = server_env
        self.server_preexec = server_preexec
        self.tmp = tempfile.mkdtemp(prefix="signet-it-")
        self.procs = []
        self.printed = {}  # pid -> the lines read_line() read from that process's stdout
        self.postgresql = None
        if USE_POSTGRESQL if postgresql is None else postgresql:
            os.chmod(self.tmp, 0o755)  # the server may run as another user (as root: nobody)
            self.postgresql = PostgreSQL(os.path.join(self.tmp, "postgresql"))
        self.http01_port = free_port()
        self.tlsalpn01_port = free_port()
        if dns:
            self.dns_port, self.dns_management_port = self.start_dns("dns")
        else:
            self.dns_port, self.dns_management_port = free_port_tcp_udp(), None
        self.data_dir = os.path.join(self.tmp, "data")
        if before_serve is not None:
            before_serve(self)  # may start more processes with self.start()
        if callable(config_text):
            config_text = config_text(self)
        args = [signet, "serve", "--data-dir", self.data_dir, "--listen", "127.0.0.1:0",
                "--http-listen", "127.0.0.1:0", "--admin-listen", "127.0.0.1:0",
                "--http01-port", str(self.http01_port),
                "--tlsalpn01-port", str(self.tlsalpn01_port),
                "--dns-resolver", f"127.0.0.1:{self.dns_port}"]
        if dns:
            args += ["--validation-allow", "127.0.0.0/8"]
        if self.postgresql:
            args += ["--database", self.postgresql.url]
        if config_text is not None:
            path = os.path.join(self.tmp, "signet.toml")
            with open(path, "w") as f:
                f.write(config_text)
            args += ["--config", path]
        args += list(extra_args)
        self.server_args = args
        try:
            self.serve("signet")
        except BaseException:
            sys.stderr.write(f"--- signet log ({self.tmp}) ---\n{self.log()}\n")
            self.close(keep=True)
            raise

    def serve(self, name):
        """Starts `signet serve` with the environment's arguments (its log is NAME.log)
        and waits until its directory answers."""
        self.server = self.start(name, self.server_args, self.server_env, self.server_preexec)
        # "Signet ACME server listening on 127.0.0.1:PORT": where it answers, whatever
        # external_url says.
        self.listen = self.read_line(self.server, r"listening on (\S+)", name)
        self.directory = self.read_line(self.server, r"Directory URL:\s+(\S+)", name)
        # "CRLs: http://localhost:PORT/crl/<issuer id>/0.crl ... .../15.crl"
        crls = self.read_line(self.server, r"CRLs:\s+(\S+/crl/[0-9a-f]+)/0\.crl", name)
        self.crl_base, self.crl_issuer = crls.rsplit("/crl/", 1)
        # "Admin: http://127.0.0.1:PORT/" (https:// with [server] admin_client_ca)
        self.admin_base = self.read_line(self.server, r"Admin:\s+(\S+?)/?$", name)
        self.root = os.path.join(self.data_dir, "root.pem")
        self.base = self.directory.rsplit("/directory", 1)[0]
        ctx = ssl.create_default_context(cafile=self.root)
        ctx.check_hostname = False  # reached by address; the chain is still checked
        wait_until("Signet directory",
                   lambda: urllib.request.urlopen(f"https://{self.listen}/directory", context=ctx,
                                                  timeout=2).status == 200)

    def restart_server(self, name="signet-restart"):
        """Starts the server again on the same data directory once the previous one has
        exited. It listens on a new port: directory and base change."""
        assert self.server.poll() is not None, "the previous server is still running"
        self.serve(name)

    def start(self, name, args, extra_env=None, preexec_fn=None):
        """Starts a process stopped with the environment; its stderr goes to NAME.log
        (its stdout too, except for signet processes, whose stdout is piped)."""
        log = open(os.path.join(self.tmp, f"{name}.log"), "w")
        env = dict(os.environ, **extra_env) if extra_env else None
        p = subprocess.Popen(args, stdout=subprocess.PIPE if name.startswith("signet") else log,
                             stderr=log, text=True, env=env, preexec_fn=preexec_fn)
        self.procs.append((name, p, log))
        return p

    def start_dns(self, name):
        """A pebble-challtestsrv DNS server answering A queries with 127.0.0.1; returns
        its DNS port and its management port."""
        port = free_port_tcp_udp()
        mgmt = free_port()
        self.start(name, ["pebble-challtestsrv", "-dns01", f"127.0.0.1:{port}",
                          "-http01", "", "-https01", "", "-tlsalpn01", "",
                          "-management", f"127.0.0.1:{mgmt}", "-defaultIPv6", ""])
        wait_until(name, lambda: socket.create_connection(("127.0.0.1", mgmt), 0.2).close() or True)
        return port, mgmt

    def read_line(self, proc, pattern, what):
        """The first match of pattern in what proc prints on stdout."""
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            line = proc.stdout.readline()
            if not line:
                break
            self.printed.setdefault(proc.pid, []).append(line)
            m = re.search(pattern, line)
            if m:
                return m.group(1)
        raise RuntimeError(f"{what} did not print its address; see {self.tmp}")

    def log(self, name="signet"):
        with open(os.path.join(self.tmp, f"{name}.log")) as f:
            return f.read()

    def stop_server(self, sig=signal.SIGTERM, timeout=30):
        self.server.send_signal(sig)
        return self.server.wait(timeout)

    def close(self, keep=False):
        for name, p, log in reversed(self.procs):
            if p.poll() is None:
                p.send_signal(signal.SIGTERM)
                try:
                    p.wait(10)
                except subprocess.TimeoutExpired:
                    p.kill()
                    p.wait()
            log.close()
        if self.postgresql and keep:
            self.postgresql.stop()
        elif self.postgresql:
            self.postgresql.destroy()
        if not keep:
            shutil.rmtree(self.tmp, ignore_errors=True)

    def __enter__(self):
        return self

    def __exit__(self, exc_type, exc, tb):
        if exc_type is not None:
            sys.stderr.write(f"--- signet log ({self.tmp}) ---\n{self.log()}\n")
        keep = exc_type is not None or bool(os.environ.get("SIGNET_KEEP_TEST_DIRS"))
        if keep:
            sys.stderr.write(f"test files kept in {self.tmp}\n")
        self.close(keep=keep)


def run(args, env=None, timeout=180, check=True):
    """Runs a client; on failure prints what it said and raises."""
    full_env = dict(os.environ)
    full_env.update(env or {})
    p = subprocess.run(args, env=full_env, capture_output=True, text=True, timeout=timeout)
    if check and p.returncode != 0:
        raise RuntimeError(f"{args[0]} failed ({p.returncode}):\n{p.stdout}\n{p.stderr}")
    return p


def openssl_verify(root, cert_file, chain_file=None):
    args = ["openssl", "verify", "-CAfile", root]
    if chain_file:
        args += ["-untrusted", chain_file]
    args.append(cert_file)
    out = run(args).stdout
    assert out.strip().endswith("OK"), out


def cert_names(cert_file):
    out = run(["openssl", "x509", "-in", cert_file, "-noout", "-ext", "subjectAltName"]).stdout
    return sorted(re.findall(r"(?:DNS|IP Address):([^,\s]+)", out))


def lego_dns01(env, path, names, management_ports):
    """lego gets a certificate for names via dns-01: its exec provider publishes each TXT
    record on every DNS server in management_ports. Checks the chain and the names."""
    # lego's exec provider runs the script as: present|cleanup <fqdn> <value>.
    script = os.path.join(env.tmp, "lego-dns.sh")
    with open(script, "w") as f:
        f.write("#!/bin/sh\n[ \"$1\" = present ] || exit 0\n")
        for port in management_ports:
            f.write(f"curl -sf -X POST http://127.0.0.1:{port}/set-txt "
                    "-d \"{\\\"host\\\":\\\"$2\\\",\\\"value\\\":\\\"$3\\\"}\" || exit 1\n")
    os.chmod(script, 0o755)
    args = ["lego", "--server", env.directory, "--email", "ops@example.test", "--accept-tos",
            "--path", path, "--key-type", "ec256", "--dns", "exec", "--dns.disable-cp",
            "--dns.resolvers", f"127.0.0.1:{env.dns_port}"]
    for n in names:
        args += ["--domains", n]
    run(args + ["run"], {"LEGO_CA_CERTIFICATES": env.root, "EXEC_PATH": script,
                         "EXEC_SEQUENCE_INTERVAL": "1", "EXEC_POLLING_INTERVAL": "1",
                         "EXEC_PROPAGATION_TIMEOUT": "30"})
    stem = f"{path}/certificates/{names[0].replace('*', '_')}"
    openssl_verify(env.root, stem + ".crt", stem + ".issuer.crt")
    assert cert_names(stem + ".crt") == sorted(names), cert_names(stem + ".crt")


def main_args():
    ap = argparse.ArgumentParser()
    ap.add_argument("--signet", required=True, help="path to the signet binary")
    ap.add_argument("--postgresql", action="store_true",
                    help="run signet on a throwaway PostgreSQL server instead of SQLite")
    args = ap.parse_args()
    global USE_POSTGRESQL
    USE_POSTGRESQL = args.postgresql
    return args


class Checks:
    """Counts named checks and prints the closing 'N passed, N failed' line."""

    def __init__(self):
        self.passed = 0
        self.failed = 0

    def run(self, name, fn, *args):
        t0 = time.monotonic()
        try:
            fn(*args)
            self.passed += 1
            print(f"PASS {name} ({time.monotonic() - t0:.2f}s)", flush=True)
        except Exception as e:  # report and go on to the next check
            self.failed += 1
            print(f"FAIL {name}: {e}", flush=True)

    def finish(self):
        print(f"{self.passed} passed, {self.failed} failed", flush=True)
        sys.exit(1 if self.failed else 0)
