#!/usr/bin/python3
"""pyspf_bench.py PAIRS N - pyspf's check2() over the first N pairs, one
after the other (pyspf is synchronous), through the system resolver
(inside the lab: the lab's unbound).  Prints checks per second."""
import sys
import time

import spf

pairs = [l.split() for l in open(sys.argv[1])][: int(sys.argv[2])]
t0 = time.monotonic()
tally = {}
for ip, sender in pairs:
    res = spf.check2(i=ip, s=sender, h="mail.test")[0]
    tally[res] = tally.get(res, 0) + 1
t = time.monotonic() - t0
print("pyspf %s: %d checks in %.3f s: %.0f checks/s %s" % (
    getattr(spf, "__version__", "?"), len(pairs), t, len(pairs) / t,
    " ".join("%s=%d" % kv for kv in sorted(tally.items()))))
