#!/usr/bin/env bash
# The Debian package: built with cpack from this build, installed by dpkg into a clean root
# (an empty dpkg database in a temporary directory; maintainer scripts see DPKG_ROOT and leave
# this machine alone), then the installed CLI and daemons run. Removed afterwards, pass or fail.
# usage: package_test.sh BUILD_DIR
set -euo pipefail
build=$(cd "${1:?usage: package_test.sh BUILD_DIR}" && pwd)
work=$(mktemp -d /tmp/hitless-package-XXXXXX)
trap 'rm -rf "$work"' EXIT
fail() { echo "package_test: $*" >&2; exit 1; }

(cd "$build" && cpack -G DEB -B "$work/out" > "$work/cpack.log" 2>&1) ||
  { cat "$work/cpack.log" >&2; fail "cpack failed"; }
deb=$(ls "$work"/out/hitless_*.deb)
echo "built $(basename "$deb") ($(stat -c %s "$deb") bytes)"
dpkg-deb --field "$deb" Package Version Architecture Depends
contents=$(dpkg-deb --contents "$deb")
for f in ./usr/bin/hitless ./usr/lib/hitless/hitless ./usr/lib/hitless/rpd ./usr/sbin/chassisd \
         ./usr/sbin/fwdd ./usr/sbin/gnoid ./usr/lib/systemd/system/hitless-chassisd.service \
         ./usr/lib/tmpfiles.d/hitless.conf ./usr/lib/sysusers.d/hitless.conf \
         ./etc/default/hitless ./usr/share/doc/hitless/gnoi.md; do
  grep -q " $f" <<< "$contents" || fail "the package lacks $f"
done
dpkg-deb --field "$deb" Depends | grep -q "libgrpc++" || fail "Depends misses the shared libraries"

root=$work/root
mkdir -p "$root/var/lib/dpkg/info" "$root/var/lib/dpkg/updates"
touch "$root/var/lib/dpkg/status"
dpkg --root="$root" --force-depends --force-script-chrootless --log=/dev/null \
  --instdir="$root" --admindir="$root/var/lib/dpkg" -i "$deb" > "$work/dpkg.log" 2>&1 ||
  { cat "$work/dpkg.log" >&2; fail "dpkg -i into a clean root failed"; }
dpkg --root="$root" --admindir="$root/var/lib/dpkg" -s hitless | grep -q "Status: install ok installed" ||
  fail "dpkg does not list hitless as installed in the clean root"
version=$("$root/usr/bin/hitless" --version)
[[ $version == "hitless 0.1.0" ]] || fail "hitless --version printed '$version'"
echo "$version (installed in a clean root)"
"$root/usr/sbin/chassisd" --help | grep -qi "usage: chassisd" || fail "chassisd --help"
"$root/usr/sbin/gnoid" --help | grep -qi "usage: gnoid" || fail "gnoid --help"
"$root/usr/sbin/fwdd" --help 2>&1 | grep -qi "usage: fwdd" || fail "fwdd --help"
# The installed CLI packages the installed rpd ("the rpd beside hitless") into a signed image.
"$root/usr/bin/hitless" keygen --out "$work/keys" > /dev/null
"$root/usr/bin/hitless" image build --version 1.1.0 --date 2026-06-01 --kind release \
  --platform linux-x86_64 --key "$work/keys/hitless.key" --out "$work/img" > /dev/null ||
  fail "the installed hitless cannot build an image from the installed rpd"
"$root/usr/bin/hitless" image verify "$work/img" --pubkey "$work/keys/hitless.pub" > /dev/null ||
  fail "the image built by the installed CLI does not verify"
# The installed Ansible collection and its stubs (docs/fleet.md): documented, and the modules'
# gNOI side loads the installed stubs.
share=$root/usr/share/hitless
ANSIBLE_COLLECTIONS_PATH=$share/ansible ANSIBLE_HOME=$work/ansible-home \
  ansible-doc hitless.router.hitless_upgrade | grep -q "OS.Activate" ||
  fail "ansible-doc of the installed collection"
/usr/bin/python3 -c "import sys; sys.path.insert(0, '$share/gnoi-upstream-py')
from github.com.openconfig.gnoi.os import os_pb2_grpc" ||
  fail "the installed upstream gNOI stubs do not import"
echo "package_test: ok"
