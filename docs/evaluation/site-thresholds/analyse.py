# Per-scanner-type threshold experiment: analysis of out/perscanner-*.json
import json, sys, math
card = json.load(open('models/wildlife-timber-fcn/2.2.0/card.json'))['thresholds']
def wilson(h, n, z=1.96):
    if n == 0: return (0, 0)
    p = h / n; d = 1 + z*z/n; c = p + z*z/(2*n); m = z*math.sqrt(p*(1-p)/n + z*z/(4*n*n))
    return ((c-m)/d, (c+m)/d)
def fmt(h, n):
    lo, hi = wilson(h, n); return f"{100*h/n:.0f} % [{100*lo:.0f}–{100*hi:.0f}] ({h}/{n})"
for f in sys.argv[1:]:
    d = json.load(open(f))
    test, benign = d['test'], d['benign']
    wl = ['ivory', 'rhino_horn']
    def fitted(per_class_fa):
        th = {}
        for c in wl:
            s = sorted((b['max'][c] for b in benign), reverse=True)
            k = int(math.floor(per_class_fa * len(s)))  # k benign scans may exceed
            th[c] = s[k] + 1e-6 if k < len(s) else 0
        return th
    variants = {'card': {c: card[c]['score'] for c in wl}}
    variants['fitted (0.5 %/class)'] = fitted(0.005)
    variants['raise-only'] = {c: max(variants['card'][c], variants['fitted (0.5 %/class)'][c]) for c in wl}
    clean = [t for t in test if not any(x in ('ivory', 'rhino_horn') for x in t['truth'])]
    print(f"## {d['family']}: {len(benign)} benign scans for fitting, {len(test)} test scans ({len(clean)} without wildlife)")
    print("| thresholds | ivory thr | horn thr | ivory scans detected | rhino horn scans detected | wildlife false alarms / clean test scan |")
    print("|---|---|---|---|---|---|")
    for name, th in variants.items():
        row = []
        for c in wl:
            pos = [t for t in test if c in t['truth']]
            row.append(fmt(sum(t['max'][c] >= th[c] for t in pos), len(pos)))
        fa = sum(any(t['max'][c] >= th[c] for c in wl) for t in clean)
        print(f"| {name} | {th['ivory']:.3f} | {th['rhino_horn']:.3f} | {row[0]} | {row[1]} | {fmt(fa, len(clean))} |")
    print()
