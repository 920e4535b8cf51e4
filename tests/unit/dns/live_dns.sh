#!/bin/sh
# live_dns.sh BINARY - runs the lib/dns lab test inside the lab namespace
# (lab/lab.sh exec, which also bind-mounts the lab's resolv.conf).  Exits
# 77 (meson: skipped) with a message when the lab is not up.
set -eu
bin=$1
lab=${MW_SOURCE_ROOT:?}/lab/lab.sh
if ! ip netns list 2>/dev/null | grep -q "^${MAILWHY_LAB_NS:-mailwhy-lab}\\b"; then
	echo "skip: the lab is not up (run: lab/lab.sh up)"
	exit 77
fi
if ! "$lab" status >/dev/null 2>&1; then
	echo "skip: the lab is not fully up (lab/lab.sh status)"
	exit 77
fi
eval "$("$lab" env)"
exec "$lab" exec "$bin" "$MW_LAB_DNS" "$MW_LAB_ANCHORS"
