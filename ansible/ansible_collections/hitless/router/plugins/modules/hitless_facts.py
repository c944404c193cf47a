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
options:
  target:
    description: The router's gnoid, C(HOST:PORT).
    type: str
    required: true
  ca_cert:
    description: CA certificate that signed gnoid's server certificate (PEM file).
    type: path
    required: true
  client_cert:
    description: This client's certificate (PEM file); its common name gives the role.
    type: path
    required: true
  client_key:
    description: The private key of I(client_cert) (PEM file). Read, never logged.
    type: path
    required: true
  stubs:
    description:
      - Directory of the Python gNOI stubs generated from openconfig's protos
        (C(BUILD/gnoi-upstream-py)). Defaults to C($HITLESS_GNOI_STUBS).
    type: path
  timeout:
    description: Not used by this module (accepted for symmetry with the others).
    type: int
    default: 600
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
        software_version, redundant_role, role of each RP), bgp_neighbors (address, peer_as,
        session_state, established_transitions, last_established in ns, prefixes_received,
        prefixes_sent).
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
        facts["rps"] = router.rps()
        facts["bgp_neighbors"] = router.bgp_neighbors()
    except RouterError as e:
        module.fail_json(msg=str(e))
    module.exit_json(changed=False, ansible_facts={"hitless": facts})


if __name__ == "__main__":
    main()
