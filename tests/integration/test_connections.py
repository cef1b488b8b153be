"""Connection deadlines and caps on a real `signet serve`: clients that send half a
request head, trickle it, or say nothing are closed by their deadlines while others are
served; a flood of connections from one address leaves room for another address; the
connection cap and the fair share of its last tenth; the open-file limit at start.

Loopback addresses other than 127.0.0.1 stand for other clients: Linux routes all of
127.0.0.0/8 to lo, so binding a client socket to 127.0.0.2 needs no set-up."""
import http.client
import os
import re
import resource
import select
import socket
import ssl
import subprocess
import threading
import time

from harness import Checks, Env, main_args, wait_until

HEADER_TIMEOUT = 2
HANDSHAKE_TIMEOUT = 2
MARGIN = 3  # seconds a deadline may be late on a loaded machine or a sanitized build
MAX_CONNECTIONS = 200
PER_ADDRESS = 50
FLOOD = 1000  # connection attempts from one address
FLOOD_SECONDS = 30  # bound on the flood

CONFIG = f"""
[limits]
handshake_timeout_seconds = {HANDSHAKE_TIMEOUT}
header_timeout_seconds = {HEADER_TIMEOUT}
max_connections = {MAX_CONNECTIONS}
max_connections_per_address = {PER_ADDRESS}
"""

# The cap check's own server: small numbers, counted exactly. The last tenth starts at
# 36 connections.
CAP = 40
CAP_PER_ADDRESS = 12
CAP_CONFIG = f"""
[limits]
max_connections = {CAP}
max_connections_per_address = {CAP_PER_ADDRESS}
"""


def port_of(env):
    return int(env.base.rsplit(":", 1)[1])


def tls_context(env):
    return ssl.create_default_context(cafile=env.root)


def connect(env, src="127.0.0.1", timeout=10):
    """An HTTPS connection to the server from source address src, handshake done (the
    server's certificate names 127.0.0.1)."""
    conn = http.client.HTTPSConnection("127.0.0.1", port_of(env), context=tls_context(env),
                                       timeout=timeout, source_address=(src, 0))
    conn.connect()
    return conn


def get_directory(conn):
    conn.request("GET", "/directory")
    r = conn.getresponse()
    r.read()
    return r.status


def directory_from(env, src="127.0.0.1"):
    """The status of GET /directory on a new connection from src."""
    conn = connect(env, src)
    try:
        return get_directory(conn)
    finally:
        conn.close()


def closed_by_server(sock, timeout):
    """Waits up to timeout for the server to close sock; True if it did."""
    try:
        sock.settimeout(timeout)
        return sock.recv(1024) == b""
    except (ConnectionResetError, BrokenPipeError, ssl.SSLError):
        return True
    except socket.timeout:
        return False


def raise_own_file_limit(needed):
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < needed:
        resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, needed), hard))


