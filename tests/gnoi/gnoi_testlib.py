"""What the gNOI end-to-end tests share: the independent client (scripts/gnoi-client) with its
stubs, bounded waits, free ports, and the unittest entry point taking --build."""
import argparse
import importlib.machinery
import os
import socket
import sys
import time
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


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--build", required=True)
    args, rest = p.parse_known_args()
    ARGS.build = os.path.abspath(args.build)
    unittest.main(module="__main__", argv=[sys.argv[0], *rest], verbosity=2)
