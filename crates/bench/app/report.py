#!/usr/bin/env python3
"""Scenario 7's table and JSON from the raw files measure.sh wrote.

    report.py OUT_DIR JSON_PATH --started T --load-start L --load-end L
              --commit C --dirty N --generations N --tokens N --concurrency N
"""
import glob
import json
import os
import statistics
import sys

MIB = 1024.0


def load(path):
    with open(path) as f:
        return json.load(f)


def dist(xs):
    xs = sorted(x for x in xs if x is not None and x >= 0)
    if not xs:
        return None
    return {
        "n": len(xs),
        "median": statistics.median(xs),
        "min": xs[0],
        "max": xs[-1],
        "spread": xs[-1] - xs[0],
        "values": xs,
    }


def mem_summary(m):
    t = m["total"]
    by = {}
    for p in m["procs"]:
        k = p["comm"]
        b = by.setdefault(k, {"count": 0, "rss_mib": 0.0, "pss_mib": 0.0, "uss_mib": 0.0, "cpu_s": 0.0})
        b["count"] += 1
        b["cpu_s"] += p.get("cpu_s") or 0.0
        b["rss_mib"] += p["rss_kib"] / MIB
        b["pss_mib"] += (p["pss_kib"] or 0) / MIB
        b["uss_mib"] += (p["uss_kib"] or 0) / MIB
    out = {
        "rss_mib": t["rss_kib"] / MIB,
        "pss_mib": None if t["pss_kib"] is None else t["pss_kib"] / MIB,
        "uss_mib": None if t["uss_kib"] is None else t["uss_kib"] / MIB,
        "processes": len(m["procs"]),
        "by_process": by,
    }
    if "extra" in m:
        e = m["extra"]
        out["a11y_bus_outside_tree"] = {
            "rss_mib": e["total"]["rss_kib"] / MIB,
            "pss_mib": None if e["total"]["pss_kib"] is None else e["total"]["pss_kib"] / MIB,
            "processes": [p["comm"] for p in e["procs"]],
        }
    return out


def cpu_between(a, b):
    """CPU seconds each process (by name) used between two readings of mem_summary."""
    return {c: b["by_process"][c]["cpu_s"] - a["by_process"][c]["cpu_s"]
            for c in b["by_process"] if c in a["by_process"]}


def launches(raw, kind):
    out = []
    for p in sorted(glob.glob(f"{raw}/{kind}-*.summary.json")):
        n = os.path.basename(p).split(".")[0]
        s = load(p)
        s["name"] = n
        s["memory"] = mem_summary(load(f"{raw}/{n}.mem.json"))
        out.append(s)
    return out