def main():
    args = main_args()
    checks = Checks()
    raise_own_file_limit(FLOOD + 256)

    with Env(args.signet, config_text=CONFIG) as env:
        port = port_of(env)
        ctx = tls_context(env)

        def slow_clients_meet_their_deadlines():
            results = {}

            def tls_socket():
                raw = socket.create_connection(("127.0.0.1", port), timeout=10)
                return ctx.wrap_socket(raw, server_hostname="127.0.0.1")

            def silent():
                # The handshake, then nothing: the first byte is due within the header deadline.
                with tls_socket() as s:
                    t0 = time.monotonic()
                    closed = closed_by_server(s, HEADER_TIMEOUT + MARGIN)
                    results["silent"] = (closed, time.monotonic() - t0)

            def half_head():
                with tls_socket() as s:
                    s.sendall(b"POST /acme/new-order HTTP/1.1\r\nHost: localhost\r\n")
                    t0 = time.monotonic()
                    closed = closed_by_server(s, HEADER_TIMEOUT + MARGIN)
                    results["half head"] = (closed, time.monotonic() - t0)

            def trickle():
                # One byte every 300 ms: each byte in time, the head as a whole not.
                head = b"GET /directory HTTP/1.1\r\nHost: localhost\r\nX-Slow: " + b"a" * 1000
                with tls_socket() as s:
                    t0 = time.monotonic()
                    closed = False
                    for i in range(len(head)):
                        if time.monotonic() - t0 > HEADER_TIMEOUT + MARGIN:
                            break
                        try:
                            s.sendall(head[i:i + 1])
                        except (OSError, ssl.SSLError):
                            closed = True
                            break
                        readable, _, _ = select.select([s], [], [], 0.3)
                        if readable and closed_by_server(s, 1):
                            closed = True
                            break
                    results["trickle"] = (closed, time.monotonic() - t0)

            def no_handshake():
                # A TCP connection that never starts TLS: the handshake deadline.
                with socket.create_connection(("127.0.0.1", port), timeout=10) as s:
                    t0 = time.monotonic()
                    closed = closed_by_server(s, HANDSHAKE_TIMEOUT + MARGIN)
                    results["no handshake"] = (closed, time.monotonic() - t0)

            threads = [threading.Thread(target=f, daemon=True) for f in (silent, half_head, trickle, no_handshake)]
            for t in threads:
                t.start()
            # Meanwhile a normal client is answered, on a new connection each time.
            answered = 0
            while any(t.is_alive() for t in threads):
                assert directory_from(env) == 200
                answered += 1
                time.sleep(0.1)  # a client's pace, not a wait for readiness
            for t in threads:
                t.join()
            for name, (closed, seconds) in sorted(results.items()):
                print(f"  {name}: closed after {seconds:.1f}s")
                assert closed, f"{name}: still open after {seconds:.1f}s"
                deadline = HANDSHAKE_TIMEOUT if name == "no handshake" else HEADER_TIMEOUT
                assert deadline - 0.5 <= seconds <= deadline + MARGIN, (name, seconds)
            assert len(results) == 4, results
            assert answered >= 5, f"only {answered} answers while the slow clients were open"
            print(f"  {answered} /directory answers meanwhile")

        def flood_leaves_room_for_others():
            held = []
            t0 = time.monotonic()
            try:
                for _ in range(FLOOD):
                    if time.monotonic() - t0 > FLOOD_SECONDS:
                        break
                    try:
                        held.append(socket.create_connection(("127.0.0.1", port), timeout=5,
                                                             source_address=("127.0.0.1", 0)))
                    except OSError:
                        pass  # the backlog was full: an attempt all the same
                flood_seconds = time.monotonic() - t0
                # Accepted in order, this connection is decided after every one above,
                # while those admitted still hold their places.
                status = directory_from(env, "127.0.0.2")
                assert status == 200, status
                print(f"  {len(held)} connections from 127.0.0.1 in {flood_seconds:.2f}s; "
                      "127.0.0.2 answered")
                assert len(held) >= FLOOD * 0.9, f"only {len(held)} of {FLOOD} connected"
            finally:
                for s in held:
                    s.close()
            wait_until("the refusals to be logged",
                       lambda: "max_connections_per_address reached (latest from 127.0.0.1" in env.log())
            # 127.0.0.1 is served again once its connections are gone.
            wait_until("127.0.0.1 to be served again", lambda: directory_from(env) == 200)

        checks.run("half a head, a trickled head, silence and no handshake meet their deadlines; "
                   "others are served", slow_clients_meet_their_deadlines)
        checks.run(f"{FLOOD} connections from 127.0.0.1 leave room for 127.0.0.2", flood_leaves_room_for_others)

    def lower_soft_file_limit():
        # Below what the cap server needs (CAP + 256): it must raise it to start.
        _, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
        resource.setrlimit(resource.RLIMIT_NOFILE, (min(200, hard), hard))

    with Env(args.signet, config_text=CAP_CONFIG, server_preexec=lower_soft_file_limit) as env:

        def raises_its_file_limit():
            _, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
            with open(f"/proc/{env.server.pid}/limits") as f:
                line = next(l for l in f if l.startswith("Max open files"))
            soft_now, hard_now = line.split()[3:5]
            assert (soft_now, hard_now) == (str(hard), str(hard)), line

        def cap_and_fair_share():
            # Only this check's connections reach this server: the counts are exact.
            held = []

            def try_connect(src):
                try:
                    conn = connect(env, src, timeout=10)
                    assert get_directory(conn) == 200  # a request, then idle: kept open
                    held.append(conn)
                    return True
                except (ssl.SSLError, ConnectionError, OSError, http.client.HTTPException):
                    return False

            try:
                # Four addresses in turn, until the fair share refuses one: at 36 (90% of
                # 40), 9 each, under the per-address cap of 12.
                crowd = [f"127.0.0.{i}" for i in range(11, 15)]
                admitted = 0
                while try_connect(crowd[admitted % 4]):
                    admitted += 1
                    assert admitted <= CAP, "never refused"
                assert admitted == CAP - CAP // 10, admitted
                for src in crowd:
                    assert not try_connect(src), f"{src} got more than its share"
                # Addresses without a connection take the last tenth, then the cap refuses all.
                newcomers = 0
                while try_connect(f"127.0.0.{20 + newcomers}"):
                    newcomers += 1
                    assert newcomers <= CAP, "never refused"
                assert newcomers == CAP // 10, newcomers
                assert len(held) == CAP
                print(f"  {admitted} from 4 addresses, then {newcomers} newcomers; the next refused")
            finally:
                for conn in held:
                    conn.close()
            # Once they are gone the server answers again.
            wait_until("the server to accept again", lambda: directory_from(env, "127.0.0.11") == 200)

        def out_of_descriptors_backs_off():
            # The running server's own limit is lowered to a few more descriptors than it
            # has open: accept fails with EMFILE, and the listener must wait, not spin.
            pid = env.server.pid
            limits = resource.prlimit(pid, resource.RLIMIT_NOFILE)
            resource.prlimit(pid, resource.RLIMIT_NOFILE, (len(os.listdir(f"/proc/{pid}/fd")) + 3, limits[1]))
            held = []
            try:
                for i in range(10):
                    held.append(socket.create_connection(("127.0.0.1", port_of(env)), timeout=5,
                                                         source_address=(f"127.0.0.{30 + i}", 0)))
                wait_until("the exhaustion to be logged", lambda: "accept: Too many open files" in env.log())

                def cpu_seconds():
                    with open(f"/proc/{pid}/stat") as f:
                        fields = f.read().rsplit(")", 1)[1].split()
                    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

                c0, t0 = cpu_seconds(), time.monotonic()
                time.sleep(1)  # the span CPU time is measured over
                used = (cpu_seconds() - c0) / (time.monotonic() - t0)
                print(f"  {used * 100:.0f}% of a core while out of descriptors")
                assert used < 0.3, f"{used * 100:.0f}% of a core: accept spins"
                # Logged once per episode: an accept that gets through in between (a
                # descriptor freed elsewhere) ends one episode and the next begins.
                log = env.log()
                episodes = log.count("accept: Too many open files")
                assert episodes <= log.count("accepting connections again") + 1, \
                    f"logged {episodes} times in {log.count('accepting connections again') + 1} episodes"
            finally:
                resource.prlimit(pid, resource.RLIMIT_NOFILE, limits)
                for s in held:
                    s.close()
            wait_until("the server to accept again", lambda: directory_from(env) == 200)
            wait_until("the recovery to be logged", lambda: "accepting connections again" in env.log())

        def refuses_to_start_without_enough_files():
            def tight_limit():
                resource.setrlimit(resource.RLIMIT_NOFILE, (300, 300))

            p = subprocess.run([args.signet, "serve", "--data-dir", os.path.join(env.tmp, "tight"),
                                "--listen", "127.0.0.1:0", "--http-listen", "127.0.0.1:0"],
                               capture_output=True, text=True,
                               timeout=30, preexec_fn=tight_limit)
            assert p.returncode == 1, (p.returncode, p.stdout, p.stderr)
            assert "listening" not in p.stdout, p.stdout
            for part in ("(300, hard limit 300)", "max_connections = 1024", "1280", "at most 44",
                         "LimitNOFILE="):
                assert part in p.stderr, p.stderr
            print("  " + re.sub(r"\s+", " ", p.stderr.strip()))

        checks.run("the soft open-file limit is raised to the hard one", raises_its_file_limit)
        checks.run("connection cap, and the last tenth for addresses below the average", cap_and_fair_share)
        checks.run("out of descriptors, accept backs off and recovers", out_of_descriptors_backs_off)
        checks.run("too few open files: refused at start, with both numbers", refuses_to_start_without_enough_files)
    checks.finish()


if __name__ == "__main__":
    main()
