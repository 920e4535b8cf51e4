#!/bin/sh
# bench/bounce/run.sh BUILD_DIR [CORPORA]
# The bounce corpus replicated to 50,000 messages through mailwhy, and
# Sisimai (Debian's libsisimai-perl, when installed) on the same files in
# the same run: Sisimai reads a Maildir of the corpus copied R times
# (about 5,000 messages; its rate is per message, so the figure compares).
set -eu
B=${1:-build}
C=${2:-$(dirname "$0")/../../../shared/corpora}
SRC="$C/bounces"
[ -d "$SRC" ] || { echo "corpus absent: $SRC"; exit 77; }
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
mkdir -p "$T/one/cur" "$T/new" "$T/cur" "$T/tmp"
# the messages: maildir samples and flufl's (mboxes and 0-2 byte files
# excluded: Sisimai reads a folder as a Maildir)
i=0
for f in "$SRC"/sisimai-set-of-emails/maildir/*/*.eml \
    "$SRC"/flufl.bounce/flufl/bounce/tests/data/*; do
	[ -f "$f" ] || continue
	i=$((i + 1)); cp "$f" "$T/one/cur/$i.eml"
done
echo "corpus: $i messages"
# the differential check: every verdict with the fast MIME reader equals
# the all-GMime one (a speed-up may not change a result)
"$B/bench/bounce/bench_bounce" -d "$T/one" >"$T/fast.txt"
"$B/bench/bounce/bench_bounce" -d -g "$T/one" >"$T/gmime.txt"
if cmp -s "$T/fast.txt" "$T/gmime.txt"; then
	echo "verdicts: fast reader = GMime on all $(wc -l <"$T/fast.txt") rows"
else
	echo "verdicts DIFFER between the fast reader and GMime:"
	diff "$T/gmime.txt" "$T/fast.txt" | head -20
	exit 1
fi
# parsing alone (messages in memory), then each message read from its
# file in the timed loop as Sisimai reads its Maildir: the second is the
# figure that compares with Sisimai's
"$B/bench/bounce/bench_bounce" "$T/one" 50000
"$B/bench/bounce/bench_bounce" -f "$T/one" 50000
if perl -MSisimai -e 1 2>/dev/null; then
	R=$(( (5000 + i - 1) / i ))
	k=0
	for r in $(seq 1 "$R"); do
		for f in "$T"/one/cur/*; do
			k=$((k + 1)); cp "$f" "$T/cur/$r-$(basename "$f")"
		done
	done
	perl -MSisimai -MTime::HiRes=time -e '
		my $t0 = time; my $v = Sisimai->make($ARGV[0] . "/cur") || [];
		my $s = time - $t0;
		printf("sisimai %s: %d messages in %.2f s = %.0f bounces/s, " .
		    "%d results, peak RSS %d MB\n", $Sisimai::VERSION, $ARGV[1],
		    $s, $ARGV[1] / $s, scalar @$v,
		    (split " ", `ps -o rss= -p $$`)[0] / 1024);
	' "$T" "$k"
	# end to end, as a user runs each tool on the same Maildir: every
	# result written out as JSON (mailwhy bounce --json; Sisimai->dump)
	t0=$(date +%s.%N)
	"$B/cli/mailwhy" bounce --json "$T/cur" >"$T/mw.json" || true
	t1=$(date +%s.%N)
	echo "mailwhy bounce --json: $k messages in $(awk \
	    "BEGIN { printf \"%.2f\", $t1 - $t0 }") s," \
	    "$(grep -c '"kind":"bounce"' "$T/mw.json") records"
	perl -MSisimai -MTime::HiRes=time -e '
		my $t0 = time; my $j = Sisimai->dump($ARGV[0] . "/cur") // "";
		printf("sisimai->dump: %d messages in %.2f s, %d bytes of" .
		    " JSON\n", $ARGV[1], time - $t0, length $j);
	' "$T" "$k"
else
	echo "sisimai: not installed (apt-get install libsisimai-perl)"
fi
