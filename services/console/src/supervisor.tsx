/**
 * Supervisor views: the dashboard from GET /v1/stats (inline SVG bars of alerts by review
 * outcome per group, the confirmed rate beside each model card's held-out figures, false-alarm
 * reasons), the shadow comparisons of GET /v1/stats/shadow (per class: scans where the shadow
 * model version and the active one both found it, only one did, or neither), export links, and
 * the audit browser with the chain's verification result.
 */
import { useEffect, useState } from 'preact/hooks';
import { api, ok, qs, type Answer } from './api.ts';
import { LoadMore, PAGE_SIZE } from './paging.tsx';
import { ALERT_STATUSES, AUDIT_ACTIONS, FALSE_ALARM_KINDS, STATS_GROUP_BY, STATUS_COLOURS } from './vocab.ts';

type Report = Answer<'/v1/stats', 'get'>;
type Group = Report['totals'];
type ShadowReport = Answer<'/v1/stats/shadow', 'get'>;

/** Colours of the four agreement outcomes (agreement green/grey, disagreement orange/violet). */
const AGREEMENT = [
  ['both', 'both found it', '#2f9e44'],
  ['activeOnly', 'only active', '#e8590c'],
  ['shadowOnly', 'only shadow', '#8a5cf6'],
  ['neither', 'neither', '#495057'],
] as const;

/** Per shadow version: per class, how often it and the active version agree on the same scans. */
function ShadowComparison({ period }: { period: { from: string; to: string } }) {
  const [report, setReport] = useState<ShadowReport | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    ok(api.GET('/v1/stats/shadow', { params: { query: period } }))
      .then((r) => {
        setReport(r);
        setError(null);
      })
      .catch((err: Error) => setError(err.message));
  }, [period.from, period.to]);
  return (
    <div class="card" data-testid="shadow-comparison">
      <h3>Shadow models beside the active ones</h3>
      {error && <div class="error" role="alert">{error}</div>}
      {report && report.comparisons.length === 0 && <p class="muted">No shadow model is configured (SHADOW_MODELS).</p>}
      {report?.comparisons.map((c) => {
        const name = (m: { modelId: string; modelVersion: string }) => `${m.modelId}@${m.modelVersion}`;
        return (
          <div data-shadow={name(c.shadow)}>
            <p>
              shadow <b>{name(c.shadow)}</b> beside active <b>{name(c.active)}</b>
            </p>
            {c.classes.length === 0 ? (
              <p class="muted">No scan in this period was analysed by both.</p>
            ) : (
              <table class="grid small" data-testid="shadow-table">
                <thead>
                  <tr><th>class</th><th>scans</th>{AGREEMENT.map(([, label, colour]) => <th><span class="sw" style={{ background: colour }} /> {label}</th>)}<th>agreement</th><th /></tr>
                </thead>
                <tbody>
                  {c.classes.map((k) => {
                    let x = 0;
                    return (
                      <tr data-class={k.class}>
                        <td>{k.class.replace('_', ' ')}</td>
                        <td class="num" data-k="scans">{k.scans}</td>
                        {AGREEMENT.map(([key]) => <td class="num" data-k={key}>{k[key]}</td>)}
                        <td class="num">{pct(k.scans ? (k.both + k.neither) / k.scans : null)}</td>
                        <td>
                          <svg width={160} height={12} role="img" aria-label={`${k.class}: agreement outcomes`}>
                            {AGREEMENT.map(([key, label, colour]) => {
                              const w = k.scans ? (k[key] / k.scans) * 160 : 0;
                              const r = <rect x={x} y={0} width={w} height={12} fill={colour}><title>{`${label}: ${k[key]}`}</title></rect>;
                              x += w;
                              return r;
                            })}
                          </svg>
                        </td>
                      </tr>
                    );
                  })}
                </tbody>
              </table>
            )}
          </div>
        );
      })}
      <p class="muted small">
        Scans received in the period that both versions analysed; "found" = a detection of the class at or above that version's own threshold (what raises an alert
        for an active model). Scans analysed before heat maps were kept (migration 009), or whose heat maps were pruned, are not counted.
      </p>
    </div>
  );
}

const pct = (r: number | null | undefined) => (r === null || r === undefined ? '—' : `${(r * 100).toFixed(1)} %`);
const secs = (s: number | null) => (s === null ? '—' : s < 120 ? `${Math.round(s)} s` : s < 7200 ? `${Math.round(s / 60)} min` : `${(s / 3600).toFixed(1)} h`);
const DAY = 86_400_000;
const isoDay = (t: number) => new Date(t).toISOString().slice(0, 10);

