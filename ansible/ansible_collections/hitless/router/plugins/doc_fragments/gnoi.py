# -*- coding: utf-8 -*-
from __future__ import absolute_import, division, print_function

__metaclass__ = type


class ModuleDocFragment(object):
    # The connection options every hitless.router module takes (module_utils/gnoi.py).
    DOCUMENTATION = r"""
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
    description:
      - This client's certificate (PEM file); its common name gives the role (viewer may read,
        operator may change the router).
    type: path
    required: true
  client_key:
    description: The private key of I(client_cert) (PEM file). Read, never logged.
    type: path
    required: true
  stubs:
    description:
      - Directory of the Python gNOI/gNMI stubs generated from openconfig's protos
        (C(BUILD/gnoi-upstream-py)). Defaults to C($HITLESS_GNOI_STUBS).
    type: path
  timeout:
    description: Seconds a long step may take (an upload, each step of an activation).
    type: int
    default: 600
"""
