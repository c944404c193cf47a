#!/usr/bin/python3
"""gNOI conformance against openconfig's own protos: stubs generated at build time from
third_party/openconfig (upstream os.proto and system.proto, unchanged), used as a new user of
gnoid would use them — gnoic, a vendor's automation — not through our subset in proto/gnoi.
Each flow follows what os.proto and system.proto say a target must do:

  Install   package_size left out (optional: 0 = not given); version left out ("the OS package
            is forced transferred", named by the target in Validated.version); the same package
            again, unnamed (Validated, nothing replaced); a package sent under another name
            (the check os.proto leaves to the client: gnoid refuses it, docs/gnoi.md)
  Activate  on the standby, then the active; Verify until both RPs run the new version
  System    Time, Reboot NSF + RebootStatus, SwitchControlProcessor back
  gNMI      Capabilities; Get of /components (JSON_IETF); a path not served: UNIMPLEMENTED

usage: gnoi_upstream_test.py --build BUILD_DIR [unittest args]
"""
import json
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from gnoi_testlib import ARGS, RouterTestCase, main, wait_for  # noqa: E402

import grpc  # noqa: E402


class UpstreamGnoiTest(RouterTestCase):
    @classmethod
    def connect(cls):
        sys.path.insert(0, os.path.join(ARGS.build, "gnoi-upstream-py"))
        from github.com.openconfig.gnoi.os import os_pb2, os_pb2_grpc
        from github.com.openconfig.gnoi.system import system_pb2, system_pb2_grpc
        from github.com.openconfig.gnoi.types import types_pb2
        from github.com.openconfig.gnmi.proto.gnmi import gnmi_pb2, gnmi_pb2_grpc
        cls.os_pb2, cls.system_pb2, cls.types_pb2 = os_pb2, system_pb2, types_pb2
        cls.gnmi_pb2 = gnmi_pb2

        def read(name):
            with open(cls.path("pki", name), "rb") as f:
                return f.read()
        creds = grpc.ssl_channel_credentials(read("ca.crt"), read("operator.key"),
                                             read("operator.crt"))
        channel = grpc.secure_channel(cls.target, creds)
        cls.os = os_pb2_grpc.OSStub(channel)
        cls.system = system_pb2_grpc.SystemStub(channel)
        cls.gnmi = gnmi_pb2_grpc.gNMIStub(channel)

    @classmethod
    def try_verify(cls):
        try:
            return cls.os.Verify(cls.os_pb2.VerifyRequest(), timeout=10)
        except grpc.RpcError:
            return None

    def install(self, package, transfer_request):
        """Streams `package` after `transfer_request`; the last InstallResponse."""
        with open(package, "rb") as f:
            data = f.read()

        def requests():
            yield self.os_pb2.InstallRequest(transfer_request=transfer_request)
            for i in range(0, len(data), 64 * 1024):
                yield self.os_pb2.InstallRequest(transfer_content=data[i:i + 64 * 1024])
            yield self.os_pb2.InstallRequest(transfer_end=self.os_pb2.TransferEnd())
        last = None
        for r in self.os.Install(requests(), timeout=120):
            last = r
        return last

    def verify(self):
        return self.os.Verify(self.os_pb2.VerifyRequest(), timeout=10)

    def test_1_install_with_the_optional_fields_left_out(self):
        pb = self.os_pb2
        r = self.install(self.pkg, pb.TransferRequest())
        self.assertTrue(r.HasField("validated"), str(r))
        self.assertEqual(r.validated.version, "1.1.0")  # named by the package itself
        self.assertIn("1.1.0", os.listdir(self.path("images")))
        r = self.install(self.pkg, pb.TransferRequest())
        self.assertTrue(r.HasField("validated"), str(r))
        self.assertEqual(r.validated.version, "1.1.0")
        self.assertIn("already in the image store", r.validated.description)
        r = self.install(self.pkg_111, pb.TransferRequest(version="1.1.1"))  # no package_size
        self.assertTrue(r.HasField("validated"), str(r))
        self.assertEqual(r.validated.version, "1.1.1")
        r = self.install(self.pkg_111, pb.TransferRequest(version="1.2.0"))
        self.assertTrue(r.HasField("install_error"), str(r))
        self.assertEqual(pb.InstallError.Type.Name(r.install_error.type), "INCOMPATIBLE")
        self.assertIn("not 1.2.0 as requested", r.install_error.detail)
        self.assertNotIn("1.2.0", os.listdir(self.path("images")))
        self.assertFalse(any(n.startswith(".install-") for n in os.listdir(self.path("images"))))

    def test_2_activate_the_standby_then_the_active_and_verify(self):
        pb = self.os_pb2
        wait_for("the standby hot", lambda: self.issu().get("standby_hot"))
        r = self.os.Activate(pb.ActivateRequest(version="1.1.0", standby_supervisor=True),
                             timeout=60)
        self.assertTrue(r.HasField("activate_ok"), str(r))

        def standby_on(version):
            v = self.verify()
            return v.verify_standby.HasField("verify_response") and \
                v.verify_standby.verify_response.version == version
        wait_for("the standby on 1.1.0", lambda: standby_on("1.1.0"), 120)
        r = self.os.Activate(pb.ActivateRequest(version="1.1.0"), timeout=60)
        self.assertTrue(r.HasField("activate_ok"), str(r))
        wait_for("both RPs on 1.1.0",
                 lambda: self.verify().version == "1.1.0" and standby_on("1.1.0"), 120)
        v = self.verify()
        self.assertEqual(v.activation_fail_message, "")
        self.assertFalse(v.individual_supervisor_install)  # one store for both RPs
        wait_for("ISSU back in Init",
                 lambda: self.issu().get("issu_state") == "Init" and
                 self.issu().get("standby_hot"), 120)

    def test_3_time_reboot_and_switch_control_processor(self):
        pb, tp = self.system_pb2, self.types_pb2
        now = self.system.Time(pb.TimeRequest(), timeout=10).time
        self.assertLess(abs(now / 1e9 - time.time()), 5)
        wait_for("the standby hot", lambda: self.issu().get("standby_hot"))
        before = self.issu()["active_slot"]
        self.system.Reboot(pb.RebootRequest(method=pb.NSF, message="upstream"), timeout=60)
        self.assertNotEqual(self.issu()["active_slot"], before)
        status = self.system.RebootStatus(pb.RebootStatusRequest(), timeout=10)
        self.assertEqual(status.reason, "upstream")
        self.assertEqual(pb.RebootStatus.Status.Name(status.status.status), "STATUS_SUCCESS")
        wait_for("the standby hot again", lambda: self.issu().get("standby_hot"))
        path = tp.Path(elem=[tp.PathElem(name="components"),
                             tp.PathElem(name="component", key={"name": f"RP{before}"})])
        r = self.system.SwitchControlProcessor(
            pb.SwitchControlProcessorRequest(control_processor=path), timeout=60)
        self.assertEqual(r.control_processor.elem[-1].key["name"], f"RP{before}")
        self.assertEqual(self.issu()["active_slot"], before)

    def test_4_gnmi_get_of_the_components(self):
        pb = self.gnmi_pb2
        caps = self.gnmi.Capabilities(pb.CapabilityRequest(), timeout=10)
        self.assertIn(pb.JSON_IETF, caps.supported_encodings)
        r = self.gnmi.Get(pb.GetRequest(path=[pb.Path(elem=[pb.PathElem(name="components")])],
                                        encoding=pb.JSON_IETF), timeout=10)
        value = json.loads(r.notification[0].update[0].val.json_ietf_val)
        components = {c["name"]: c["state"] for c in value["openconfig-platform:component"]}
        # The two RPs, the chassis and chassisd itself (no fwdd or gnoid under it here).
        self.assertEqual(sorted(components), ["RP0", "RP1", "chassis", "chassisd"])
        self.assertEqual(components["chassis"]["hitless:issu-state"], "Init")
        self.assertTrue(components["chassisd"]["type"].endswith(":SOFTWARE_MODULE"))
        # Earlier tests switched over by asking (Activate, SwitchControlProcessor): the active
        # RP carries the last switchover, and it was user-initiated.
        last = [c for c in components.values() if "last-switchover-reason" in c]
        self.assertEqual(len(last), 1, components)
        self.assertEqual(last[0]["hitless:rf-role"], "ACTIVE")
        self.assertEqual(last[0]["last-switchover-reason"]["trigger"],
                         "openconfig-platform-types:USER_INITIATED")
        self.assertGreater(int(last[0]["last-switchover-time"]), 0)
        with self.assertRaises(grpc.RpcError) as e:
            self.gnmi.Get(pb.GetRequest(path=[pb.Path(elem=[pb.PathElem(name="interfaces")])],
                                        encoding=pb.JSON_IETF), timeout=10)
        self.assertEqual(e.exception.code(), grpc.StatusCode.UNIMPLEMENTED)
        self.assertIn("/interfaces is not served", e.exception.details())


if __name__ == "__main__":
    main()
