#!/usr/bin/env python3
"""Medians and ratios from hyperfine's JSON: wall time and CPU time (user+system), sock against its peers."""
import json, statistics, sys

results = json.load(open(sys.argv[1]))["results"]
rows = {}
for r in results:
    cpu = [u + s for u, s in zip(r["user"] if isinstance(r["user"], list) else [r["user"]] * len(r["times"]),
                                 r["system"] if isinstance(r["system"], list) else [r["system"]] * len(r["times"]))]
    rows[r["command"]] = (statistics.median(r["times"]) * 1000, statistics.median(cpu) * 1000)
print(f"{'command':<50} {'median wall ms':>15} {'median cpu ms':>14}")
for cmd, (wall, cpu) in rows.items():
    print(f"{cmd:<50} {wall:>15.1f} {cpu:>14.1f}")
def short(c): return c.split("sock.dll ")[-1] if "sock.dll" in c else c
pairs = [("stat -tan", "ss -tan"), ("stat -tanp", "ss -tanp"), ("stat -tanp", "netstat -tanp"), ("stat -s", "ss -s")]
print()
for mine, theirs in pairs:
    m = next((v for k, v in rows.items() if short(k) == mine), None)
    t = rows.get(theirs)
    if m and t:
        print(f"sock {mine:<12} / {theirs:<14} wall {m[0] / t[0]:5.2f}x   cpu {m[1] / t[1]:5.2f}x")
