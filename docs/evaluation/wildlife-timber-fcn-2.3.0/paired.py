# Paired comparison of per-scan outcomes (same 600 scans): exact McNemar on the discordant pairs.
# python3 docs/evaluation/wildlife-timber-fcn-2.3.0/paired.py docs/evaluation/wildlife-timber-fcn-2.3.0/paired-2.2.0/leave-scanners-out.scans.json docs/evaluation/wildlife-timber-fcn-2.3.0/leave-scanners-out.scans.json 2.2.0 2.3.0
import json,sys
from math import comb
a=json.load(open(sys.argv[1]))['scans']; b=json.load(open(sys.argv[2]))['scans']
A={s['scanId']:s for s in a}; B={s['scanId']:s for s in b}
common=[k for k in A if k in B]
print('scans', len(common))
def mcnemar(x,y):
    n=x+y
    if n==0: return 1.0
    k=min(x,y); p=sum(comb(n,i) for i in range(k+1))/2**n*2
    return min(1.0,p)
# (the timber columns are in files written since session 9; older files have none)
for key in ['ivory','rhino_horn','wildlifeFalseAlarm','verdictFalseAlarm','misdeclaredCitesFlagged','honestTimberFlagged']:
    if not any(key in A[k] and key in B[k] for k in common): continue
    only_a=only_b=both=tot=0
    for k in common:
        x,y=A[k].get(key),B[k].get(key)
        if x is None or y is None: continue
        tot+=1
        if x and y: both+=1
        elif x: only_a+=1
        elif y: only_b+=1
    print(f"{key}: n={tot} both={both} only-{sys.argv[3]}={only_a} only-{sys.argv[4]}={only_b} McNemar exact p={mcnemar(only_a,only_b):.3f}")
