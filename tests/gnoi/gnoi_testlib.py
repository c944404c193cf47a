"""What the gNOI end-to-end tests share: the independent client (scripts/gnoi-client) with its
stubs, bounded waits, free ports, and the unittest entry point taking --build."""
import argparse
import functools
import importlib.machinery
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import types
import unittest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
ARGS = argparse.Namespace(build=None)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(what, predicate, timeout_s=30):
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.05)  # poll cadence while waiting for a state; bounded by timeout_s
    raise AssertionError(f"timed out after {timeout_s} s waiting for {what}")


def load_client():
    """scripts/gnoi-client as a module, its stubs loaded from the build directory."""
    loader = importlib.machinery.SourceFileLoader(
        "gnoi_client", os.path.join(ROOT, "scripts", "gnoi-client"))
    gc = loader.load_module()
    gc.load_stubs(os.path.join(ARGS.build, "gnoi-py"))
    return gc


class RouterTestCase(unittest.TestCase):
    """A router for the gNOI tests, made once per test class: chassisd running rpd image 1.0.0 on
    two RPs, packages of 1.1.0 and 1.1.1 and a tampered one, a PKI, gnoid over mTLS with an
    operator and a viewer client (scripts/gnoi-client). Every process and file it makes is
    removed at the end, pass or fail."""

    @classmethod
    def setUpClass(cls):
        cls.bin = os.path.join(ARGS.build, "src")
        cls.tmp = tempfile.mkdtemp(prefix="hitless-gnoi-")
        cls.procs = []
        try:
            cls.setUpRouter()
        except Exception:
            cls.tearDownClass()
            raise

    @classmethod
    def hitless(cls, *args):
        r = subprocess.run([os.path.join(cls.bin, "hitless"), *args], capture_output=True,
                           text=True, timeout=120)
        if r.returncode != 0:
            raise AssertionError(f"hitless {' '.join(args)}: {r.stderr}")
        return r.stdout

    @classmethod
    def path(cls, *parts):
        return os.path.join(cls.tmp, *parts)

    @classmethod
    def setUpRouter(cls):
        cls.setUpArtifacts()
        router = cls.start_router("", cls.rpd_config)
        cls.state, cls.target = router.state, router.target
        cls.connect()
        wait_for("the RPs in SSO", lambda: cls.issu().get("standby_hot"))
        wait_for("gnoid", lambda: cls.try_verify())

    @classmethod
    def setUpArtifacts(cls):
        """Keys, rpd image 1.0.0 in path("images"), packages of 1.1.0 and 1.1.1 (pkg, pkg_111),
        a tampered 1.1.0 (tampered) and a PKI (path("pki"))."""
        cls.hitless("keygen", "--out", cls.path("keys"))

        def build(version, date, rpd, out):
            cls.hitless("image", "build", "--version", version, "--date", date, "--kind",
                        "release", "--platform", "linux-x86_64", "--key",
                        cls.path("keys", "hitless.key"), "--rpd", os.path.join(cls.bin, rpd),
                        "--out", out)

        build("1.0.0", "2026-01-15", "rpd-1.0", cls.path("images", "1.0.0"))
        build("1.1.0", "2026-06-01", "rpd-1.1", cls.path("staging", "1.1.0"))
        build("1.1.1", "2026-07-01", "rpd-1.1", cls.path("staging", "1.1.1"))
        cls.pkg_111 = cls.path("pkg-1.1.1.tar")
        cls.hitless("image", "pack", cls.path("staging", "1.1.1"), "--pubkey",
                    cls.path("keys", "hitless.pub"), "--out", cls.pkg_111)
        cls.pkg = cls.path("pkg-1.1.0.tar")
        cls.hitless("image", "pack", cls.path("staging", "1.1.0"), "--pubkey",
                    cls.path("keys", "hitless.pub"), "--out", cls.pkg)
        cls.tampered = cls.path("tampered.tar")
        fleet_lib().tampered_package(cls.path("staging", "1.1.0"), cls.path("tampered"),
                                     cls.tampered)
        cls.hitless("pki", "init", "--out", cls.path("pki"))

    @classmethod
    def start_router(cls, name, rpd_config=None):
        """chassisd (two RPs on 1.0.0) and gnoid under path(name): its own image store (a copy of
        1.0.0 unless it is the default router, name ""), state and port."""
        base = cls.path(name)
        images = os.path.join(base, "images")
        if name:
            shutil.copytree(cls.path("images", "1.0.0"), os.path.join(images, "1.0.0"))
        state = os.path.join(base, "state")
        config = []
        if rpd_config is not None:
            with open(os.path.join(base, "rpd.conf"), "w") as f:
                f.write(rpd_config)
            config = ["--rpd-arg", "--config", "--rpd-arg", os.path.join(base, "rpd.conf")]
        cls.spawn(os.path.join(name, "chassisd"), [
            os.path.join(cls.bin, "chassisd"), "--state-dir", state, "--images", images,
            "--pubkey", cls.path("keys", "hitless.pub"), "--initial-image", "1.0.0",
            "--rpd-arg", "--heartbeat-ms", "--rpd-arg", "100",
            "--rpd-arg", "--heartbeat-threshold", "--rpd-arg", "20", *config])
        target = f"127.0.0.1:{free_port()}"
        cls.spawn(os.path.join(name, "gnoid"), [
            os.path.join(cls.bin, "gnoid"), "--chassis", os.path.join(state, "chassis.ctl"),
            "--images", images, "--pubkey", cls.path("keys", "hitless.pub"),
            "--tls-cert", cls.path("pki", "server.crt"), "--tls-key",
            cls.path("pki", "server.key"), "--client-ca", cls.path("pki", "ca.crt"),
            "--listen", target])
        return types.SimpleNamespace(name=name, images=images, state=state, target=target)

    rpd_config = None  # text of the RPs' startup configuration (none: no --config)

    @classmethod
    def connect(cls):
        """The clients the tests use (a subclass with other stubs connects its own: two sets of
        stubs for one proto package cannot share a process)."""
        cls.gc = load_client()
        cls.operator = cls.client("operator")
        cls.viewer = cls.client("viewer")

    @classmethod
    def spawn(cls, name, argv):
        os.makedirs(os.path.dirname(cls.path(f"{name}.log")), exist_ok=True)
        log = open(cls.path(f"{name}.log"), "w")
        cls.procs.append(subprocess.Popen(argv, stdout=log, stderr=subprocess.STDOUT,
                                          start_new_session=True))

    @classmethod
    def client(cls, who):
        return cls.gc.Client(cls.target, cls.path("pki", "ca.crt"),
                             cls.path("pki", f"{who}.crt"), cls.path("pki", f"{who}.key"))

    @classmethod
    def try_verify(cls):
        try:
            return cls.operator.verify()
        except cls.gc.grpc.RpcError:
            return None

    @classmethod
    def issu(cls, state=None):
        """chassisd's show issu state --json (of the router whose state dir is `state`)."""
        state = state or cls.state
        r = subprocess.run([os.path.join(cls.bin, "hitless"), "show", "issu", "state", "--json",
                            "--chassis", os.path.join(state, "chassis.ctl")],
                           capture_output=True, text=True, timeout=30)
        return json.loads(r.stdout) if r.returncode == 0 else {}

    @classmethod
    def tearDownClass(cls):
        for p in cls.procs:
            if p.poll() is None:
                p.send_signal(signal.SIGTERM)
        for p in cls.procs:
            try:
                p.wait(timeout=10)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()
        # rpds spawned by chassisd, found by their state directory.
        subprocess.run(["pkill", "-KILL", "-f", cls.tmp], check=False)
        if os.environ.get("KEEP_GNOI_TEST") is None:
            shutil.rmtree(cls.tmp, ignore_errors=True)


@functools.cache
def fleet_lib():
    """scripts/fleet as a module (loaded once): the netns fleet, and how Ansible is run for every test."""
    return importlib.machinery.SourceFileLoader(
        "fleet", os.path.join(ROOT, "scripts", "fleet")).load_module()


def ansible_playbook(tmp, inventory, playbook, *flags):
    """Debian's ansible-playbook with the hitless.router collection from this tree, its JSON
    report parsed (scripts/fleet's ansible_playbook); every file it makes stays under `tmp`."""
    return fleet_lib().ansible_playbook(tmp, ARGS.build, inventory, playbook, *flags)


def ansible_doc(tmp, name):
    return subprocess.run(["ansible-doc", name], capture_output=True, text=True, timeout=60,
                          env=fleet_lib().ansible_env(tmp, ARGS.build))


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--build", required=True)
    args, rest = p.parse_known_args()
    ARGS.build = os.path.abspath(args.build)
    unittest.main(module="__main__", argv=[sys.argv[0], *rest], verbosity=2)
