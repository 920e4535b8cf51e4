#!/bin/sh
# bench/spf/run.sh - check_host() throughput against the lab DNS, beside
# pyspf (python3-spf) and libspf2 (spfquery) on the same pairs.
#
# Usage: sh bench/spf/run.sh [BUILD_DIR] [PEER_N]
# Needs the lab (lab/lab.sh up).  100,000 pairs from gen_pairs.py; the
# peers run the first PEER_N (default: all) pairs, one at a time (pyspf
# takes about a minute for all of them).
set -eu

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
build=${1:-$root/build}
peer_n=${2:-100000}
case $build in /*) ;; *) build=$(pwd)/$build ;; esac
out=$root/bench/out
pairs=$out/spf-pairs.txt
ns=${MAILWHY_LAB_NS:-mailwhy-lab}

mkdir -p "$out"
[ -s "$pairs" ] || python3 "$here/gen_pairs.py" "$pairs" 100000
if ! log=$(ninja -C "$build" bench/spf/bench_spf 2>&1); then
	printf '%s\n' "$log" >&2
	exit 1
fi
if [ ! -e "/run/netns/$ns" ]; then
	echo "run.sh: the lab is not running (lab/lab.sh up)" >&2
	exit 77
fi
echo "== $(uname -m), $(nproc) cores, $(date -u +%Y-%m-%d), $(wc -l < "$pairs") pairs"
"$root/lab/lab.sh" exec "$build/bench/spf/bench_spf" "$pairs" 198.51.100.2
head -n "$peer_n" "$pairs" > "$out/spf-pairs-peer.txt"
if /usr/bin/python3 -c 'import spf' 2>/dev/null; then
	"$root/lab/lab.sh" exec /usr/bin/python3 "$here/pyspf_bench.py" \
	    "$out/spf-pairs-peer.txt" "$peer_n"
else
	echo "pyspf: not installed (apt-get install python3-spf)"
fi
if command -v spfquery >/dev/null; then
	awk '{print $1, $2, "mail.test"}' "$out/spf-pairs-peer.txt" > "$out/spf-pairs-spfquery.txt"
	for pass in 1 2; do
		t0=$(date +%s.%N)
		"$root/lab/lab.sh" exec spfquery -file "$out/spf-pairs-spfquery.txt" > "$out/spfquery.out" 2>&1 || true
		t1=$(date +%s.%N)
		echo "libspf2 spfquery -file (pass $pass): $peer_n checks in $(echo "$t1 - $t0" | bc) s:" \
		    "$(echo "$peer_n / ($t1 - $t0)" | bc) checks/s;" \
		    "results: $(grep -c '^pass$' "$out/spfquery.out") pass, $(grep -c '^fail$' "$out/spfquery.out") fail"
	done
else
	echo "libspf2: spfquery not installed (apt-get install spfquery)"
fi
