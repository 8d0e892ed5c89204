#!/usr/bin/env python3
"""Table and paired comparison of the TIP-with-masks rerun: 2.2.0, the TIP fine-tune whose projected
objects carry masks (2.3.1-tipm) and its control (2.3.1-ctlm), on the same scans.

    python3 docs/evaluation/tip-finetune/masks/compare.py   (from the repository root)

Exists because the first TIP run (../README.md) trained projected objects as filled boxes; this folder
reruns it with masks, and the answer is in the paired numbers this script writes. Reads
<version>/leave-scanners-out{,.scans}.json and supplementary/<version>-{ivory,rhino}/report.json
written by `npm run eval` (commands in README.md); writes comparison.{md,json}. Exact McNemar test
(two-sided binomial on the discordant scans) for paired differences.
"""
import json
import math
import os

HERE = os.path.dirname(os.path.abspath(__file__))
MODELS = ["2.2.0", "2.3.1-tipm", "2.3.1-ctlm"]
FAMILY = "linac-9/6-cu"


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


def load(v):
    d = os.path.join(HERE, v)
    try:
        return json.load(open(os.path.join(d, "leave-scanners-out.json"))), json.load(open(os.path.join(d, "leave-scanners-out.scans.json")))
    except FileNotFoundError:
        return None, None


def main():
    data = {v: load(v) for v in MODELS}
    out = {"models": {}, "paired": {}, "supplementary": {}}
    L = [
        "| model | thresholds ivory / rhino horn | ivory detected | ivory ROC AUC | ivory object recall IoU ≥ 0.5 | rhino horn detected | rhino horn ROC AUC | wildlife false alarms / clean scan | verdict false alarms (clean, honest) |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for v in MODELS:
        lso, _ = data[v]
        row = lso and next((r for r in lso["rows"] if r["family"] == FAMILY and r["calibration"] == "profile"), None)
        if not row:
            L.append(f"| {v} | not run | | | | | | | |")
            continue
        rep = row["report"]
        c = rep["classes"]
        L.append(
            f"| {v} | {c['ivory']['threshold']:.3f} / {c['rhino_horn']['threshold']:.3f} | {pct(c['ivory']['detectionRate'])} | {c['ivory']['rocAuc']:.3f} | {pct(c['ivory']['objectRecallAtIoU50'])} | "
            f"{pct(c['rhino_horn']['detectionRate'])} | {c['rhino_horn']['rocAuc']:.3f} | {pct(rep['wildlifeFalseAlarmRate'])} | {pct(rep['verdictFalseAlarmRate'])} |"
        )
        out["models"][v] = {
            "thresholds": {k: c[k]["threshold"] for k in ("ivory", "rhino_horn")},
            "ivory": c["ivory"]["detectionRate"],
            "ivoryRocAuc": c["ivory"]["rocAuc"],
            "ivoryObjectRecallAtIoU50": c["ivory"]["objectRecallAtIoU50"],
            "rhinoHorn": c["rhino_horn"]["detectionRate"],
            "rhinoHornRocAuc": c["rhino_horn"]["rocAuc"],
            "rhinoHornObjectRecallAtIoU50": c["rhino_horn"]["objectRecallAtIoU50"],
            "wildlifeFalseAlarms": rep["wildlifeFalseAlarmRate"],
            "verdictFalseAlarms": rep["verdictFalseAlarmRate"],
        }
    P = ["| comparison (same scans) | measure | first only | second only | exact McNemar p |", "|---|---|---|---|---|"]
    for a, b in [("2.3.1-tipm", "2.3.1-ctlm"), ("2.3.1-tipm", "2.2.0"), ("2.3.1-ctlm", "2.2.0")]:
        sa, sb = data[a][1], data[b][1]
        if not sa or not sb:
            continue
        A = {s["scanId"]: s for s in sa["scans"]}
        B = {s["scanId"]: s for s in sb["scans"]}
        ids = sorted(set(A) & set(B))
        for m in ["ivory", "rhino_horn", "wildlifeFalseAlarm", "verdictFalseAlarm"]:
            both = [i for i in ids if A[i][m] is not None and B[i][m] is not None]
            x, y, p = mcnemar([A[i][m] for i in both], [B[i][m] for i in both])
            P.append(f"| {a} vs {b} | {m} ({len(both)} scans) | {x} | {y} | {p:.3f} |")
            out["paired"][f"{a} vs {b} / {m}"] = {"scans": len(both), "firstOnly": x, "secondOnly": y, "p": p}
    S = ["| set | model | threshold | detected (scan, box on object) | object recall at IoU ≥ 0.5 |", "|---|---|---|---|---|"]
    for name, cls, label in [("ivory", "ivory", "60 ivory scans (seed 960000)"), ("rhino", "rhino_horn", "40 rhino-horn scans (seed 961000)")]:
        for v in MODELS:
            f = os.path.join(HERE, "supplementary", f"{v}-{name}", "report.json")
            if not os.path.exists(f):
                S.append(f"| {label} | {v} | not run | | |")
                continue
            c = json.load(open(f))["classes"][cls]
            S.append(f"| {label} | {v} | {c['threshold']:.3f} | {pct(c['detectionRate'])} | {pct(c['objectRecallAtIoU50'])} |")
            out["supplementary"].setdefault(v, {})[name] = {"threshold": c["threshold"], "detection": c["detectionRate"], "objectRecallAtIoU50": c["objectRecallAtIoU50"]}
    md = (
        f"{FAMILY}, published evaluation units (first 100 scans of seed 952000), calibration profile:\n\n" + "\n".join(L)
        + "\n\nSupplementary contraband-only sets (linac-9/6-cu, further units):\n\n" + "\n".join(S)
        + "\n\nPaired (per scan, same 100 scans):\n\n" + "\n".join(P) + "\n"
    )
    open(os.path.join(HERE, "comparison.md"), "w").write(md)
    json.dump(out, open(os.path.join(HERE, "comparison.json"), "w"), indent=2)
    print(md)


if __name__ == "__main__":
    main()
