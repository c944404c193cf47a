#!/usr/bin/python
# -*- coding: utf-8 -*-
from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: hitless_upgrade
short_description: Upgrade a hitless router in service to a version over gNOI
version_added: "0.1.0"
description:
  - Activates I(version) (already uploaded with M(hitless.router.hitless_image)) the way the
    router's ISSU procedure does it without a dropped packet - gNOI C(OS.Activate) on the
    standby route processor, wait until it runs the version and is in sync, then
    C(OS.Activate) on the active (a switchover), and waits until both run it (C(OS.Verify)).
  - Idempotent; a router whose two route processors already run I(version) is not touched.
  - In check mode nothing is activated; C(changed) says whether it would be.
  - When the router rolls the activation back by itself (an RP failed during the procedure,
    the rollback timer), the task fails with the router's own reason and the router is left on
    its original version.
options:
  version:
    description: The version to run (its name in the router's image store, e.g. C(1.1.0)).
    type: str
    required: true
extends_documentation_fragment:
  - hitless.router.gnoi
author:
  - hitless developers
"""

EXAMPLES = r"""
- name: Run 1.1.0 on both route processors
  hitless.router.hitless_upgrade:
    target: "{{ inventory_hostname }}:9339"
    version: 1.1.0
    ca_cert: pki/ca.crt
    client_cert: pki/operator.crt
    client_key: pki/operator.key
    timeout: 300
"""

RETURN = r"""
before:
  description: What the router ran before (version, standby_version).
  returned: always
  type: dict
after:
  description: What it runs now (version, standby_version, activation_fail_message).
  returned: success
  type: dict
duration_s:
  description: Seconds from the first Activate to both route processors on I(version).
  returned: changed
  type: float
"""

import time

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.hitless.router.plugins.module_utils.gnoi import (
    COMMON_ARGS, Router, RouterError)


def activate(router, version, standby, timeout):
    pb = router.os_pb2
    r = router.call("OS.Activate", router.os.Activate,
                    pb.ActivateRequest(version=version, standby_supervisor=standby),
                    timeout=timeout)
    if r.HasField("activate_error"):
        raise RouterError("OS.Activate %s%s: %s: %s" % (
            version, " (standby)" if standby else "",
            pb.ActivateError.Type.Name(r.activate_error.type), r.activate_error.detail))


def main():
    spec = dict(COMMON_ARGS)
    spec.update(version=dict(type="str", required=True))
    module = AnsibleModule(argument_spec=spec, supports_check_mode=True)
    version, timeout = module.params["version"], module.params["timeout"]
    before = None
    try:
        router = Router(module)
        before = router.state()
        if before["version"] == version and before["standby_version"] in (version, None):
            module.exit_json(changed=False, before=before, after=before)
        if module.check_mode:
            module.exit_json(changed=True, before=before)
        started = time.monotonic()

        def step(what, done):
            # (An activation clears the router's last failure message: one seen now is ours.)
            s = router.wait("%s (or a rollback)" % what,
                            lambda s: done(s) or s["activation_fail_message"] != "", timeout)
            if s["activation_fail_message"]:
                module.fail_json(msg="the router rolled the activation of %s back: %s"
                                 % (version, s["activation_fail_message"]),
                                 before=before, after=s)
            return s
        if before["standby_version"] != version:
            activate(router, version, True, timeout)
            step("the standby on %s" % version, lambda s: s["standby_version"] == version)
        activate(router, version, False, timeout)
        after = step("both route processors on %s" % version,
                     lambda s: s["version"] == version and s["standby_version"] == version)
    except RouterError as e:
        module.fail_json(msg=str(e), before=before)
    module.exit_json(changed=True, before=before, after=after,
                     duration_s=round(time.monotonic() - started, 3))


if __name__ == "__main__":
    main()
