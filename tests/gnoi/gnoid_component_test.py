#!/usr/bin/python3
"""gnoid as a component: chassisd runs gnoid from a signed package, `hitless install activate`
restarts it on another package, and a gNOI client's next call works — with the independent
Python client (scripts/gnoi-client) over mTLS. Every process and file the test makes is removed
at the end, pass or fail.

usage: gnoid_component_test.py --build BUILD_DIR [unittest args]
"""
import json
import os
import socket
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from gnoi_testlib import RouterTestCase, free_port, main, wait_for  # noqa: E402




class GnoidComponentTest(RouterTestCase):
    @classmethod
    def setUpRouter(cls):
        cls.hitless("keygen", "--out", cls.path("keys"))
        key = cls.path("keys", "hitless.key")
        cls.hitless("image", "build", "--version", "1.0.0", "--date", "2026-01-15", "--kind",
                    "release", "--platform", "linux-x86_64", "--key", key, "--rpd",
                    os.path.join(cls.bin, "rpd-1.0"), "--out", cls.path("images", "1.0.0"))
        for version, date, binary in (("1.0.0", "2026-01-15", "gnoid-1.0"),
                                      ("1.1.0", "2026-06-01", "gnoid-1.1")):
            cls.hitless("image", "build", "--component", "gnoid", "--version", version, "--date",
                        date, "--kind", "release", "--platform", "linux-x86_64", "--key", key,
                        "--binary", os.path.join(cls.bin, binary), "--out",
                        cls.path("images", f"gnoid-{version}"))
        cls.hitless("pki", "init", "--out", cls.path("pki"))
        cls.state = cls.path("state")
        cls.socket = os.path.join(cls.state, "chassis.ctl")
        cls.target = f"127.0.0.1:{free_port()}"
        gnoid_args = ["--chassis", cls.socket, "--images", cls.path("images"), "--pubkey",
                      cls.path("keys", "hitless.pub"), "--tls-cert",
                      cls.path("pki", "server.crt"), "--tls-key", cls.path("pki", "server.key"),
                      "--client-ca", cls.path("pki", "ca.crt"), "--listen", cls.target]
        argv = [os.path.join(cls.bin, "chassisd"), "--state-dir", cls.state, "--images",
                cls.path("images"), "--pubkey", cls.path("keys", "hitless.pub"),
                "--initial-image", "1.0.0", "--gnoid-package", "gnoid-1.0.0"]
        for a in gnoid_args:
            argv += ["--gnoid-arg", a]
        cls.spawn("chassisd", argv)
        # The port first: a gRPC channel that failed to connect backs off for seconds.
        host, port = cls.target.split(":")

        def accepts():
            with socket.socket() as s:
                return s.connect_ex((host, int(port))) == 0
        wait_for("gnoid's port", accepts)
        cls.connect()
        wait_for("gnoid under chassisd", lambda: cls.try_verify())

    def install_state(self):
        return json.loads(self.hitless("show", "install", "active", "--json", "--chassis",
                                       self.socket))

    def test_activate_restarts_gnoid_and_the_next_call_works(self):
        before = self.install_state()["components"]["gnoid"]
        self.assertEqual(before["package"], "gnoid-1.0.0")
        self.assertTrue(self.operator.verify().version, "1.0.0")
        self.hitless("install", "add", "gnoid-1.1.0", "--chassis", self.socket)
        test = self.hitless("install", "activate", "gnoid-1.1.0", "--test", "--chassis",
                            self.socket)
        self.assertIn("gnoid: gnoid-1.0.0 (1.0.0) -> gnoid-1.1.0 (1.1.0)", test)
        r = self.hitless("install", "activate", "gnoid-1.1.0", "--chassis", self.socket)
        self.assertIn("gnoid runs gnoid-1.1.0", r)
        # The client's next call, on the channel it already had, reaches the new gnoid.
        self.assertEqual(self.operator.verify().version, "1.0.0")
        after = self.install_state()["components"]["gnoid"]
        self.assertEqual(after["package"], "gnoid-1.1.0")
        self.assertNotEqual(after["pid"], before["pid"])
        with open(f"/proc/{after['pid']}/cmdline", "rb") as f:
            self.assertIn(b"gnoid-1.1.0/gnoid", f.read())
        # And back.
        self.hitless("install", "rollback", "to", "committed", "--chassis", self.socket)
        self.assertEqual(self.operator.verify().version, "1.0.0")
        self.assertEqual(self.install_state()["components"]["gnoid"]["package"], "gnoid-1.0.0")


if __name__ == "__main__":
    main()
