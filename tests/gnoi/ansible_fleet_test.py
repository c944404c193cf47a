#!/usr/bin/python3
"""ansible/rolling-upgrade.yml on the netns fleet of scripts/fleet: three routers, each with
fwdd owning its kernel FIB, chassisd with two RPs, gnoid on a management address and a BIRD 2
peer, traffic through every router during every run, Ansible in the management namespace.

  0. the playbook passes ansible-playbook --syntax-check; a viewer reads r1's facts (FIB route
     count, component versions, ISSU state, BGP) from the management namespace;
  1. in check mode it reports the three routers that would change and changes none;
  2. router r2 given a tampered package: the canary r1 is upgraded, r2's upload fails with the
     router's reason, the play stops; r3 untouched (1.0.0, no ISSU operation, no image), r2
     unchanged;
  3. with the package fixed, r2's active rpd killed (kill -9) during its upgrade: r2 rolls
     itself back, the playbook fails with that reason and stops; r3 still untouched;
  4. run again, r2 is refused (its last activation failed) until the operator says to retry;
     then the roll finishes r2 and r3; a further run changes nothing.
Every run: 0 packets lost on any router, and each BIRD's own view shows its session never
dropped (except r2's graceful restart after the kill, which is what that test provokes).

usage: ansible_fleet_test.py --build BUILD_DIR [unittest args]
"""
import json
import os
import signal
import subprocess
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import gnoi_testlib  # noqa: E402
from gnoi_testlib import ARGS, ROOT, main, wait_for  # noqa: E402

fleet_lib = gnoi_testlib.fleet_lib()
ROUTERS = ["r1", "r2", "r3"]


def summary(report):
    """The lines of the playbook's summary table (its last task, run once)."""
    task = report["plays"][-1]["tasks"][-1]
    return next(iter(task["hosts"].values()))["msg"][1:]


class AnsibleFleetTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.fleet = fleet_lib.Fleet(ARGS.build, n=len(ROUTERS), routes=1000, pps=5000,
                                    log=lambda *_: None).up()
        cls.sessions = cls.fleet.bgp_sessions()

    @classmethod
    def tearDownClass(cls):
        cls.fleet.down()

    def router(self, name):
        return self.fleet.routers[name]

    def versions(self):
        return {name: self.fleet.versions(self.router(name)) for name in ROUTERS}

    def assertNoLoss(self, loss):
        print(f"\n  traffic: {loss}", file=sys.stderr)  # the figures, for the log
        for name in ROUTERS:
            self.assertGreater(loss[name]["sent"], 0, name)
            self.assertEqual(loss[name]["lost"], 0, f"{name}: {loss[name]}")

    def assertNoBgpFlap(self):
        now = self.fleet.bgp_sessions()
        for name in ROUTERS:
            self.assertTrue(fleet_lib.same_session(self.sessions[name], now[name]),
                            f"{name}'s BGP session restarted: {self.sessions[name]} -> {now[name]}")

    def assertUntouched(self, name):
        self.assertEqual(self.fleet.versions(self.router(name)), ["1.0.0", "1.0.0"])
        self.assertEqual(self.fleet.issu(self.router(name))["record"]["last_operation"], "")
        self.assertNotIn("1.1.0", os.listdir(self.router(name).images))

    def test_0_syntax_check(self):
        r = subprocess.run(
            ["ansible-playbook", "--syntax-check", "-i", self.fleet.inventory(),
             os.path.join(ROOT, "ansible", "rolling-upgrade.yml")],
            capture_output=True, text=True, timeout=120,
            env=fleet_lib.ansible_env(self.fleet.out, self.fleet.build))
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)

    def test_0b_facts_from_the_management_namespace(self):
        r1 = self.router("r1")
        pki = os.path.join(self.fleet.out, "pki")
        r = subprocess.run(
            ["ip", "netns", "exec", self.fleet.mgmt, "ansible", "r1", "-i",
             self.fleet.inventory(), "-m", "hitless.router.hitless_facts", "-a",
             f"target={r1.gnoi_target} ca_cert={pki}/ca.crt client_cert={pki}/viewer.crt"
             f" client_key={pki}/viewer.key"],
            capture_output=True, text=True, timeout=120,
            env=fleet_lib.ansible_env(self.fleet.out, self.fleet.build,
                                      ANSIBLE_LOAD_CALLBACK_PLUGINS="1",
                                      ANSIBLE_STDOUT_CALLBACK="json"))
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        report = json.loads(r.stdout)
        facts = report["plays"][0]["tasks"][0]["hosts"]["r1"]["ansible_facts"]["hitless"]
        self.assertEqual(facts["fib_routes"], 1001)  # BIRD's 1,000 and 198.19.0.0/24
        self.assertEqual(facts["components"]["fwdd"], "1.0.0")
        self.assertEqual(facts["issu_state"], "Init")
        [n] = facts["bgp_neighbors"]
        self.assertEqual((n["session_state"], n["prefixes_received"]), ("ESTABLISHED", 1001))
        self.assertGreaterEqual(n["uptime_s"], 0)

    def test_1_check_mode_reports_three_routers_and_changes_none(self):
        with self.fleet.traffic() as loss:
            out = self.fleet.playbook("--check")
        for name in ROUTERS:
            self.assertEqual(out["stats"][name]["failures"], 0, out["raw"])
            self.assertGreater(out["stats"][name]["changed"], 0, out["raw"])
            self.assertUntouched(name)
        self.assertEqual([line.split()[0] for line in summary(out)
                          if line.endswith("would upgrade (check mode)")], ROUTERS, out["raw"])
        self.assertNoLoss(loss)
        self.assertNoBgpFlap()

    def test_2_a_tampered_package_stops_the_roll_after_the_canary(self):
        with self.fleet.traffic() as loss:
            out = self.fleet.playbook(packages={"r2": self.fleet.tampered})
        stats = out["stats"]
        self.assertEqual(stats["r1"]["failures"], 0, out["raw"])
        self.assertEqual(stats["r2"]["failures"], 1, out["raw"])
        self.assertFalse(stats.get("r3", {}).get("changed"), out["raw"])
        self.assertIn("INTEGRITY_FAIL", out["raw"])
        v = self.versions()
        self.assertEqual(v["r1"], ["1.1.0", "1.1.0"])
        self.assertEqual(v["r2"], ["1.0.0", "1.0.0"])
        self.assertUntouched("r3")
        self.assertNoLoss(loss)
        self.assertNoBgpFlap()

    def test_3_the_active_killed_mid_upgrade_rolls_back_and_stops_the_roll(self):
        r2 = self.router("r2")

        def loaded():  # r2's standby runs 1.1.0 and is in sync; the active is still the old one
            s = self.fleet.issu(r2)
            return s if (s.get("issu_state") == "Load Version" and s.get("standby_hot") and
                         s["record"].get("step") == "standby-hot") else None
        with self.fleet.traffic() as loss:
            play = self.fleet.playbook(popen=True)
            try:
                s = wait_for("r2 in Load Version with its standby hot", loaded, 300)
                victim = s["slots"][s["active_slot"]]["pid"]
                os.kill(victim, signal.SIGKILL)
            finally:
                out = self.fleet.finish(play)
            wait_for("r2 rolled back, in SSO", lambda: self.fleet.issu(r2).get("issu_state") ==
                     "Init" and self.fleet.issu(r2).get("standby_hot"), 120)
        stats = out["stats"]
        self.assertEqual(stats["r1"]["failures"], 0, out["raw"])
        self.assertEqual(stats["r1"]["changed"], 0, out["raw"])  # already on 1.1.0
        self.assertEqual(stats["r2"]["failures"], 1, out["raw"])
        self.assertIn("rolled the activation of 1.1.0 back", out["raw"])
        self.assertEqual(self.fleet.versions(r2), ["1.0.0", "1.0.0"])
        self.assertUntouched("r3")
        self.assertNoLoss(loss)
        # r2's BGP restarted gracefully (the peer's view: one restart); it is back up.
        wait_for("r2's BGP session", lambda: fleet_lib.bird_session(r2.bird)[0], 60)
        self.__class__.sessions["r2"] = fleet_lib.bird_session(r2.bird)
        self.assertNoBgpFlap()

    def test_4_retried_the_roll_finishes_then_changes_nothing(self):
        refused = self.fleet.playbook()  # r2's rolled-back activation: retried only when asked
        self.assertEqual(refused["stats"]["r2"]["failures"], 1, refused["raw"])
        self.assertIn("retry_failed=true", refused["raw"])
        self.assertIn("unplanned switchover", refused["raw"])
        self.assertFalse(any(s.get("changed") for s in refused["stats"].values()), refused["raw"])
        with self.fleet.traffic() as loss:
            out = self.fleet.playbook("-e", "retry_failed=true")
        stats = out["stats"]
        for name in ROUTERS:
            self.assertEqual(stats[name]["failures"], 0, out["raw"])
        self.assertEqual(stats["r1"]["changed"], 0, out["raw"])
        self.assertGreater(stats["r2"]["changed"], 0, out["raw"])
        self.assertGreater(stats["r3"]["changed"], 0, out["raw"])
        self.assertEqual(set(map(tuple, self.versions().values())), {("1.1.0", "1.1.0")})
        self.assertEqual([line.split()[0] for line in summary(out) if line.endswith(" upgraded")],
                         ["r2", "r3"], out["raw"])
        self.assertNoLoss(loss)
        self.assertNoBgpFlap()
        again = self.fleet.playbook()
        for name in ROUTERS:
            self.assertEqual(again["stats"][name]["failures"], 0, again["raw"])
            self.assertEqual(again["stats"][name]["changed"], 0, again["raw"])
        self.assertNoBgpFlap()


if __name__ == "__main__":
    main()