/** Horizontal stacked bars: one row per group, one segment per alert state. */
function StatusBars({ groups }: { groups: Group[] }) {
  const max = Math.max(1, ...groups.map((g) => g.alerts));
  const rowH = 22;
  const labelW = 150;
  const barW = 420;
  return (
    <svg class="bars" data-testid="status-bars" width={labelW + barW + 60} height={groups.length * rowH + 4} role="img" aria-label="Alerts by outcome">
      {groups.map((g, i) => {
        let x = labelW;
        return (
          <g transform={`translate(0, ${i * rowH})`}>
            <text x={labelW - 6} y={15} text-anchor="end" class="bar-label">{g.key}</text>
            {ALERT_STATUSES.map((s) => {
              const n = g.byStatus[s] ?? 0;
              if (!n) return null;
              const w = (n / max) * barW;
              const r = <rect x={x} y={3} width={w} height={rowH - 6} fill={STATUS_COLOURS[s]}><title>{`${s}: ${n}`}</title></rect>;
              x += w;
              return r;
            })}
            <text x={x + 6} y={15} class="bar-value">{g.alerts}</text>
          </g>
        );
      })}
    </svg>
  );
}

function ReasonBars({ reasons }: { reasons: Record<string, number> }) {
  const max = Math.max(1, ...Object.values(reasons));
  return (
    <svg class="bars" width={480} height={FALSE_ALARM_KINDS.length * 20 + 4} role="img" aria-label="False-alarm reasons">
      {FALSE_ALARM_KINDS.map((k, i) => (
        <g transform={`translate(0, ${i * 20})`}>
          <text x={166} y={14} text-anchor="end" class="bar-label">{k.replace(/_/g, ' ')}</text>
          <rect x={172} y={3} width={((reasons[k] ?? 0) / max) * 260} height={14} fill="#2f9e44" />
          <text x={178 + ((reasons[k] ?? 0) / max) * 260} y={14} class="bar-value">{reasons[k] ?? 0}</text>
        </g>
      ))}
    </svg>
  );
}

export function Dashboard() {
  const [groupBy, setGroupBy] = useState<(typeof STATS_GROUP_BY)[number]>('lane');
  const [from, setFrom] = useState(isoDay(Date.now() - 29 * DAY));
  const [to, setTo] = useState(isoDay(Date.now() + DAY));
  const [report, setReport] = useState<Report | null>(null);
  const [error, setError] = useState<string | null>(null);
  const period = { from: `${from}T00:00:00Z`, to: `${to}T00:00:00Z` };

  async function load(): Promise<void> {
    try {
      setReport(await ok(api.GET('/v1/stats', { params: { query: { ...period, groupBy } } })));
      setError(null);
    } catch (err) {
      setError((err as Error).message);
    }
  }
  useEffect(() => void load(), [groupBy, from, to]);

  const t = report?.totals;
  return (
    <section class="page">
      <div class="row">
        <h2>Dashboard</h2>
        <label>From <input type="date" value={from} onChange={(e) => setFrom(e.currentTarget.value)} /></label>
        <label>To (excl.) <input type="date" value={to} onChange={(e) => setTo(e.currentTarget.value)} /></label>
        <label>
          Group by{' '}
          <select data-testid="group-by" value={groupBy} onChange={(e) => setGroupBy(e.currentTarget.value as typeof groupBy)}>
            {STATS_GROUP_BY.map((g) => <option value={g}>{g}</option>)}
          </select>
        </label>
        <button type="button" data-testid="refresh-stats" onClick={() => void load()}>Refresh</button>
      </div>
      {error && <div class="error" role="alert">{error}</div>}
      {t && (
        <>
          <div class="cards" data-testid="totals">
            <div class="stat"><div class="k">scans</div><div class="v" data-testid="stat-scans">{t.scans ?? '—'}</div></div>
            <div class="stat"><div class="k">alerts</div><div class="v" data-testid="stat-alerts">{t.alerts}</div></div>
            <div class="stat"><div class="k">closed</div><div class="v" data-testid="stat-closed">{t.closed}</div></div>
            <div class="stat"><div class="k">confirmed rate</div><div class="v" data-testid="stat-confirmed">{pct(t.confirmedRate.rate)}</div><div class="k">{t.confirmedRate.hits}/{t.confirmedRate.total} seized/closed</div></div>
            <div class="stat"><div class="k">time to first decision</div><div class="v">{secs(t.timeToDecisionS.median)}</div><div class="k">p90 {secs(t.timeToDecisionS.p90)}</div></div>
          </div>
          <div class="card">
            <h3>Alerts by outcome, per {groupBy}</h3>
            <div class="legend">{ALERT_STATUSES.map((s) => <span><span class="sw" style={{ background: STATUS_COLOURS[s] }} /> {s.replace('_', ' ')} </span>)}</div>
            {report.groups.length ? <StatusBars groups={report.groups} /> : <p class="muted">No alerts in this period.</p>}
          </div>
          <div class="split2">
            <div class="card">
              <h3>Confirmed rate beside the model cards' held-out figures</h3>
              <table class="grid small" data-testid="models">
                <thead><tr><th>model</th><th>class</th><th>held-out detection</th><th>held-out false alarms</th><th>observed confirmed (seized/closed)</th></tr></thead>
                <tbody>
                  {report.models.flatMap((m) => {
                    const classes = Object.entries(m.heldOut?.classes ?? { '—': { detectionRate: null, falseAlarmRate: null, threshold: null } });
                    return classes.map(([c, f], i) => (
                      <tr>
                        <td>{i === 0 ? `${m.modelId}@${m.modelVersion}` : ''}</td>
                        <td>{c}</td><td class="num">{pct(f.detectionRate)}</td><td class="num">{pct(f.falseAlarmRate)}</td>
                        <td class="num">{i === 0 ? `${pct(m.observed.confirmedRate.rate)} (${m.observed.confirmedRate.hits}/${m.observed.confirmedRate.total})` : ''}</td>
                      </tr>
                    ));
                  })}
                </tbody>
              </table>
              <p class="muted small">{report.note}</p>
            </div>
            <div class="card">
              <h3>False-alarm reasons</h3>
              <ReasonBars reasons={t.falseAlarmReasons} />
            </div>
          </div>
          <ShadowComparison period={period} />
          <div class="card">
            <h3>Exports (audited)</h3>
            <p>
              Alerts: <a data-testid="export-alerts-csv" href={`/v1/exports/alerts${qs({ ...period, format: 'csv' })}`} download>CSV</a> ·{' '}
              <a href={`/v1/exports/alerts${qs({ ...period, format: 'json' })}`} download>JSON</a> — Audit trail:{' '}
              <a data-testid="export-audit-csv" href={`/v1/audit/export${qs({ ...period, format: 'csv' })}`} download>CSV</a> ·{' '}
              <a href={`/v1/audit/export${qs({ ...period, format: 'json' })}`} download>JSON</a>
            </p>
          </div>
        </>
      )}
    </section>
  );
}

