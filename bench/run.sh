#!/bin/sh
# bench/run.sh BUILD_DIR - every benchmark, each beside its peer tool when
# that is installed (npm email-validator, Sisimai).  Figures go to
# BENCHMARKS.md by hand, with the machine and the date.
set -u
B=${1:-build}
here=$(dirname "$0")
for b in addr bounce; do
	echo "=== bench/$b ==="
	sh "$here/$b/run.sh" "$B" || echo "bench/$b: exit $?"
done
