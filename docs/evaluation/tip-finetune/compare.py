#!/usr/bin/env python3
"""Table and paired comparison of the TIP fine-tune, its control and 2.2.0 on the same scans.

    python3 docs/evaluation/tip-finetune/compare.py   (from the repository root)

Reads docs/evaluation/tip-finetune/<version>/leave-scanners-out{,.scans}.json written by
`npm run eval -- --leave-scanners-out linac --families ... --profile-only`; writes comparison.{md,json}.
Exact McNemar test (two-sided binomial on the discordant scans) for paired differences.
"""
import json
import math
import os

HERE = os.path.dirname(os.path.abspath(__file__))
MODELS = ["2.2.0", "2.3.0-tip", "2.3.0-ctl"]


def load(v):
    d = os.path.join(HERE, v)
    try:
        lso = json.load(open(os.path.join(d, "leave-scanners-out.json")))
    except FileNotFoundError:
        return None, None
    try:
        scans = json.load(open(os.path.join(d, "leave-scanners-out.scans.json")))
    except FileNotFoundError:
        scans = None
    return lso, scans


def pct(r):
    if r is None or r.get("rate") is None:
        return "n/a"
    lo, hi = r.get("ci95") or (0, 0)
    return f"{r['rate'] * 100:.1f} % [{lo * 100:.0f}–{hi * 100:.0f}] ({r['hits']}/{r['total']})"


def mcnemar(a, b):
    """a, b: lists of booleans on the same scans. Returns (a only, b only, exact two-sided p)."""
    x = sum(1 for p, q in zip(a, b) if p and not q)
    y = sum(1 for p, q in zip(a, b) if q and not p)
    n = x + y
    if n == 0:
        return x, y, 1.0
    k = min(x, y)
    p = sum(math.comb(n, i) for i in range(0, k + 1)) / 2 ** n
    return x, y, min(1.0, 2 * p)


def main():
    data = {v: load(v) for v in MODELS}
    # 2.2.0 on the training families' new units: the published full table (same seeds, same code path)
    pub = json.load(open(os.path.join(HERE, "..", "wildlife-timber-fcn-2.2.0", "leave-scanners-out.json")))
    rows, out = [], {"models": {}, "paired": {}}
    L = ["| scanner family | model | thresholds ivory / rhino horn | ivory detected | ivory ROC AUC | rhino horn detected | rhino horn ROC AUC | wildlife false alarms / clean scan | verdict false alarms (clean, honest) |", "|---|---|---|---|---|---|---|---|---|"]
    families = ["linac-9/6-cu", "training families (8)"]
    for fam in families:
        for v in MODELS:
            lso, _ = data[v]
            src = "this run"
            row = None
            if lso:
                row = next((r for r in lso["rows"] if r["family"] == fam and r["calibration"] == "profile"), None)
            if row is None and v == "2.2.0":
                row = next((r for r in pub["rows"] if r["family"] == fam and r["calibration"] == "profile"), None)
                src = "published table (docs/evaluation/wildlife-timber-fcn-2.2.0)"
            if row is None:
                L.append(f"| {fam} | {v} | not run | | | | | | |")
                continue
            rep = row["report"]
            c = rep["classes"]
            th = f"{c['ivory']['threshold']:.3f} / {c['rhino_horn']['threshold']:.3f}"
            L.append(
                f"| {fam} | {v} | {th} | {pct(c['ivory']['detectionRate'])} | {c['ivory']['rocAuc']:.3f} | {pct(c['rhino_horn']['detectionRate'])} | {c['rhino_horn']['rocAuc']:.3f} | {pct(rep['wildlifeFalseAlarmRate'])} | {pct(rep['verdictFalseAlarmRate'])} |"
            )
            out["models"].setdefault(v, {})[fam] = {
                "source": src,
                "thresholds": {k: c[k]["threshold"] for k in ("ivory", "rhino_horn")},
                "ivory": c["ivory"]["detectionRate"],
                "ivoryRocAuc": c["ivory"]["rocAuc"],
                "ivoryObjectRecallAtIoU50": c["ivory"]["objectRecallAtIoU50"],
                "rhinoHorn": c["rhino_horn"]["detectionRate"],
                "rhinoHornRocAuc": c["rhino_horn"]["rocAuc"],
                "wildlifeFalseAlarms": rep["wildlifeFalseAlarmRate"],
                "verdictFalseAlarms": rep["verdictFalseAlarmRate"],
                "byConcealment": rep.get("byConcealment"),
            }
    P = ["| comparison (same scans) | measure | first only | second only | exact McNemar p |", "|---|---|---|---|---|"]
    for a, b in [("2.3.0-tip", "2.3.0-ctl"), ("2.3.0-tip", "2.2.0"), ("2.3.0-ctl", "2.2.0")]:
        sa, sb = data[a][1], data[b][1]
        if not sa or not sb:
            continue
        for fam_prefix, label in [("SIM-L96CU", "linac-9/6-cu"), ("", "training families (8)")]:
            A = {s["scanId"]: s for s in sa["scans"] if (s["scanner"] or "").startswith("SIM-L96CU") == bool(fam_prefix)}
            B = {s["scanId"]: s for s in sb["scans"] if (s["scanner"] or "").startswith("SIM-L96CU") == bool(fam_prefix)}
            ids = sorted(set(A) & set(B))
            if not ids:
                continue
            for m in ["ivory", "rhino_horn", "wildlifeFalseAlarm", "verdictFalseAlarm"]:
                pa = [A[i][m] for i in ids if A[i][m] is not None]
                pb = [B[i][m] for i in ids if B[i][m] is not None]
                x, y, p = mcnemar(pa, pb)
                P.append(f"| {a} vs {b}, {label} | {m} ({len(pa)} scans) | {x} | {y} | {p:.3f} |")
                out["paired"][f"{a} vs {b} / {label} / {m}"] = {"scans": len(pa), "firstOnly": x, "secondOnly": y, "p": p}
    # Supplementary contraband-only sets (npm run eval -- --simulate ... --scanners linac-9/6-cu): detection only.
    S = ["| set | model | threshold | detected (scan, box on object) | object recall at IoU ≥ 0.5 |", "|---|---|---|---|---|"]
    for name, cls, label in [("ivory", "ivory", "linac-9/6-cu, 80 ivory scans (seed 960000, units 960007000–001)"), ("rhino", "rhino_horn", "linac-9/6-cu, 60 rhino-horn scans (seed 961000, units 961007000–001)")]:
        for v in MODELS:
            f = os.path.join(HERE, "supplementary", f"{v}-{name}", "report.json")
            if not os.path.exists(f):
                S.append(f"| {label} | {v} | not run | | |")
                continue
            c = json.load(open(f))["classes"][cls]
            S.append(f"| {label} | {v} | {c['threshold']:.3f} | {pct(c['detectionRate'])} | {pct(c['objectRecallAtIoU50'])} |")
            out.setdefault("supplementary", {}).setdefault(v, {})[name] = {"threshold": c["threshold"], "detection": c["detectionRate"], "objectRecallAtIoU50": c["objectRecallAtIoU50"]}
    md = "\n".join(L) + "\n\nSupplementary contraband-only sets (held-out family, further units):\n\n" + "\n".join(S) + "\n\nPaired (per scan, same scans):\n\n" + "\n".join(P) + "\n"
    open(os.path.join(HERE, "comparison.md"), "w").write(md)
    json.dump(out, open(os.path.join(HERE, "comparison.json"), "w"), indent=2)
    print(md)


if __name__ == "__main__":
    main()
