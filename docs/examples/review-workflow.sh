#!/bin/bash
# The review workflow with curl, end to end: start the system on embedded defaults in a temp dir, drive the workflow with curl,
# then edit an audit row directly in SQLite and show verify naming it.
set -u
cd "$(dirname "$0")/../.."
D=$(mktemp -d); export DATA_DIR=$D PORT=18180 QUEUE_PREFIX=demo9 ADMIN_PASSWORD='admin-demo-password' LOG_LEVEL=warn
npm start > $D/start.log 2>&1 & PID=$!
API=http://127.0.0.1:18180
for i in $(seq 1 120); do curl -sf $API/readyz >/dev/null && break; sleep 1; done
echo "## ready after ${i}s"
j() { python3 -c "import sys,json; d=json.load(sys.stdin); print(eval(sys.argv[1]))" "$1"; }
ADMIN=$(curl -s $API/v1/auth/login -H 'content-type: application/json' -d '{"username":"admin","password":"admin-demo-password"}' | j 'd["token"]')
for u in "ines inspector" "sam supervisor"; do set -- $u
  curl -s -X POST $API/v1/users -H "authorization: Bearer $ADMIN" -H 'content-type: application/json' -d "{\"username\":\"$1\",\"role\":\"$2\",\"password\":\"a-long-password\"}" | j 'd["username"]+" "+d["role"]'
done
curl -s -X POST $API/v1/users -H "authorization: Bearer $ADMIN" -H 'content-type: application/json' -d '{"username":"olga","role":"operator","lanes":["lane-1"],"password":"a-long-password"}' | j 'd["username"]+" "+d["role"]+" "+str(d["lanes"])'
echo "## wrong password:"; curl -s -o /dev/null -w '%{http_code}\n' $API/v1/auth/login -H 'content-type: application/json' -d '{"username":"ines","password":"wrong-password!"}'
INS=$(curl -s $API/v1/auth/login -H 'content-type: application/json' -d '{"username":"ines","password":"a-long-password"}' | j 'd["token"]')
SUP=$(curl -s $API/v1/auth/login -H 'content-type: application/json' -d '{"username":"sam","password":"a-long-password"}' | j 'd["token"]')
echo "## anonymous scan list: $(curl -s -o /dev/null -w '%{http_code}' $API/v1/scans)  admin scan list: $(curl -s -o /dev/null -w '%{http_code}' -H "authorization: Bearer $ADMIN" $API/v1/scans)"
npm run -s simulate -- --out $D/inbox --count 4 --seed 500 --scenario rhino_horn --lane lane-1 >/dev/null 2>&1 || npm run -s simulate -- --out $D/inbox --count 4 --seed 500 --scenario rhino_horn > /dev/null 2>&1
for i in $(seq 1 400); do n=$(curl -s "$API/v1/scans" -H "authorization: Bearer $SUP" | j 'sum(1 for s in d["items"] if s["verdict"])'); [ "$n" -ge 4 ] && break; sleep 1; done
echo "## analysed: $n scans"
curl -s "$API/v1/scans" -H "authorization: Bearer $SUP" | j '"\n".join(s["scanId"]+" "+str(s["verdict"]) for s in d["items"])'
A=$(curl -s "$API/v1/alerts?status=open" -H "authorization: Bearer $INS" | j 'd["items"][0]["id"]')
V=$(curl -s "$API/v1/alerts/$A" -H "authorization: Bearer $INS" | j 'd["review"]["version"]')
echo "## alert $A version $V"
echo "## claim:"; curl -s -X POST $API/v1/alerts/$A/claim -H "authorization: Bearer $INS" -H 'content-type: application/json' -d "{\"version\":$V}" | j 'd["status"]+" by "+str((d["review"]["assignee"] or {}).get("name"))+" v"+str(d["review"]["version"])'
V2=$((V+1))
echo "## stale decision (old version):"; curl -s -X POST $API/v1/alerts/$A/decision -H "authorization: Bearer $INS" -H 'content-type: application/json' -d "{\"version\":$V,\"decision\":\"refer\",\"notes\":\"open container 3\"}" -w ' %{http_code}\n'
echo "## decision:"; curl -s -X POST $API/v1/alerts/$A/decision -H "authorization: Bearer $INS" -H 'content-type: application/json' -d "{\"version\":$V2,\"decision\":\"refer\",\"notes\":\"dense organic shapes behind the cartons\"}" | j 'd["status"]+" v"+str(d["review"]["version"])+" "+str(d["review"]["decision"])'
echo "## illegal (cleared after referred):"; curl -s -X POST $API/v1/alerts/$A/decision -H "authorization: Bearer $INS" -H 'content-type: application/json' -d "{\"version\":$((V2+1)),\"decision\":\"clear\",\"reason\":\"packaging\"}" -w ' %{http_code}\n'
echo "## history:"; curl -s "$API/v1/alerts/$A/history" -H "authorization: Bearer $SUP" | head -c 700; echo
echo "## stats:"; curl -s "$API/v1/stats?groupBy=lane" -H "authorization: Bearer $SUP" | head -c 600; echo
echo "## verify (clean):"; curl -s $API/v1/audit/verify -H "authorization: Bearer $SUP"; echo
kill -TERM $PID; wait $PID 2>/dev/null
echo "## edit one audit row in SQLite, then verify"
python3 - "$D/cargo-xray.sqlite" <<'PY'
import sqlite3,sys,json
c=sqlite3.connect(sys.argv[1]); cols=[r[1] for r in c.execute("pragma table_info(audit_log)")]
print("columns:", cols)
row=c.execute("select seq, action from audit_log where action = 'alert.decided' order by seq limit 1").fetchone() or c.execute("select seq, action from audit_log order by seq desc limit 1 offset 3").fetchone()
print("editing seq", row)
c.execute("update audit_log set actor_name = 'someone-else' where seq = ?", (row[0],)); c.commit()
PY
DATA_DIR=$D npm run -s audit:verify; echo "exit $?"
echo "$D"