def main(argv):
    out_dir, json_path = argv[1], argv[2]
    opts = dict(zip(argv[3::2], argv[4::2]))
    raw = f"{out_dir}/raw"
    warm = launches(raw, "warmup")
    start = launches(raw, "start")
    bare = launches(raw, "bare")
    hist = launches(raw, "history")
    alt = launches(raw, "alt")
    run0 = launches(raw, "run")
    series = [json.loads(l) for l in open(f"{raw}/run-series.jsonl") if l.strip()]
    run = load(f"{raw}/run.json")
    after = mem_summary(load(f"{raw}/after.mem.json"))
    run2 = load(f"{raw}/run-2.json") if os.path.exists(f"{raw}/run-2.json") else None
    after2 = mem_summary(load(f"{raw}/after-2.mem.json")) if run2 else None
    # +30 s after the last generation (older runs have none).
    settled = lambda p: mem_summary(load(p)) if os.path.exists(p) else None
    after_s = settled(f"{raw}/after-settled.mem.json")
    after2_s = settled(f"{raw}/after-2-settled.mem.json") if run2 else None
    in_store = (run2 or run)["completed_in_store"]
    hp = f"{raw}/after-history-page.mem.json"
    after_hist = mem_summary(load(hp)) if os.path.exists(hp) else None
    sim = load(f"{raw}/sim-stats.json") if os.path.exists(f"{raw}/sim-stats.json") else None

    def group(ls):
        return {
            "launches": len(ls),
            "mapped_ms": dist([l["t_mapped_ms"] for l in ls]),
            "first_paint_ms": dist([l["t_first_text_ms"] for l in ls]),
            "first_non_blank_ms": dist([l["t_first_ink_ms"] for l in ls]),
            "settled_ms": dist([l["t_settled_ms"] for l in ls]),
            "rss_mib": dist([l["memory"]["rss_mib"] for l in ls]),
            "pss_mib": dist([l["memory"]["pss_mib"] for l in ls]),
            "uss_mib": dist([l["memory"]["uss_mib"] for l in ls]),
            "load1_before": [l["load1_before"] for l in ls],
            "each": ls,
        }

    peak = max(series, key=lambda s: s["pss_kib"] or s["rss_kib"]) if series else None
    result = {
        "scenario": 7,
        "started": opts["--started"],
        "commit": opts["--commit"],
        "uncommitted_files_in_app_ui_core": int(opts["--dirty"]),
        "machine": {"cores": os.cpu_count(), "load1_start": float(opts["--load-start"]),
                    "load1_end": float(opts["--load-end"])},
        "setup": {"display": "Xvfb 1280x800x24 (no GPU)", "window": "1120x760",
                  "sim": "--boot 20ms --predict 100ms..300ms --image-scale 0.125",
                  "tokens": int(opts["--tokens"]), "concurrency_per_token": int(opts["--concurrency"]),
                  "generations": int(opts["--generations"])},
        "warmup_launch": group(warm),
        "launch_empty_history": group(start),
        "bare_tauri": group(bare),
        "launch_with_history": group(hist),
        "alt_launches": None if not alt else {"env": opts.get("--alt-env"), **group(alt)},
        "run": {
            **run,
            "memory_at_run_start": run0[0]["memory"] if run0 else None,
            "memory_after": after,
            "memory_after_settled": after_s,
            "round_2": None if not run2 else {**run2, "memory_after": after2, "memory_after_settled": after2_s},
            "memory_after_then_history_page": after_hist,
            "peak_during_run": None if not peak else {
                "t_s": peak["t_s"], "rss_mib": peak["rss_kib"] / MIB,
                "pss_mib": None if peak["pss_kib"] is None else peak["pss_kib"] / MIB},
            "series": series,
            "sim": sim,
        },
    }
    rows = []

    def row(fig, val, unit, note=""):
        rows.append((fig, val, unit, note))

    def d(g, key, unit, label, scale=1.0, fmt="{:.0f}"):
        x = g.get(key)
        if not x:
            return
        row(label, fmt.format(x["median"] * scale),
            unit, f"min {fmt.format(x['min'] * scale)}, max {fmt.format(x['max'] * scale)}, n={x['n']}")

    s = result["launch_empty_history"]
    d(s, "first_paint_ms", "ms", "launch → first painted window (median)")
    d(s, "first_non_blank_ms", "ms", "launch → first non-blank frame")
    d(s, "mapped_ms", "ms", "launch → window mapped (blank)")
    d(s, "settled_ms", "ms", "launch → page settled")
    d(s, "rss_mib", "MiB", "RSS after start (all processes)", fmt="{:.1f}")
    d(s, "pss_mib", "MiB", "PSS after start (all processes)", fmt="{:.1f}")
    d(s, "uss_mib", "MiB", "USS after start (all processes)", fmt="{:.1f}")
    b = result["bare_tauri"]
    d(b, "first_paint_ms", "ms", "bare Tauri app: launch → first painted window")
    d(b, "pss_mib", "MiB", "bare Tauri app: PSS after start (all processes)", fmt="{:.1f}")
    if s.get("pss_mib") and b.get("pss_mib"):
        ratio = s["pss_mib"]["median"] / b["pss_mib"]["median"]
        result["pss_ratio_to_bare"] = ratio
        row("PSS after start: Genqueue ÷ bare Tauri (medians)", f"{ratio:.3f}", "×",
            "goal ≤ 1.25 " + ("met" if ratio <= 1.25 else "MISSED"))
    if s.get("first_paint_ms") and b.get("first_paint_ms"):
        row("first paint: Genqueue − bare Tauri (medians)",
            f"{s['first_paint_ms']['median'] - b['first_paint_ms']['median']:+.0f}", "ms", "")
    if bare:
        by = bare[len(bare) // 2]["memory"]["by_process"]
        for comm, pb in sorted(by.items()):
            row(f"  bare Tauri after start: {comm} RSS / PSS", f"{pb['rss_mib']:.1f} / {pb['pss_mib']:.1f}", "MiB", "")
    if alt:
        a = result["alt_launches"]
        env = opts.get("--alt-env")
        d(a, "first_paint_ms", "ms", f"with {env}: launch → first painted window")
        d(a, "pss_mib", "MiB", f"with {env}: PSS after start (all processes)", fmt="{:.1f}")
        if a.get("pss_mib") and b.get("pss_mib"):
            r = a["pss_mib"]["median"] / b["pss_mib"]["median"]
            result["alt_pss_ratio_to_bare"] = r
            row(f"with {env}: PSS ÷ bare Tauri (medians)", f"{r:.3f}", "×", "")
        by = alt[len(alt) // 2]["memory"]["by_process"]
        for comm, pb in sorted(by.items()):
            row(f"  with {env}, after start: {comm} RSS / PSS", f"{pb['rss_mib']:.1f} / {pb['pss_mib']:.1f}", "MiB", "")
    if warm:
        row("warm-up launch → first paint (not in the median)", f"{warm[0]['t_first_text_ms']:.0f}", "ms", "")
    if start:
        by = start[len(start) // 2]["memory"]["by_process"]
        for comm, b in sorted(by.items()):
            row(f"  after start: {comm} RSS / PSS", f"{b['rss_mib']:.1f} / {b['pss_mib']:.1f}", "MiB", "")
    row(f"{run['completed']} generations: run time (submit → last completed)", f"{run['run_s']:.1f}", "s",
        f"{run['failed_or_cancelled']} failed/cancelled")
    if run0:
        m0 = run0[0]["memory"]
        row("RSS / PSS at the run's start", f"{m0['rss_mib']:.1f} / {m0['pss_mib']:.1f}", "MiB", "")
    if peak:
        row("peak during the run RSS / PSS (2 s samples)",
            f"{peak['rss_kib'] / MIB:.1f} / {(peak['pss_kib'] or 0) / MIB:.1f}", "MiB", f"at {peak['t_s']:.0f} s")
    row(f"RSS after {run['completed']} generations", f"{after['rss_mib']:.1f}", "MiB", "+5 s after the last")
    row(f"PSS after {run['completed']} generations", f"{after['pss_mib']:.1f}", "MiB", "")
    row(f"USS after {run['completed']} generations", f"{after['uss_mib']:.1f}", "MiB", "")
    if run0 and after["pss_mib"] is not None:
        growth = after["pss_mib"] - run0[0]["memory"]["pss_mib"]
        result["run"]["pss_growth_mib"] = growth
        row(f"PSS growth over {run['completed']} generations (after − run start)", f"{growth:+.1f}", "MiB",
            "goal ≤ +15 " + ("met" if growth <= 15 else "MISSED"))
    for comm, b in sorted(after["by_process"].items()):
        row(f"  after the run: {comm} RSS / PSS", f"{b['rss_mib']:.1f} / {b['pss_mib']:.1f}", "MiB", "")
    if run0:
        # What the run cost each process in CPU (run start → +5 s), per generation.
        cpu = cpu_between(run0[0]["memory"], after)
        result["run"]["cpu_ms_per_generation"] = {c: v * 1000 / run["completed"] for c, v in cpu.items()}
        row(f"CPU per generation during the run: {' / '.join(sorted(cpu))}",
            " / ".join(f"{cpu[c] * 1000 / run['completed']:.2f}" for c in sorted(cpu)), "ms", "run start → +5 s")
    if run0 and after_s and after_s["pss_mib"] is not None:
        growth = after_s["pss_mib"] - run0[0]["memory"]["pss_mib"]
        result["run"]["pss_growth_settled_mib"] = growth
        row(f"PSS growth over {run['completed']} generations, +30 s (settled)", f"{growth:+.1f}", "MiB",
            "goal ≤ +15 " + ("met" if growth <= 15 else "MISSED"))
        for comm, b in sorted(after_s["by_process"].items()):
            row(f"  +30 s: {comm} RSS / PSS", f"{b['rss_mib']:.1f} / {b['pss_mib']:.1f}", "MiB", "")
    if run2:
        row(f"round 2, {run2['completed']} more: run time", f"{run2['run_s']:.1f}", "s",
            f"{run2['failed_or_cancelled']} failed/cancelled in all")
        row(f"RSS / PSS after round 2 ({in_store} in the store)",
            f"{after2['rss_mib']:.1f} / {after2['pss_mib']:.1f}", "MiB", "same session, same page")
        for comm, b in sorted(after2["by_process"].items()):
            row(f"  after round 2: {comm} RSS / PSS", f"{b['rss_mib']:.1f} / {b['pss_mib']:.1f}", "MiB", "")
        if after2_s:
            row("RSS / PSS after round 2, +30 s (settled)",
                f"{after2_s['rss_mib']:.1f} / {after2_s['pss_mib']:.1f}", "MiB", "")
    if after_hist:
        row("then History page open (+10 s) RSS / PSS",
            f"{after_hist['rss_mib']:.1f} / {after_hist['pss_mib']:.1f}", "MiB", "")
        for comm, b in sorted(after_hist["by_process"].items()):
            row(f"  History page: {comm} RSS / PSS", f"{b['rss_mib']:.1f} / {b['pss_mib']:.1f}", "MiB", "")
        before = after2_s or after_s
        if before:
            cpu = cpu_between(before, after_hist)
            result["run"]["history_page_cpu_s"] = cpu
            row(f"  History page (click → +10 s) CPU: {' / '.join(sorted(cpu))}",
                " / ".join(f"{cpu[c] * 1000:.0f}" for c in sorted(cpu)), "ms", "")
        idle = f"{raw}/history-page-idle.mem.json"
        if os.path.exists(idle):
            cpu = cpu_between(after_hist, mem_summary(load(idle)))
            result["run"]["history_page_idle_cpu_s"] = cpu
            row(f"  History page left alone, the next 10 s, CPU: {' / '.join(sorted(cpu))}",
                " / ".join(f"{cpu[c] * 1000:.0f}" for c in sorted(cpu)), "ms", "")
    h = result["launch_with_history"]
    result["launch_with_history"]["generations_in_store"] = in_store
    d(h, "first_paint_ms", "ms", f"with {in_store} in history: launch → first paint")
    d(h, "settled_ms", "ms", f"with {in_store} in history: launch → settled")
    d(h, "rss_mib", "MiB", f"with {in_store} in history: RSS after start", fmt="{:.1f}")
    d(h, "pss_mib", "MiB", f"with {in_store} in history: PSS after start", fmt="{:.1f}")
    a11y = start[0]["memory"].get("a11y_bus_outside_tree") if start else None
    if a11y and a11y["processes"]:
        row("a11y bus activated for the app (outside its tree, not summed)",
            f"{a11y['rss_mib']:.1f}", "MiB RSS", ", ".join(a11y["processes"]))
    row("load (1 min) start → end", f"{result['machine']['load1_start']} → {result['machine']['load1_end']}",
        "", f"{result['machine']['cores']} cores")

    result["table"] = [{"figure": f, "value": v, "unit": u, "note": n} for f, v, u, n in rows]
    os.makedirs(os.path.dirname(json_path), exist_ok=True)
    with open(json_path, "w") as f:
        json.dump(result, f, indent=1)
    w = max(len(r[0]) for r in rows)
    print(f"\n{'figure':<{w}}  {'value':>13}  unit  note")
    for fig, val, unit, note in rows:
        print(f"{fig:<{w}}  {val:>13}  {unit:<4}  {note}")
    print(f"\nJSON: {json_path}")


if __name__ == "__main__":
    main(sys.argv)
