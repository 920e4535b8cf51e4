#!/usr/bin/env python3
"""gen_pairs.py OUT [N] - (IP, sender) pairs over the lab's SPF zones.

Senders at the spf-*.test domains that evaluate without error plus good.test
(no SPF record), IPs from the lab sender 203.0.113.10 (about a third, to
reach pass) and random addresses of 203.0.113.0/24 and 198.51.100.0/24.
Fixed seed."""
import random
import sys

out, n = sys.argv[1], int(sys.argv[2]) if len(sys.argv) > 2 else 100000
rnd = random.Random(20261126)
domains = ["spf-good.test", "spf-chain.test", "spf-mxcount.test",
           "spf-longstring.test", "spf-plusall.test", "spf-ptr.test",
           "spf-toomany.test", "good.test"]
with open(out, "w") as f:
    for i in range(n):
        r = rnd.random()
        if r < 0.33:
            ip = "203.0.113.10"
        elif r < 0.66:
            ip = "203.0.113.%d" % rnd.randint(1, 254)
        else:
            ip = "198.51.100.%d" % rnd.randint(1, 254)
        f.write("%s user%d@%s\n" % (ip, rnd.randint(1, 999), rnd.choice(domains)))