type AuditEntry = Answer<'/v1/audit', 'get'>['items'][number];
type Verify = Answer<'/v1/audit/verify', 'get'>;

export function AuditBrowser() {
  const [items, setItems] = useState<AuditEntry[]>([]);
  const [cursor, setCursor] = useState<string | null>(null);
  const [actor, setActor] = useState('');
  const [action, setAction] = useState<(typeof AUDIT_ACTIONS)[number] | ''>('');
  const [verify, setVerify] = useState<Verify | null>(null);
  const [error, setError] = useState<string | null>(null);

  const [busy, setBusy] = useState(false);

  async function load(more = false): Promise<void> {
    setBusy(true);
    try {
      const query = { actor: actor.trim() || undefined, action: action || undefined, limit: PAGE_SIZE.audit, cursor: more ? (cursor ?? undefined) : undefined };
      const page = await ok(api.GET('/v1/audit', { params: { query } }));
      setItems((old) => (more ? [...old, ...page.items] : page.items));
      setCursor(page.nextCursor);
      setError(null);
    } catch (err) {
      setError((err as Error).message);
    } finally {
      setBusy(false);
    }
  }
  async function check(): Promise<void> {
    try {
      setVerify(await ok(api.GET('/v1/audit/verify')));
    } catch (err) {
      setError((err as Error).message);
    }
  }
  useEffect(() => {
    void load();
    void check();
  }, []);

  return (
    <section class="page">
      <div class="row">
        <h2>Audit trail</h2>
        <input aria-label="Actor" placeholder="actor (name or id)" value={actor} onInput={(e) => setActor(e.currentTarget.value)} />
        <select aria-label="Action" value={action} onChange={(e) => setAction(e.currentTarget.value as typeof action)}>
          <option value="">any action</option>
          {AUDIT_ACTIONS.map((a) => <option value={a}>{a}</option>)}
        </select>
        <button type="button" onClick={() => void load()}>Filter</button>
        <button type="button" onClick={() => void check()}>Verify chain</button>
      </div>
      {error && <div class="error" role="alert">{error}</div>}
      {verify && (
        <div class={`card ${verify.ok ? 'ok' : 'broken'}`} data-testid="audit-verify" data-ok={String(verify.ok)}>
          <b>{verify.ok ? 'Chain intact' : 'CHAIN BROKEN'}</b> — {verify.entries} entries checked, head #{verify.head.seq} <code>{verify.head.hash.slice(0, 16)}…</code>;
          {' '}{verify.checkpoints.checked} signed checkpoint(s), newest at #{verify.checkpoints.lastSeq}, {verify.checkpoints.unsigned} entries not yet signed.
          {verify.firstBroken && <div>First break at #{verify.firstBroken.seq}: {verify.firstBroken.reason} — {verify.firstBroken.message}</div>}
        </div>
      )}
      <table class="grid small" data-testid="audit">
        <thead><tr><th>#</th><th>time</th><th>actor</th><th>action</th><th>object</th><th>details</th></tr></thead>
        <tbody>
          {items.map((e) => (
            <tr>
              <td class="num">{e.seq}</td><td>{new Date(e.at).toLocaleString()}</td><td>{e.actor.name} <span class="muted">({e.actor.kind})</span></td>
              <td><code>{e.action}</code></td><td>{e.object ? `${e.object.type} ${e.object.id}` : ''}</td>
              <td class="details">{e.after ? JSON.stringify(e.after).slice(0, 160) : ''}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <LoadMore cursor={cursor} busy={busy} shown={items.length} onMore={() => void load(true)} />
    </section>
  );
}
