#!/usr/bin/python
# -*- coding: utf-8 -*-
from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: hitless_image
short_description: Upload a signed hitless image or package to a router over gNOI
version_added: "0.1.0"
description:
  - Streams a package (a tar made by C(hitless image pack)) to the router's gnoid with gNOI
    C(OS.Install). The router verifies the signature, every hash and the version policy
    before the image enters its store; any refusal fails the task with the router's reason
    (for example C(INTEGRITY_FAIL) with the file named).
  - Idempotent; when the router already holds the version it answers at once and nothing is
    transferred (C(changed=false)).
  - In check mode nothing is transferred; C(changed) says whether it would be.
options:
  package:
    description: The package file to upload.
    type: path
    required: true
  version:
    description:
      - The name the router stores it under (C(1.1.0) for an rpd image, C(fwdd-1.1.0) for a
        component package). The router refuses a package that is not what it is called.
    type: str
    required: true
extends_documentation_fragment:
  - hitless.router.gnoi
author:
  - hitless developers
"""

EXAMPLES = r"""
- name: Upload 1.1.0
  hitless.router.hitless_image:
    target: "{{ inventory_hostname }}:9339"
    package: images/pkg-1.1.0.tar
    version: 1.1.0
    ca_cert: pki/ca.crt
    client_cert: pki/operator.crt
    client_key: pki/operator.key
"""

RETURN = r"""
version:
  description: The version the router validated (its store name).
  returned: success
  type: str
description:
  description: What the router said about it.
  returned: success
  type: str
"""

import os
import threading

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.hitless.router.plugins.module_utils.gnoi import (
    COMMON_ARGS, Router, RouterError)

CHUNK = 64 * 1024


def install(router, package, version, check_mode, timeout):
    """(changed, Validated or None). One Install stream: the TransferRequest, then — only once
    the router answered TransferReady — the content and TransferEnd. A router that already holds
    the version answers Validated at once; in check mode the stream is cancelled there."""
    pb = router.os_pb2
    size = os.path.getsize(package)
    ready = threading.Event()
    stop = threading.Event()

    def requests():
        yield pb.InstallRequest(transfer_request=pb.TransferRequest(version=version,
                                                                    package_size=size))
        while not ready.wait(0.1):
            if stop.is_set():
                return
        with open(package, "rb") as f:
            while not stop.is_set():
                data = f.read(CHUNK)
                if not data:
                    break
                yield pb.InstallRequest(transfer_content=data)
        if not stop.is_set():
            yield pb.InstallRequest(transfer_end=pb.TransferEnd())

    def run():
        call = router.os.Install(requests(), timeout=timeout)
        try:
            for r in call:
                if r.HasField("transfer_ready"):
                    if check_mode:
                        call.cancel()  # gnoid removes what it staged
                        return True, None
                    ready.set()
                elif r.HasField("validated"):
                    return ready.is_set(), r.validated  # changed: something was transferred
                elif r.HasField("install_error"):
                    raise RouterError("OS.Install %s: %s: %s" % (
                        version, pb.InstallError.Type.Name(r.install_error.type),
                        r.install_error.detail))
            raise RouterError("OS.Install %s: the router ended the stream without an answer"
                              % version)
        finally:
            stop.set()

    return router.call("OS.Install", run)


def main():
    spec = dict(COMMON_ARGS)
    spec.update(package=dict(type="path", required=True), version=dict(type="str", required=True))
    module = AnsibleModule(argument_spec=spec, supports_check_mode=True)
    p = module.params
    if not os.path.isfile(p["package"]):
        module.fail_json(msg="package %s: no such file" % p["package"])
    try:
        router = Router(module)
        changed, validated = install(router, p["package"], p["version"], module.check_mode,
                                     p["timeout"])
    except RouterError as e:
        module.fail_json(msg=str(e))
    result = dict(changed=changed, version=p["version"])
    if validated is not None:
        result.update(version=validated.version, description=validated.description)
    module.exit_json(**result)


if __name__ == "__main__":
    main()
