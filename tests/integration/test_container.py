"""The container image: builds it with podman from docker/Dockerfile (making the Debian
base images first if they are missing), runs it on loopback ports chosen at run time
with a bind-mounted data directory, and checks that the directory answers over HTTPS
trusting the root the container wrote, that the image's health check passes, that the
server runs as the unprivileged user signet (uid 10001), that the CRLs answer on the
plain HTTP listener, that a new container keeps the CA of the data directory, and that
the server stops cleanly.

Building the image from cold compiles Signet from scratch, so the test runs only when
SIGNET_CONTAINER_TESTS=1 and podman is installed (scripts/install-deps.sh --container),
as root; otherwise it reports itself skipped (exit code 77)."""
import json
import os
import re
import shutil
import ssl
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from harness import Checks, free_port, main_args, wait_until

SKIP = 77
REPO = Path(__file__).resolve().parents[2]
UID = 10001
BUILD_TIMEOUT = 3000  # seconds: a cold build compiles everything on a small machine


def skip(why):
    print(f"SKIP: {why}", flush=True)
    sys.exit(SKIP)


def podman(*args, timeout=120, check=True):
    p = subprocess.run(["podman", *args], capture_output=True, text=True, timeout=timeout)
    if check and p.returncode != 0:
        raise RuntimeError(f"podman {' '.join(args)} failed ({p.returncode}):\n{p.stdout}\n{p.stderr}")
    return p


class Container:
    """`signet serve` in the image, on the host's network, listening on loopback."""

    def __init__(self, image, name, data_dir, started):
        """Starts the container, adds it to started, and waits until its directory answers."""
        self.name = name
        self.data_dir = data_dir
        self.port = free_port()
        self.http_port = free_port()
        podman("run", "-d", "--name", name, "--network", "host",
               "-v", f"{data_dir}:/var/lib/signet", image,
               "serve", "--data-dir", "/var/lib/signet",
               "--listen", f"127.0.0.1:{self.port}", "--http-listen", f"127.0.0.1:{self.http_port}")
        started.append(self)
        self.directory = f"https://localhost:{self.port}/directory"
        self.root = os.path.join(data_dir, "root.pem")

        def ready():
            if not self.running():
                raise AssertionError(f"the container exited:\n{self.logs()}")
            ctx = ssl.create_default_context(cafile=self.root)
            return urllib.request.urlopen(self.directory, context=ctx, timeout=2).status == 200

        wait_until(f"the directory of container {name}", ready, timeout=60, interval=0.2)

    def running(self):
        return podman("inspect", "--format", "{{.State.Running}}", self.name).stdout.strip() == "true"

    def logs(self):
        p = podman("logs", self.name, check=False)
        return p.stdout + p.stderr

    def stop(self):
        """Stops the container with SIGTERM; returns the server's exit code."""
        podman("stop", "--time", "60", self.name, timeout=90)
        return int(podman("inspect", "--format", "{{.State.ExitCode}}", self.name).stdout.strip())

    def remove(self):
        podman("rm", "--force", "--volumes", "--time", "10", self.name, check=False)


