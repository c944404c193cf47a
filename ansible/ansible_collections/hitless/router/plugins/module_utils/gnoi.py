# -*- coding: utf-8 -*-
# The gNOI side of every hitless.router module: one mTLS channel to a router's gnoid and the
# OS/System stubs, generated from openconfig's own protos (the build writes them to
# BUILD/gnoi-upstream-py; `stubs` or $HITLESS_GNOI_STUBS names the directory).
from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import os
import sys
import time

COMMON_ARGS = dict(
    target=dict(type="str", required=True),
    ca_cert=dict(type="path", required=True),
    client_cert=dict(type="path", required=True),
    client_key=dict(type="path", required=True, no_log=False),
    stubs=dict(type="path"),
    timeout=dict(type="int", default=600),
)


class Router:
    """A connection to one router's gnoid. Raises RouterError with a one-line reason."""

    def __init__(self, module):
        self.module = module
        p = module.params
        stubs = p.get("stubs") or os.environ.get("HITLESS_GNOI_STUBS")
        if not stubs or not os.path.isdir(stubs):
            raise RouterError("the gNOI stubs directory is not set or missing (option stubs, "
                              "or HITLESS_GNOI_STUBS): " + str(stubs))
        sys.path.insert(0, stubs)
        try:
            import grpc
            from github.com.openconfig.gnoi.os import os_pb2, os_pb2_grpc
            from github.com.openconfig.gnoi.system import system_pb2, system_pb2_grpc
            from github.com.openconfig.gnmi.proto.gnmi import gnmi_pb2, gnmi_pb2_grpc
        except ImportError as e:
            raise RouterError("cannot load grpc or the gNOI stubs from %s: %s" % (stubs, e))
        self.grpc, self.os_pb2, self.system_pb2, self.gnmi_pb2 = grpc, os_pb2, system_pb2, gnmi_pb2

        def read(path):
            with open(path, "rb") as f:
                return f.read()
        creds = grpc.ssl_channel_credentials(read(p["ca_cert"]), read(p["client_key"]),
                                             read(p["client_cert"]))
        channel = grpc.secure_channel(p["target"], creds)
        self.os = os_pb2_grpc.OSStub(channel)
        self.system = system_pb2_grpc.SystemStub(channel)
        self.gnmi = gnmi_pb2_grpc.gNMIStub(channel)

    def call(self, what, fn, *args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except self.grpc.RpcError as e:
            raise RouterError("%s: %s: %s" % (what, e.code().name, e.details()))

    def get(self, elems):
        """gNMI Get (JSON_IETF) of one path, given as [(name, {key: value}), ...]: its value."""
        pb = self.gnmi_pb2
        path = pb.Path(elem=[pb.PathElem(name=n, key=k) for n, k in elems])
        r = self.call("gNMI.Get", self.gnmi.Get,
                      pb.GetRequest(path=[path], encoding=pb.JSON_IETF), timeout=30)
        return json.loads(r.notification[0].update[0].val.json_ietf_val)

    def components(self):
        """gNMI /components as plain data: rps (each RP's version and roles), components (the
        version each supervised process - fwdd, chassisd, gnoid - runs), fib_routes (None
        without fwdd), last_switchover (time_ns, trigger, details; None if none yet) and the
        ISSU procedure's issu_state, standby_hot, rollback_timer_remaining_s."""
        rps, modules, fib_routes, last, issu = [], {}, None, None, {}
        for c in self.get([("components", {})]).get("openconfig-platform:component", []):
            st = c["state"]
            if st.get("type", "").endswith(":CONTROLLER_CARD"):
                rps.append({"name": c["name"], "software_version": st.get("software-version"),
                            "redundant_role": st.get("redundant-role"),
                            "role": st.get("hitless:rf-role")})
                if "last-switchover-reason" in st:
                    reason = st["last-switchover-reason"]
                    last = {"time_ns": int(st.get("last-switchover-time", 0)),
                            "trigger": reason.get("trigger", "").split(":")[-1],
                            "details": reason.get("details", "")}
                continue
            if st.get("type", "").endswith(":CHASSIS"):
                issu = {"issu_state": st.get("hitless:issu-state"),
                        "standby_hot": st.get("hitless:standby-hot"),
                        "rollback_timer_remaining_s": st.get("hitless:rollback-timer-remaining")}
                continue
            modules[c["name"]] = st.get("software-version")
            if "hitless:fib-routes" in st:
                fib_routes = int(st["hitless:fib-routes"])
        return dict(issu, rps=rps, components=modules, fib_routes=fib_routes,
                    last_switchover=last)

    def bgp_neighbors(self):
        elems = [("network-instances", {}), ("network-instance", {"name": "DEFAULT"}),
                 ("protocols", {}), ("protocol", {"identifier": "BGP", "name": "BGP"}),
                 ("bgp", {}), ("neighbors", {})]
        out = []
        for n in self.get(elems).get("openconfig-network-instance:neighbor", []):
            st = n["state"]
            prefixes = n["afi-safis"]["afi-safi"][0]["state"]["prefixes"]
            out.append({"address": n["neighbor-address"], "peer_as": st.get("peer-as"),
                        "session_state": st.get("session-state"),
                        "established_transitions": int(st.get("established-transitions", 0)),
                        "last_established": int(st["last-established"])
                        if "last-established" in st else None,
                        "prefixes_received": prefixes.get("received"),
                        "prefixes_sent": prefixes.get("sent")})
        return out

    def verify(self):
        return self.call("OS.Verify", self.os.Verify, self.os_pb2.VerifyRequest(), timeout=30)

    def state(self):
        """What Verify says, as plain data."""
        v = self.verify()
        standby = None
        if v.verify_standby.HasField("verify_response"):
            standby = v.verify_standby.verify_response.version
        return {"version": v.version, "standby_version": standby,
                "activation_fail_message": v.activation_fail_message,
                "individual_supervisor_install": v.individual_supervisor_install}

    def wait(self, what, predicate, timeout_s):
        deadline = time.monotonic() + timeout_s
        last = None
        while time.monotonic() < deadline:
            try:
                last = self.state()
            except RouterError:
                last = None  # gnoid answers again once the switchover is over
            if last is not None and predicate(last):
                return last
            time.sleep(0.5)  # Verify polling cadence, bounded by timeout_s
        raise RouterError("timed out after %d s waiting for %s; last Verify: %s"
                          % (timeout_s, what, last))


class RouterError(Exception):
    pass
