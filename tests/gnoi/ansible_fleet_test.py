#!/usr/bin/python3
"""ansible/rolling-upgrade.yml on a fleet of three routers, each a real chassisd with two RPs
and its own gnoid, each with a BIRD 2 peer on loopback (127.0.0.1 <-> the RPs' 127.0.0.2, ports
of their own) announcing a prefix:

  1. router r2 is given a tampered package: r1 (the canary) is upgraded, r2's upload fails with
     the router's reason, the play stops — r3 is untouched (still 1.0.0, no ISSU operation)
     and r2 unchanged;
  2. with r2's package fixed, the same playbook finishes r2 and r3 and leaves r1 alone;
  3. run again, it changes nothing.
Health gates are read on both sides: the playbook compares each session's
established-transitions (gNMI) before and after, and the test asks each BIRD whether its
session ever dropped.

usage: ansible_fleet_test.py --build BUILD_DIR [unittest args]
"""
import os
import re
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from gnoi_testlib import (ROOT, RouterTestCase, ansible_playbook, free_port, main,  # noqa: E402
                          wait_for)

ROUTERS = ["r1", "r2", "r3"]


class AnsibleFleetTest(RouterTestCase):
    @classmethod
    def setUpRouter(cls):
        cls.setUpArtifacts()
        cls.routers = {}
        for i, name in enumerate(ROUTERS, start=1):
            rpd_port, bird_port = free_port(), free_port()
            config = (f"bgp.asn = 65001\nbgp.router-id = 198.18.0.{i}\nbgp.port = {rpd_port}\n"
                      f"bgp.neighbor.127.0.0.1.remote-as = 65002\n"
                      f"bgp.neighbor.127.0.0.1.port = {bird_port}\n"
                      f"bgp.neighbor.127.0.0.1.update-source = 127.0.0.2\n"
                      f"bgp.neighbor.127.0.0.1.hold-time = 9\n"
                      f"bgp.neighbor.127.0.0.1.connect-retry-ms = 200\n")
            os.makedirs(cls.path(name))
            router = cls.start_router(name, config)
            router.bird = cls.start_bird(name, i, rpd_port, bird_port)
            cls.routers[name] = router
        for name, r in cls.routers.items():
            wait_for(f"{name} in SSO", lambda r=r: cls.issu(r.state).get("standby_hot"), 60)
            wait_for(f"{name}'s BGP session", lambda r=r: cls.bird_session(r)[0], 60)
        cls.before = {name: cls.bird_session(r) for name, r in cls.routers.items()}

    @classmethod
    def start_bird(cls, name, i, rpd_port, bird_port):
        conf, sock = cls.path(name, "bird.conf"), cls.path(name, "bird.ctl")
        with open(conf, "w") as f:
            f.write(f"router id 198.18.1.{i};\nlog \"{cls.path(name, 'bird.log')}\" all;\n"
                    "protocol device {}\n"
                    f"protocol static announce {{ ipv4; route 198.19.{i}.0/24 blackhole; }}\n"
                    "protocol bgp rtr {\n"
                    f"  local 127.0.0.1 port {bird_port} as 65002;\n"
                    f"  neighbor 127.0.0.2 port {rpd_port} as 65001;\n"
                    "  multihop;\n  passive on;\n  hold time 9;\n  graceful restart on;\n"
                    "  ipv4 { import all; export where proto = \"announce\";"
                    " next hop address 198.18.2.2; };\n"
                    "}\n")
        cls.spawn(os.path.join(name, "bird"), ["/usr/sbin/bird", "-f", "-c", conf, "-s", sock])
        wait_for(f"{name}'s BIRD", lambda: os.path.exists(sock), 10)
        return sock

    @staticmethod
    def bird_session(router):
        """(established, since in ms of the day) as BIRD itself shows its session."""
        r = subprocess.run(["/usr/sbin/birdc", "-s", router.bird, "show", "protocols", "rtr"],
                           capture_output=True, text=True, timeout=10)
        m = re.search(r"rtr\s+BGP\s+\S+\s+\S+\s+(\d+):(\d+):(\d+)\.(\d+)\s+(\w+)", r.stdout)
        if m is None:
            return (False, None)
        h, mi, sec, ms = (int(x) for x in m.groups()[:4])
        return (m.group(5) == "Established", ((h * 60 + mi) * 60 + sec) * 1000 + ms)

    def inventory(self, packages):
        with open(self.path("inventory"), "w") as f:
            f.write("[routers]\n")
            for name, r in self.routers.items():
                f.write(f"{name} gnoi_target={r.target} package={packages[name]}\n")
            f.write(f"[routers:vars]\nansible_connection=local\ngnoi_ca={self.path('pki', 'ca.crt')}\n"
                    f"gnoi_cert={self.path('pki', 'operator.crt')}\n"
                    f"gnoi_key={self.path('pki', 'operator.key')}\n")
        return self.path("inventory")

    def run_playbook(self, packages):
        return ansible_playbook(self.tmp, self.inventory(packages),
                                os.path.join(ROOT, "ansible", "rolling-upgrade.yml"),
                                "-e", "target_version=1.1.0")

    def versions(self):
        return {name: [s["image"] for s in self.issu(r.state)["slots"]]
                for name, r in self.routers.items()}

    def assertNoBgpFlap(self):
        # BIRD prints "since" as wall-clock time converted from its monotonic clock: the same
        # instant can read 1 ms apart (as tests/bgp/peer_daemon.h's sameSession allows).
        for name, r in self.routers.items():
            up, since = self.bird_session(r)
            self.assertTrue(up, f"{name}'s BGP session is down")
            self.assertLessEqual(abs(since - self.before[name][1]), 1,
                                 f"{name}'s BGP session restarted")

    def test_1_a_tampered_package_stops_the_roll_after_the_canary(self):
        packages = {name: self.pkg for name in ROUTERS}
        packages["r2"] = self.tampered
        out = self.run_playbook(packages)
        stats = out["stats"]
        self.assertEqual(stats["r1"]["failures"], 0, out["raw"])
        self.assertEqual(stats["r2"]["failures"], 1, out["raw"])
        self.assertNotIn("r3", [h for h, s in stats.items() if s.get("changed")], out["raw"])
        self.assertIn("INTEGRITY_FAIL", out["raw"])
        v = self.versions()
        self.assertEqual(v["r1"], ["1.1.0", "1.1.0"])
        self.assertEqual(v["r2"], ["1.0.0", "1.0.0"])
        self.assertEqual(v["r3"], ["1.0.0", "1.0.0"])
        self.assertEqual(self.issu(self.routers["r3"].state)["record"]["last_operation"], "")
        self.assertNotIn("1.1.0", os.listdir(self.routers["r3"].images))
        self.assertNoBgpFlap()

    def test_2_fixed_then_the_roll_finishes_and_changes_nothing_again(self):
        packages = {name: self.pkg for name in ROUTERS}
        out = self.run_playbook(packages)
        stats = out["stats"]
        for name in ROUTERS:
            self.assertEqual(stats[name]["failures"], 0, out["raw"])
        self.assertEqual(stats["r1"]["changed"], 0, out["raw"])  # already on 1.1.0
        self.assertGreater(stats["r2"]["changed"], 0, out["raw"])
        self.assertGreater(stats["r3"]["changed"], 0, out["raw"])
        self.assertEqual(set(map(tuple, self.versions().values())), {("1.1.0", "1.1.0")})
        self.assertIn("upgraded", out["raw"])
        self.assertNoBgpFlap()
        again = self.run_playbook(packages)
        for name in ROUTERS:
            self.assertEqual(again["stats"][name]["failures"], 0, again["raw"])
            self.assertEqual(again["stats"][name]["changed"], 0, again["raw"])
        self.assertNoBgpFlap()


if __name__ == "__main__":
    main()
