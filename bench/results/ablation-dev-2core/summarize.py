#!/usr/bin/env python3
"""Median and range of conn/s over run1..runN of the ablation, with the deterministic locks per connection."""
import json, pathlib, statistics, sys
here = pathlib.Path(__file__).parent
runs = sorted(p for p in here.glob("run*/results.json"))
rows = {}
order = []
for run in runs:
    for r in json.loads(run.read_text())["results"]:
        key = (r["server_cores"], r["client_cores"], r["design"])
        if key not in rows:
            rows[key] = []
            order.append(key)
        rows[key].append(r)
print(f"| design | server cores | client cores | conn/s median of {len(runs)} | range | locks/conn | handoffs/conn | B/conn allocated | errors |")
print("|---|---|---|---|---|---|---|---|---|")
for key in order:
    rs = rows[key]
    cps = [r["cps"] for r in rs]
    locks = sorted({r["locks_per_connection"] for r in rs})
    hand = statistics.median(r["handoffs_per_connection"] for r in rs)
    alloc = statistics.median(r["allocated_bytes_per_connection"] for r in rs)
    errors = sum(r["errors"] for r in rs)
    print(f"| `{key[2]}` | {key[0]} | {key[1]} | {statistics.median(cps):,.0f} | {min(cps):,.0f}-{max(cps):,.0f} | "
          f"{'/'.join(str(l) for l in locks)} | {hand:.3f} | {alloc:.1f} | {errors} |")
