#!/usr/bin/env python3
"""Resident memory of a process and all its descendants, from /proc (scenario 7).

    mem.py ROOT_PID [--label L] [--extra-name REGEX]

Prints one JSON object:
  {"label": L, "t": unix time, "total": {"rss_kib", "pss_kib", "uss_kib",
   "swap_kib"}, "procs": [{"pid", "ppid", "comm", "rss_kib", "pss_kib",
   "uss_kib", "swap_kib", "threads", "cpu_s"}, ...], "pss_readable": bool}

- RSS: VmRSS of /proc/PID/status (shared pages counted once per process, so
  the sum over processes overstates what the group costs);
- PSS: Pss of /proc/PID/smaps_rollup (each shared page divided among the
  processes mapping it: sums correctly across processes);
- USS: Private_Clean + Private_Dirty of smaps_rollup (what would be freed if
  that process alone exited);
- cpu_s: the CPU time the process has used since it started (user + system,
  /proc/PID/stat), so two readings give what a stretch of work cost it.
Descendants are found by walking every /proc/*/stat's parent pid, so
WebKitWebProcess / WebKitNetworkProcess (children of the app) are included.

--extra-name REGEX: also report, apart ("extra"), the processes whose name
matches REGEX and whose environment has this D-Bus session's address
(DBUS_SESSION_BUS_ADDRESS), with their descendants: e.g. the accessibility
bus (at-spi-bus-launcher, its dbus-daemon, at-spi2-registryd) that D-Bus
activates on the app's behalf; they daemonize, so they are not in the app's
tree.
"""
import json
import os
import re
import sys
import time


def read(path):
    try:
        with open(path) as f:
            return f.read()
    except OSError:
        return None


def parents():
    out = {}
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        s = read(f"/proc/{d}/stat")
        if not s:
            continue
        # comm may contain spaces and parentheses: split after the last ')'.
        rest = s[s.rfind(")") + 2:].split()
        out[int(d)] = int(rest[1])
    return out


def tree(root, ppids):
    kids = {}
    for pid, pp in ppids.items():
        kids.setdefault(pp, []).append(pid)
    seen, stack = [], [root]
    while stack:
        p = stack.pop()
        if p in seen or p not in ppids:
            continue
        seen.append(p)
        stack.extend(kids.get(p, []))
    return seen


def cpu_seconds(pid):
    """CPU time the process has used so far (user + system), in seconds."""
    stat = read(f"/proc/{pid}/stat")
    if stat is None:
        return None
    # Fields after the command (which may hold spaces) in parentheses.
    rest = stat.rsplit(")", 1)[1].split()
    return (int(rest[11]) + int(rest[12])) / os.sysconf("SC_CLK_TCK")


def proc_mem(pid, ppids):
    status = read(f"/proc/{pid}/status")
    if status is None:
        return None
    fields = {}
    for line in status.splitlines():
        k, _, v = line.partition(":")
        fields[k] = v.strip()
    kib = lambda v: int(v.split()[0]) if v else 0
    rec = {
        "pid": pid,
        "ppid": ppids.get(pid),
        "comm": (read(f"/proc/{pid}/comm") or "?").strip(),
        "rss_kib": kib(fields.get("VmRSS")),
        "threads": int(fields.get("Threads", "0")),
        "pss_kib": None,
        "uss_kib": None,
        "swap_kib": kib(fields.get("VmSwap")),
        "cpu_s": cpu_seconds(pid),
    }
    roll = read(f"/proc/{pid}/smaps_rollup")
    if roll:
        m = {}
        for line in roll.splitlines()[1:]:
            k, _, v = line.partition(":")
            if v.strip().endswith("kB"):
                m[k.strip()] = int(v.split()[0])
        rec["pss_kib"] = m.get("Pss")
        rec["uss_kib"] = m.get("Private_Clean", 0) + m.get("Private_Dirty", 0)
    return rec


def total(recs):
    t = {"rss_kib": 0, "pss_kib": 0, "uss_kib": 0, "swap_kib": 0}
    for r in recs:
        for k in t:
            if t[k] is not None:
                t[k] = None if r[k] is None else t[k] + r[k]
    return t


def main(argv):
    root = int(argv[1])
    label, extra_name = None, None
    i = 2
    while i < len(argv):
        if argv[i] == "--label":
            label = argv[i + 1]
        elif argv[i] == "--extra-name":
            extra_name = re.compile(argv[i + 1])
        else:
            sys.exit(f"mem.py: unknown argument {argv[i]}")
        i += 2
    ppids = parents()
    pids = tree(root, ppids)
    if not pids:
        sys.exit(f"mem.py: no process {root}")
    recs = [r for r in (proc_mem(p, ppids) for p in pids) if r]
    out = {
        "label": label,
        "t": time.time(),
        "total": total(recs),
        "procs": recs,
        "pss_readable": all(r["pss_kib"] is not None for r in recs),
    }
    bus = os.environ.get("DBUS_SESSION_BUS_ADDRESS")
    if extra_name is not None and bus:
        mine = set(pids)
        picked = []
        for p in ppids:
            comm = (read(f"/proc/{p}/comm") or "").strip()
            if p in mine or not extra_name.search(comm):
                continue
            try:
                with open(f"/proc/{p}/environ", "rb") as f:
                    env = f.read().split(b"\0")
            except OSError:
                continue
            if f"DBUS_SESSION_BUS_ADDRESS={bus}".encode() in env:
                picked.extend(q for q in tree(p, ppids) if q not in picked)
        extra = [r for r in (proc_mem(p, ppids) for p in picked if p not in mine) if r]
        out["extra"] = {"total": total(extra), "procs": extra}
    print(json.dumps(out))


if __name__ == "__main__":
    main(sys.argv)
