#!/bin/sh
# bench/addr/run.sh - address syntax (+ typo check) throughput, side by
# side with npm email-validator when node is there.
#
# Usage: sh bench/addr/run.sh [BUILD_DIR]     (default: build)
# Input: bench/out/addrs.txt, written by gen_addrs.py when missing
# (1,000,000 addresses, fixed seed).  email-validator is installed into
# bench/node_modules with npm when npm is there and it is missing.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
build=${1:-$root/build}
case $build in /*) ;; *) build=$(pwd)/$build ;; esac
out=$root/bench/out
input=$out/addrs.txt

mkdir -p "$out"
if [ ! -s "$input" ]; then
	echo "writing $input ..."
	python3 "$here/gen_addrs.py" "$input"
fi

if ! log=$(ninja -C "$build" bench/addr/bench_addr 2>&1); then
	printf '%s\n' "$log" >&2
	echo "run.sh: building bench_addr failed" >&2
	exit 1
fi
echo "== mailwhy ($(uname -m), $(nproc 2>/dev/null || echo '?') cores," \
    "$(date -u +%Y-%m-%d))"
"$build/bench/addr/bench_addr" "$input" | tee "$out/addr-mailwhy.txt"
# The figures count only when every verdict equals the reference's.
if ! grep -q '^verdicts: identical' "$out/addr-mailwhy.txt"; then
	echo "run.sh: verdicts differ from the reference parse" >&2
	exit 1
fi

if ! command -v node >/dev/null 2>&1; then
	echo "node not found: email-validator comparison skipped"
	exit 0
fi
ev=$root/bench/node_modules/email-validator
if [ ! -f "$ev/package.json" ] && command -v npm >/dev/null 2>&1; then
	echo "installing email-validator into bench/node_modules ..."
	npm install --prefix "$root/bench" --no-save --no-package-lock \
	    email-validator >/dev/null 2>&1 || true
fi
if [ ! -f "$ev/package.json" ]; then
	echo "email-validator not installed (npm install --prefix bench" \
	    "email-validator): comparison skipped"
	exit 0
fi
echo "== npm email-validator"
node "$here/ev.js" "$input" "$ev" | tee "$out/addr-ev.txt"

awk '
	FNR == 1 { f++ }
	f == 1 && /^mailwhy syntax:/ { syn = $3 }
	f == 1 && /^mailwhy syntax\+typo:/ { both = $3 }
	f == 2 && /addr\/s/ { for (i = 1; i <= NF; i++) if ($(i+1) == "addr/s") ev = $i }
	END {
		if (ev > 0)
			printf "ratio: syntax %.2fx, syntax+typo %.2fx email-validator\n", syn / ev, both / ev
	}' "$out/addr-mailwhy.txt" "$out/addr-ev.txt"
