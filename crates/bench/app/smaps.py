#!/usr/bin/env python3
"""Where a process's memory is, by mapping (scenario 7 diagnostics).

    smaps.py PID > snapshot.json          # one snapshot of /proc/PID/smaps
    smaps.py --diff BEFORE.json AFTER.json [--top N]

A snapshot lists every mapping: start address, size, name (the file, or
[heap], [stack], [anon] for an anonymous mapping), and its Pss,
Private_Dirty, Rss in KiB. --diff matches mappings by start address and name
and prints, largest PSS change first, what grew or shrank, then the totals by
kind (file-backed, [heap] = glibc's brk heap, [anon] = everything mmap'd
without a file: JSC's heap and JIT, libpas/bmalloc pages, glibc arenas,
Skia's tiles).
"""
import json
import sys


def snapshot(pid):
    maps = []
    cur = None
    with open(f"/proc/{pid}/smaps") as f:
        for line in f:
            head = line.split(None, 5)
            if "-" in head[0] and len(head) >= 5 and not head[0].endswith(":"):
                lo, hi = (int(x, 16) for x in head[0].split("-"))
                name = head[5].strip() if len(head) > 5 else ""
                cur = {"start": hex(lo), "kib": (hi - lo) // 1024, "perms": head[1],
                       "name": name or "[anon]", "pss": 0, "dirty": 0, "rss": 0}
                maps.append(cur)
            elif cur is not None:
                key = head[0].rstrip(":")
                if key == "Pss":
                    cur["pss"] = int(head[1])
                elif key == "Rss":
                    cur["rss"] = int(head[1])
                elif key == "Private_Dirty":
                    cur["dirty"] = int(head[1])
    return maps


def kind(name):
    if name.startswith("/"):
        return "file"
    return name


def diff(a, b, top):
    key = lambda m: (m["start"], m["name"])
    before = {key(m): m for m in a}
    after = {key(m): m for m in b}
    rows = []
    for k in set(before) | set(after):
        x, y = before.get(k), after.get(k)
        d = (y["pss"] if y else 0) - (x["pss"] if x else 0)
        if d:
            m = y or x
            rows.append((d, m["start"], m["kib"], m["perms"], m["name"], "new" if not x else "gone" if not y else ""))
    rows.sort(key=lambda r: -abs(r[0]))
    print(f"{'ΔPSS KiB':>10} {'start':>14} {'size KiB':>10} perms  name")
    for d, start, size, perms, name, note in rows[:top]:
        print(f"{d:>+10} {start:>14} {size:>10} {perms}  {name} {note}")
    tot = {}
    for side, maps in (("before", a), ("after", b)):
        for m in maps:
            t = tot.setdefault(kind(m["name"]), {"before": 0, "after": 0})
            t[side] += m["pss"]
    print("\nPSS by kind (MiB): before → after (Δ)")
    for k, t in sorted(tot.items(), key=lambda kv: -abs(kv[1]["after"] - kv[1]["before"])):
        print(f"  {k:<24} {t['before'] / 1024:8.1f} → {t['after'] / 1024:8.1f} ({(t['after'] - t['before']) / 1024:+.1f})")
    sa = sum(m["pss"] for m in a) / 1024
    sb = sum(m["pss"] for m in b) / 1024
    print(f"  {'total':<24} {sa:8.1f} → {sb:8.1f} ({sb - sa:+.1f})")


def main():
    args = sys.argv[1:]
    if args and args[0] == "--diff":
        top = 25
        if "--top" in args:
            top = int(args[args.index("--top") + 1])
        with open(args[1]) as f:
            a = json.load(f)
        with open(args[2]) as f:
            b = json.load(f)
        diff(a, b, top)
    elif len(args) == 1:
        json.dump(snapshot(int(args[0])), sys.stdout)
    else:
        print(__doc__, file=sys.stderr)
        sys.exit(2)


if __name__ == "__main__":
    main()
