#!/usr/bin/python3
"""gNOI end to end: chassisd with two real rpd images, gnoid over mTLS, and the independent
Python client (scripts/gnoi-client, Debian's python3-grpcio, stubs from grpc_python_plugin).
Bad input first — each answered with the right error and nothing changed — then a full upgrade
over gNOI (Install on both RPs, Activate, Verify), Reboot NSF, SwitchControlProcessor, Time.
Every process and file the test makes is removed at the end, pass or fail.

usage: gnoi_test.py --build BUILD_DIR [unittest args]
"""
import os
import signal
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from gnoi_testlib import RouterTestCase, main, wait_for  # noqa: E402


class GnoiTest(RouterTestCase):
    def store(self):
        return sorted(os.listdir(self.path("images")))

    def assertNothingChanged(self):
        self.assertEqual(self.store(), ["1.0.0"], "the image store changed")
        self.assertEqual(self.issu()["issu_state"], "Init")

    def assertInstallError(self, response, kind, detail_part):
        self.assertIsNotNone(response)
        self.assertTrue(response.HasField("install_error"), str(response))
        self.assertEqual(self.gc.os_pb2.InstallError.Type.Name(response.install_error.type), kind)
        self.assertIn(detail_part, response.install_error.detail)

    def assertRunningImageUntouched(self, version):
        # Installing what is already there is answered Validated (gNOI) without a transfer;
        # the running image's files are not rewritten.
        rpd = self.path("images", version, "rpd")
        before = os.stat(rpd)
        r = self.operator.install(self.pkg, version)
        self.assertTrue(r.HasField("validated"), str(r))
        self.assertIn("already in the image store", r.validated.description)
        after = os.stat(rpd)
        self.assertEqual((before.st_ino, before.st_mtime_ns), (after.st_ino, after.st_mtime_ns))

    # Bad input: each refused with the reason, nothing installed, nothing left behind.
    def test_1_bad_input_changes_nothing(self):
        c = self.operator
        self.assertInstallError(c.install(self.pkg, "1.1"), "PARSE_FAIL",
                                "is not MAJOR.MINOR.MAINTENANCE")
        self.assertInstallError(c.install(self.pkg, "1.2.0"), "INCOMPATIBLE",
                                "the package is version 1.1.0, not 1.2.0")
        size = os.path.getsize(self.pkg)
        self.assertInstallError(c.install(self.pkg, "1.1.0", size=size + 4096), "PARSE_FAIL",
                                f"truncated transfer: {size} of {size + 4096} bytes")
        self.assertInstallError(c.install(self.tampered, "1.1.0"), "INTEGRITY_FAIL", "rpd")
        self.assertRunningImageUntouched("1.0.0")
        r = c.activate("9.9.9")
        self.assertEqual(self.gc.os_pb2.ActivateError.Type.Name(r.activate_error.type),
                         "NON_EXISTENT_VERSION")
        self.assertNothingChanged()

    def test_2_clients_without_the_role_or_a_certificate_are_refused(self):
        with self.assertRaises(self.gc.grpc.RpcError) as e:
            self.viewer.install(self.pkg, "1.1.0")
        self.assertEqual(e.exception.code(), self.gc.grpc.StatusCode.PERMISSION_DENIED)
        self.assertIn("needs the operator role; 'viewer' has viewer", e.exception.details())
        with self.assertRaises(self.gc.grpc.RpcError) as e:
            self.viewer.system.Reboot(self.gc.system_pb2.RebootRequest(
                method=self.gc.system_pb2.NSF), timeout=10)
        self.assertEqual(e.exception.code(), self.gc.grpc.StatusCode.PERMISSION_DENIED)
        self.assertEqual(self.viewer.verify().version, "1.0.0")  # a viewer may read
        anonymous = self.gc.Client(self.target, self.path("pki", "ca.crt"))
        with self.assertRaises(self.gc.grpc.RpcError) as e:
            anonymous.verify()
        self.assertEqual(e.exception.code(), self.gc.grpc.StatusCode.UNAVAILABLE)
        self.assertNothingChanged()

    def test_3_one_install_at_a_time_and_a_partial_upload_is_removed(self):
        release = threading.Event()
        first = {}

        def slow_install():
            def requests():
                gc = self.gc
                yield gc.os_pb2.InstallRequest(transfer_request=gc.os_pb2.TransferRequest(
                    version="1.1.0", package_size=os.path.getsize(self.pkg)))
                yield gc.os_pb2.InstallRequest(transfer_content=b"x" * 1000)
                release.wait(30)
                # then the client goes away: no TransferEnd
            try:
                for r in self.operator.os.Install(requests(), timeout=60):
                    first.setdefault("responses", []).append(r)
            except self.gc.grpc.RpcError as e:
                first["error"] = e.code()

        t = threading.Thread(target=slow_install)
        t.start()
        try:
            wait_for("the first Install to be under way",
                     lambda: any(n.startswith(".install-") for n in os.listdir(
                         self.path("images"))))
            self.assertInstallError(self.operator.install(self.pkg, "1.1.0"),
                                    "INSTALL_IN_PROGRESS", "another Install is in progress")
        finally:
            release.set()
            t.join(60)
        self.assertEqual(first.get("error"), self.gc.grpc.StatusCode.ABORTED)
        wait_for("the partial upload removed",
                 lambda: not any(n.startswith(".install-") for n in os.listdir(
                     self.path("images"))))
        self.assertNothingChanged()

    # The upgrade fleet automation does: Install on both RPs, Activate, Verify.
    def test_4_full_upgrade_over_gnoi(self):
        report = self.gc.upgrade(self.operator, self.pkg, "1.1.0", 120)
        self.assertEqual(report["from"], "1.0.0")
        self.assertEqual(report["to"], "1.1.0")
        self.assertEqual(report["standby"], "1.1.0")
        self.assertEqual(report["activation_fail_message"], "")
        s = wait_for("ISSU back in Init", lambda: (lambda s: s if s.get("issu_state") == "Init"
                                                   and s.get("standby_hot") else None)(
                                                       self.issu()))
        self.assertEqual([x["image"] for x in s["slots"]], ["1.1.0", "1.1.0"])
        self.assertEqual(self.store(), ["1.0.0", "1.1.0"])
        self.assertRunningImageUntouched("1.1.0")

    def test_5_nsf_reboot_switch_control_processor_and_time(self):
        gc = self.gc
        before = self.issu()["active_slot"]
        self.operator.system.Reboot(gc.system_pb2.RebootRequest(method=gc.system_pb2.NSF,
                                                                message="test"), timeout=60)
        self.assertNotEqual(self.issu()["active_slot"], before)
        status = self.viewer.system.RebootStatus(gc.system_pb2.RebootStatusRequest(), timeout=10)
        self.assertEqual(status.count, 1)
        self.assertEqual(status.reason, "test")
        self.assertEqual(gc.system_pb2.RebootStatus.Status.Name(status.status.status),
                         "STATUS_SUCCESS")
        wait_for("the standby hot again", lambda: self.issu().get("standby_hot"))
        path = gc.types_pb2.Path(elem=[gc.types_pb2.PathElem(name="components"),
                                       gc.types_pb2.PathElem(name="component",
                                                             key={"name": f"RP{before}"})])
        r = self.operator.system.SwitchControlProcessor(
            gc.system_pb2.SwitchControlProcessorRequest(control_processor=path), timeout=60)
        self.assertEqual(r.control_processor.elem[-1].key["name"], f"RP{before}")
        self.assertEqual(self.issu()["active_slot"], before)
        with self.assertRaises(gc.grpc.RpcError) as e:
            bad = gc.types_pb2.Path(elem=[gc.types_pb2.PathElem(name="RP7")])
            self.operator.system.SwitchControlProcessor(
                gc.system_pb2.SwitchControlProcessorRequest(control_processor=bad), timeout=10)
        self.assertEqual(e.exception.code(), gc.grpc.StatusCode.INVALID_ARGUMENT)
        now = self.viewer.system.Time(gc.system_pb2.TimeRequest(), timeout=10).time
        self.assertLess(abs(now / 1e9 - time.time()), 5)

    def test_6_a_switchover_during_install_fails_it(self):
        gc = self.gc
        release = threading.Event()
        with open(self.pkg_111, "rb") as f:
            data = f.read()
        result = {}

        def install():
            def requests():
                yield gc.os_pb2.InstallRequest(transfer_request=gc.os_pb2.TransferRequest(
                    version="1.1.1", package_size=len(data)))
                yield gc.os_pb2.InstallRequest(transfer_content=data[:65536])
                release.wait(30)
                for i in range(65536, len(data), 65536):
                    yield gc.os_pb2.InstallRequest(transfer_content=data[i:i + 65536])
                yield gc.os_pb2.InstallRequest(transfer_end=gc.os_pb2.TransferEnd())
            for r in self.operator.os.Install(requests(), timeout=120):
                result["last"] = r

        t = threading.Thread(target=install)
        t.start()
        try:
            wait_for("the Install under way", lambda: any(
                n.startswith(".install-") for n in os.listdir(self.path("images"))))
            wait_for("the standby hot", lambda: self.issu().get("standby_hot"))
            self.operator.system.Reboot(gc.system_pb2.RebootRequest(method=gc.system_pb2.NSF),
                                        timeout=60)
        finally:
            release.set()
            t.join(120)
        self.assertInstallError(result.get("last"), "UNEXPECTED_SWITCHOVER", "install again")
        self.assertNotIn("1.1.1", self.store())
        self.assertFalse(any(n.startswith(".install-") for n in os.listdir(self.path("images"))))

    # An automatic rollback is an activation that failed: Verify says why.
    def test_7_verify_reports_an_automatic_rollback(self):
        wait_for("the standby hot", lambda: self.issu().get("standby_hot"))
        self.gc.activate_or_die(self.operator, "1.0.0", True)
        self.operator.wait_for("the standby on 1.0.0",
                               lambda v: self.gc.standby_version(v) == "1.0.0", 60)
        s = self.issu()
        os.kill(s["slots"][s["active_slot"]]["pid"], signal.SIGKILL)
        v = self.operator.wait_for(
            "the rollback to 1.1.0 on both RPs",
            lambda v: v.version == "1.1.0" and self.gc.standby_version(v) == "1.1.0" and
            v.activation_fail_message, 60)
        self.assertEqual(v.activation_fail_message, "unplanned switchover during Load Version")

    # COLD: both RPs restart from their boot images; the chassis comes back in SSO.
    def test_8_cold_reboot_restarts_both_rps(self):
        gc = self.gc
        wait_for("the standby hot", lambda: self.issu().get("standby_hot"))
        pids = sorted(x["pid"] for x in self.issu()["slots"])
        self.operator.system.Reboot(gc.system_pb2.RebootRequest(method=gc.system_pb2.COLD,
                                                                message="cold"), timeout=60)
        s = wait_for("both RPs back in SSO", lambda: (lambda s: s if s.get("standby_hot") and
                                                      sorted(x["pid"] for x in s["slots"]) !=
                                                      pids else None)(self.issu()))
        self.assertTrue(all(x["pid"] not in pids for x in s["slots"]), "an RP was not restarted")
        status = self.viewer.system.RebootStatus(gc.system_pb2.RebootStatusRequest(), timeout=10)
        self.assertEqual(gc.system_pb2.RebootMethod.Name(status.method), "COLD")
        self.assertEqual(gc.system_pb2.RebootStatus.Status.Name(status.status.status),
                         "STATUS_SUCCESS")
        with self.assertRaises(gc.grpc.RpcError) as e:
            self.operator.system.Reboot(gc.system_pb2.RebootRequest(method=gc.system_pb2.HALT),
                                        timeout=10)
        self.assertEqual(e.exception.code(), gc.grpc.StatusCode.UNIMPLEMENTED)


if __name__ == "__main__":
    main()
