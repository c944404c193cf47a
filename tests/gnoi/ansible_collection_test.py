#!/usr/bin/python3
"""The Ansible collection hitless.router (ansible/) driving a real router: Debian's
ansible-playbook runs the modules, which speak gNOI over mTLS to gnoid (stubs generated from
openconfig's protos). Check mode changes nothing; the upgrade play moves both RPs to 1.1.0; run
again it changes nothing; a tampered image fails with the router's reason; ansible-doc reads
every module's documentation.

usage: ansible_collection_test.py --build BUILD_DIR [unittest args]
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from gnoi_testlib import RouterTestCase, ansible_doc, ansible_playbook, main  # noqa: E402

MODULES = ["hitless_facts", "hitless_image", "hitless_upgrade"]


class AnsibleCollectionTest(RouterTestCase):
    # A BGP neighbor that never answers (nothing listens on that port): a session the facts
    # report as it is, not Established, never established.
    rpd_config = ("bgp.asn = 65001\nbgp.router-id = 198.18.0.1\nbgp.port = 0\n"
                  "bgp.neighbor.127.0.0.1.remote-as = 65002\n"
                  "bgp.neighbor.127.0.0.1.port = 1\n"
                  "bgp.neighbor.127.0.0.1.connect-retry-ms = 1000\n")

    @classmethod
    def connect(cls):
        pass  # the modules connect themselves

    @classmethod
    def try_verify(cls):
        return cls.play("facts.yml", "").get("ok")

    @classmethod
    def play(cls, name, tasks, *flags):
        """Runs a play of `tasks` against the router; its stats and each task's result."""
        common = (f"target: \"{cls.target}\"\n      ca_cert: {cls.path('pki', 'ca.crt')}\n"
                  f"      client_cert: {cls.path('pki', 'operator.crt')}\n"
                  f"      client_key: {cls.path('pki', 'operator.key')}")
        facts = f"  - hitless.router.hitless_facts:\n      {common}\n"
        with open(cls.path(name), "w") as f:
            f.write("- hosts: router\n  gather_facts: false\n  tasks:\n" + facts +
                    tasks.replace("COMMON", common) + facts)
        with open(cls.path("inventory"), "w") as f:
            f.write("router ansible_connection=local\n")
        out = ansible_playbook(cls.tmp, cls.path("inventory"), cls.path(name), *flags)
        stats = out["stats"].get("router", {})
        results = [t["hosts"]["router"] for p in out["plays"] for t in p["tasks"]]
        return {"ok": stats.get("failures", 1) == 0 and stats.get("unreachable", 1) == 0,
                "changed": stats.get("changed"), "results": results, "raw": out["raw"]}

    def upgrade_tasks(self, package, version):
        return (f"  - hitless.router.hitless_image:\n      package: {package}\n"
                f"      version: {version}\n      COMMON\n"
                f"  - hitless.router.hitless_upgrade:\n      version: {version}\n"
                f"      timeout: 120\n      COMMON\n")

    def test_1_documentation(self):
        for m in MODULES:
            r = ansible_doc(self.tmp, f"hitless.router.{m}")
            self.assertEqual(r.returncode, 0, r.stderr)
            self.assertIn("target", r.stdout)

    def test_2_facts_over_gnoi_and_gnmi(self):
        p = self.play("facts.yml", "")
        self.assertTrue(p["ok"], p["raw"])
        facts = p["results"][-1]["ansible_facts"]["hitless"]
        self.assertEqual((facts["version"], facts["standby_version"]), ("1.0.0", "1.0.0"))
        rps = {rp["name"]: rp for rp in facts["rps"]}
        self.assertEqual(sorted(rps), ["RP0", "RP1"])
        active = f"RP{self.issu()['active_slot']}"
        self.assertEqual(rps[active]["role"], "ACTIVE")
        self.assertEqual(rps[active]["software_version"], "1.0.0")
        [n] = facts["bgp_neighbors"]
        self.assertEqual((n["address"], n["peer_as"]), ("127.0.0.1", 65002))
        self.assertNotEqual(n["session_state"], "ESTABLISHED")
        self.assertEqual(n["established_transitions"], 0)
        self.assertIsNone(n["last_established"])
        # chassisd runs no fwdd or gnoid here and was not installed from a package; no
        # switchover yet.
        self.assertEqual(facts["components"], {"chassisd": None})
        self.assertIsNone(facts["fib_routes"])
        self.assertIsNone(facts["last_switchover"])
        self.assertEqual((facts["issu_state"], facts["standby_hot"]), ("Init", True))
        self.assertIsNone(facts["rollback_timer_remaining_s"])
        self.assertIsNone(n["uptime_s"])

    def test_2b_check_mode_changes_nothing(self):
        p = self.play("check.yml", self.upgrade_tasks(self.pkg, "1.1.0"), "--check")
        self.assertTrue(p["ok"], p["raw"])
        self.assertEqual(p["changed"], 2, p["raw"])
        self.assertNotIn("1.1.0", os.listdir(self.path("images")))
        self.assertEqual(p["results"][-1]["ansible_facts"]["hitless"]["version"], "1.0.0")

    def test_3_upgrade_then_nothing_to_change(self):
        p = self.play("upgrade.yml", self.upgrade_tasks(self.pkg, "1.1.0"))
        self.assertTrue(p["ok"], p["raw"])
        self.assertEqual(p["changed"], 2, p["raw"])
        facts = p["results"][-1]["ansible_facts"]["hitless"]
        self.assertEqual((facts["version"], facts["standby_version"]), ("1.1.0", "1.1.0"))
        self.assertEqual(p["results"][2]["before"]["version"], "1.0.0")
        self.assertEqual(facts["last_switchover"]["trigger"], "USER_INITIATED")
        again = self.play("upgrade.yml", self.upgrade_tasks(self.pkg, "1.1.0"))
        self.assertTrue(again["ok"], again["raw"])
        self.assertEqual(again["changed"], 0, again["raw"])

    def test_4_a_tampered_image_fails_with_the_routers_reason(self):
        p = self.play("tampered.yml", self.upgrade_tasks(self.tampered, "1.1.2"))
        self.assertFalse(p["ok"], p["raw"])
        failed = [r for r in p["results"] if r.get("failed")]
        self.assertEqual(len(failed), 1, p["raw"])
        self.assertIn("INTEGRITY_FAIL", failed[0]["msg"])
        self.assertNotIn("1.1.2", os.listdir(self.path("images")))


if __name__ == "__main__":
    main()
