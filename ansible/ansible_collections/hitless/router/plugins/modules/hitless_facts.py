#!/usr/bin/python
# -*- coding: utf-8 -*-
from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: hitless_facts
short_description: Read a hitless router's software state over gNOI
version_added: "0.1.0"
description:
  - Asks the router's gnoid over mTLS what each route processor runs (gNOI C(OS.Verify),
    C(System.Time)) and, through gNMI C(Get) of the openconfig models, the route processors
    (C(/components)) and every BGP session (C(/network-instances/.../bgp/neighbors)), and
    returns it all as the fact C(hitless).
  - Read-only; a certificate with the viewer role is enough.
  - A session's C(established_transitions) moves on every flap; compare it before and after an
    upgrade to prove the upgrade was invisible to the neighbor.
extends_documentation_fragment:
  - hitless.router.gnoi
author:
  - hitless developers
"""

EXAMPLES = r"""
- name: What the router runs
  hitless.router.hitless_facts:
    target: "{{ inventory_hostname }}:9339"
    ca_cert: pki/ca.crt
    client_cert: pki/viewer.crt
    client_key: pki/viewer.key
- ansible.builtin.debug:
    msg: "{{ hitless.version }} / standby {{ hitless.standby_version }}"
"""

RETURN = r"""
ansible_facts:
  description: The fact C(hitless).
  returned: always
  type: dict
  contains:
    hitless:
      description: version (active RP), standby_version (null without a standby),
        activation_fail_message (why the last activation rolled back, empty if none),
        individual_supervisor_install, time_ns (the router's clock), rps (name,
        software_version, redundant_role, role of each RP), components (the version each
        process chassisd supervises runs, by name - fwdd, chassisd, gnoid; null when it does
        not run from a package), fib_routes (routes fwdd holds in the kernel FIB; null without
        fwdd), last_switchover (time_ns, trigger USER_INITIATED for a planned one or
        SYSTEM_INITIATED when the active failed, details; null if none since chassisd
        started), issu_state (the ISSU procedure's state, e.g. Init, Load Version),
        standby_hot, rollback_timer_remaining_s (null when the timer does not run),
        bgp_neighbors (address, peer_as, session_state, established_transitions,
        last_established in ns, uptime_s, prefixes_received, prefixes_sent).
      type: dict
"""

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.hitless.router.plugins.module_utils.gnoi import (
    COMMON_ARGS, Router, RouterError)


def main():
    module = AnsibleModule(argument_spec=dict(COMMON_ARGS), supports_check_mode=True)
    try:
        router = Router(module)
        facts = router.state()
        facts["time_ns"] = router.call("System.Time", router.system.Time,
                                       router.system_pb2.TimeRequest(), timeout=30).time
        facts.update(router.components())
        facts["bgp_neighbors"] = router.bgp_neighbors()
        for n in facts["bgp_neighbors"]:  # by the router's own clock
            n["uptime_s"] = (max(0, facts["time_ns"] - n["last_established"]) // 10**9
                             if n["last_established"] is not None else None)
    except RouterError as e:
        module.fail_json(msg=str(e))
    module.exit_json(changed=False, ansible_facts={"hitless": facts})


if __name__ == "__main__":
    main()
