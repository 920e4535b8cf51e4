#!/bin/sh
# tests/run.sh BUILD [ASAN_BUILD] - runs the whole suite in each build dir:
# unit, conformance (their pass counts printed), fuzz-replay, integration
# (against the lab, brought up here when we are root and it is down, and
# taken down again afterwards).  Ends with "N passed, N failed".
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
lab="$top/lab/lab.sh"
started_lab=
if [ "$(id -u)" = 0 ] && [ -x "$lab" ]; then
	if ! "$lab" status >/dev/null 2>&1; then
		"$lab" up && started_lab=1
	fi
else
	echo "note: not root or no lab: the integration tests will skip"
fi

passed=0 failed=0 skipped=0
for b in "$@"; do
	echo "=== tests in $b ==="
	# Conformance suites print their counts: show each test's output
	# (meson frames it between a "✀" line and a rule).
	meson test -C "$b" --no-rebuild --print-errorlogs --num-processes 2 \
	    --suite conformance -v 2>&1 | awk '
		/✀/ { show = 1; next }
		/^―/ { show = 0; next }
		show || / (FAIL|SKIP) / { print }'
	cp "$b/meson-logs/testlog.json" "$b/meson-logs/testlog-conformance.json" 2>/dev/null
	meson test -C "$b" --no-rebuild --print-errorlogs --num-processes 2 \
	    --no-suite conformance
	for log in "$b/meson-logs/testlog-conformance.json" "$b/meson-logs/testlog.json"; do
		[ -f "$log" ] || continue
		p=$(grep -c '"result": "OK"' "$log")
		f=$(grep -cE '"result": "(FAIL|ERROR|TIMEOUT|UNEXPECTEDPASS)"' "$log")
		s=$(grep -c '"result": "SKIP"' "$log")
		passed=$((passed + p)) failed=$((failed + f)) skipped=$((skipped + s))
	done
done

[ -n "$started_lab" ] && "$lab" down >/dev/null
[ "$skipped" -gt 0 ] && echo "$skipped skipped (see above for why)"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