def main():
    main_args()  # --signet: this test builds its own binary inside the image
    if os.environ.get("SIGNET_CONTAINER_TESTS") != "1":
        skip("container tests run with SIGNET_CONTAINER_TESTS=1 (a cold image build compiles Signet)")
    if shutil.which("podman") is None:
        skip("podman is not installed (scripts/install-deps.sh --container)")
    if os.geteuid() != 0:
        skip("the container test runs podman as root")
    os.environ.setdefault("CONTAINERS_CONF", str(REPO / "docker" / "containers.conf"))

    tag = f"localhost/signet:test-{os.getpid()}"
    tmp = tempfile.mkdtemp(prefix="signet-container-")
    build_log = os.path.join(tmp, "build.log")
    t0 = time.monotonic()
    with open(build_log, "w") as log:
        p = subprocess.run([str(REPO / "scripts" / "container-image.sh"), tag], stdout=log,
                           stderr=subprocess.STDOUT, timeout=BUILD_TIMEOUT, cwd=REPO)
    if p.returncode != 0:
        with open(build_log) as f:
            sys.stderr.write(f.read()[-6000:])
        print(f"FAIL image build ({p.returncode}); log in {build_log}", flush=True)
        sys.exit(1)
    print(f"PASS image build ({time.monotonic() - t0:.0f}s)", flush=True)

    checks = Checks()
    data_dir = os.path.join(tmp, "data")
    os.mkdir(data_dir)
    os.chown(data_dir, UID, UID)  # the container's user owns the data volume
    containers = []
    name = f"signet-test-{os.getpid()}"
    try:
        c = Container(tag, name, data_dir, containers)

        def directory():
            ctx = ssl.create_default_context(cafile=c.root)
            with urllib.request.urlopen(c.directory, context=ctx, timeout=5) as r:
                d = json.load(r)
            for key in ("newNonce", "newAccount", "newOrder", "revokeCert", "keyChange"):
                assert d[key].startswith(f"https://localhost:{c.port}/"), d

        def health_check():
            p = podman("healthcheck", "run", name, check=False, timeout=60)
            assert p.returncode == 0, f"unhealthy ({p.returncode}): {p.stdout}{p.stderr}"

        def health_check_fails_when_down():
            """The check really asks the server: pointed at a port nobody listens on, it fails."""
            p = podman("exec", name, "signet-healthcheck", f"127.0.0.1:{free_port()}", check=False)
            assert p.returncode == 1, (p.returncode, p.stdout, p.stderr)

        def non_root():
            user = podman("top", name, "huser", "user").stdout.split()
            assert user[2:] == [str(UID), "signet"], user
            assert podman("exec", name, "id", "-u").stdout.strip() == str(UID)
            image_user = podman("image", "inspect", "--format", "{{.Config.User}}", tag).stdout.strip()
            assert image_user.split(":")[0] == str(UID), image_user
            for entry in os.scandir(data_dir):
                assert entry.stat().st_uid == UID, (entry.name, entry.stat().st_uid)

        def crl_over_http():
            # "CRLs: http://HOST:PORT/crl/<issuer id>/0.crl ..." in what the server printed
            m = re.search(r"CRLs:\s+\S+(/crl/[0-9a-f]+/0\.crl)", c.logs())
            assert m, c.logs()
            url = f"http://127.0.0.1:{c.http_port}{m.group(1)}"
            with urllib.request.urlopen(url, timeout=5) as r:
                assert r.status == 200 and len(r.read()) > 0

        def stops_cleanly():
            code = c.stop()
            assert code == 0, f"exit code {code}:\n{c.logs()}"
            assert "stopped" in c.logs(), c.logs()

        def new_container_keeps_the_ca():
            with open(c.root) as f:
                root = f.read()
            again = Container(tag, name + "-again", data_dir, containers)
            with open(again.root) as f:
                assert f.read() == root, "the root certificate changed"
            assert again.stop() == 0, again.logs()

        checks.run("directory over HTTPS, trusting the data directory's root", directory)
        checks.run("image health check passes", health_check)
        checks.run("health check fails on a port nobody listens on", health_check_fails_when_down)
        checks.run("runs as uid 10001 (signet)", non_root)
        checks.run("CRL on the plain HTTP listener", crl_over_http)
        checks.run("stops cleanly on SIGTERM", stops_cleanly)
        checks.run("a new container keeps the data directory's CA", new_container_keeps_the_ca)
    finally:
        for c in containers:
            if checks.failed:
                sys.stderr.write(f"--- {c.name} ---\n{c.logs()}\n")
            c.remove()
        podman("rmi", tag, check=False)  # the layers stay cached for the next build
        shutil.rmtree(tmp, ignore_errors=True)
    checks.finish()


if __name__ == "__main__":
    main()
