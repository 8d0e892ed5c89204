/**
 * Inspector (and supervisor) review: the alert queue — wildlife first, then score, then age, over
 * every alert (the API's `sort=priority`, paged in that order) — and one alert: claim, the image viewer, manifest and reasons beside it, and the decision form
 * sent with the version read as If-Match, so a decision on a stale alert gets the server's 409
 * conflict message instead of overwriting someone else's. Leaving the alert (another console
 * route, `n`, closing or reloading the tab) gives back a claim the user holds and has not decided
 * (POST …/release with keepalive, on the version read), so it does not sit locked until it expires.
 * Keyboard: n c d ? (see shortcuts).
 */
import { useEffect, useRef, useState } from 'preact/hooks';
import { ApiError, api, ifMatch, ok, releaseOnLeave, type AlertDetail, type AlertView, type Body, type ScanDetail } from './api.ts';
import { LoadMore, PAGE_SIZE, fetchPages, type PageOf } from './paging.tsx';
import { navigate, onLinkClick } from './router.ts';
import { useShortcuts } from './shortcuts.tsx';
import { ALERT_LIST_ORDERS, CLEAR_REASONS, DECISIONS, FINAL_ALERT_STATUSES, STATUS_COLOURS, WILDLIFE_CLASSES, type AlertStatus, type Decision } from './vocab.ts';
import { Viewer } from './viewer.tsx';

const WILDLIFE = new Set<string>(WILDLIFE_CLASSES);
/** The queue's order, applied by the API over every alert. */
const QUEUE_ORDER: (typeof ALERT_LIST_ORDERS)[number] = 'priority';

/** The last queue shown, so `n` on an alert page goes to the next one. */
let lastQueue: string[] = [];

export function nextAlertAfter(id: string | null): string | undefined {
  if (lastQueue.length === 0) return undefined;
  const i = id ? lastQueue.indexOf(id) : -1;
  return lastQueue[i + 1] ?? (i === -1 ? lastQueue[0] : undefined);
}

export function age(iso: string): string {
  const s = Math.max(0, (Date.now() - Date.parse(iso)) / 1000);
  if (s < 90) return `${Math.round(s)} s`;
  if (s < 5400) return `${Math.round(s / 60)} min`;
  if (s < 172800) return `${Math.round(s / 3600)} h`;
  return `${Math.round(s / 86400)} d`;
}

export function StatusBadge({ status }: { status: string }) {
  return (
    <span class="badge" style={{ background: STATUS_COLOURS[status as AlertStatus] ?? '#555' }} data-status={status}>
      {status.replace('_', ' ')}
    </span>
  );
}

const FILTERS = ['open', 'mine', 'in_review', 'escalated', 'referred', 'cleared', 'seized', 'nothing_found', 'all'] as const;

export function Queue() {
  const [filter, setFilter] = useState<(typeof FILTERS)[number]>(() => (new URLSearchParams(location.search).get('status') as never) ?? 'open');
  const [items, setItems] = useState<AlertView[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [selected, setSelected] = useState(0);
  const [cursor, setCursor] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  /** Pages shown: the 10 s refresh reloads as many, so "Load more" is not undone. */
  const pages = useRef(1);

  const page = (cursor?: string) => {
    const q = filter === 'all' ? {} : filter === 'mine' ? { assignee: 'me' as const } : { status: filter };
    // The server orders the whole set (wildlife first, score, oldest first) and pages in that order.
    return ok(api.GET('/v1/alerts', { params: { query: { ...q, sort: QUEUE_ORDER, limit: PAGE_SIZE.queue, cursor } } }));
  };
  function show(page: PageOf<AlertView>): void {
    lastQueue = page.items.map((a) => a.id);
    setItems(page.items);
    setCursor(page.nextCursor);
    setError(null);
  }

  async function load(): Promise<void> {
    try {
      show(await fetchPages<AlertView>(page, pages.current));
    } catch (err) {
      setError((err as Error).message);
    }
  }

  async function more(): Promise<void> {
    if (!cursor || busy) return;
    setBusy(true);
    try {
      const next = await page(cursor);
      pages.current++;
      show({ items: [...(items ?? []), ...next.items.filter((a) => !items?.some((b) => b.id === a.id))], nextCursor: next.nextCursor });
    } catch (err) {
      setError((err as Error).message);
    } finally {
      setBusy(false);
    }
  }

  useEffect(() => {
    pages.current = 1;
    void load();
    const t = setInterval(() => void load(), 10_000);
    return () => clearInterval(t);
  }, [filter]);

  useShortcuts({
    n: () => setSelected((s) => Math.min((items?.length ?? 1) - 1, s + 1)),
    p: () => setSelected((s) => Math.max(0, s - 1)),
    Enter: () => items?.[selected] && navigate(`/alerts/${items[selected]!.id}`),
    o: () => items?.[selected] && navigate(`/alerts/${items[selected]!.id}`),
  });

  return (
    <section class="page">
      <div class="row">
        <h2>Alert queue</h2>
        <label>
          Status{' '}
          <select data-testid="queue-filter" value={filter} onChange={(e) => { setFilter(e.currentTarget.value as never); setSelected(0); }}>
            {FILTERS.map((f) => (
              <option value={f}>{f === 'mine' ? 'claimed by me' : f.replace('_', ' ')}</option>
            ))}
          </select>
        </label>
        <button type="button" onClick={() => void load()}>Refresh</button>
        <span class="muted">wildlife first, then score, then oldest · n/p select · Enter opens · ? help</span>
      </div>
      {error && <div class="error" role="alert">{error}</div>}
      {items === null ? (
        <p class="muted">Loading…</p>
      ) : items.length === 0 ? (
        <p class="muted" data-testid="queue-empty">No alerts with this status.</p>
      ) : (
        <table class="grid" data-testid="queue">
          <thead>
            <tr><th>class</th><th>score</th><th>lane</th><th>scan</th><th>waiting</th><th>status</th><th>assignee</th><th>reasons</th></tr>
          </thead>
          <tbody>
            {items.map((a, i) => (
              <tr
                key={a.id}
                class={`clickable ${i === selected ? 'selected' : ''} ${a.seenAt ? '' : 'unseen'}`}
                data-alert-id={a.id}
                onClick={() => navigate(`/alerts/${a.id}`)}
              >
                <td class={WILDLIFE.has(a.class) ? 'wildlife' : ''}>{a.class.replace('_', ' ')}</td>
                <td class="num">{a.score.toFixed(2)}</td>
                <td>{a.laneId}</td>
                <td><a href={`/alerts/${a.id}`} onClick={(e) => onLinkClick(e as MouseEvent, `/alerts/${a.id}`)}>{a.scanId}</a></td>
                <td>{age(a.createdAt)}</td>
                <td><StatusBadge status={a.status} /></td>
                <td>{a.review.assignee?.name ?? ''}</td>
                <td class="reasons">{a.reasons.map((r) => r.code).join(', ')}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {items !== null && <LoadMore cursor={cursor} busy={busy} shown={items.length} onMore={() => void more()} />}
      {cursor && <p class="muted small">Ordered over every alert: the ones after these, lower in priority, follow with "Load more".</p>}
    </section>
  );
}

const DECISION_LABELS: Record<string, string> = {
  clear: 'Clear (false alarm)',
  refer: 'Refer for physical inspection',
  escalate: 'Escalate to a supervisor',
  seize: 'Seize',
  nothing_found: 'Nothing found',
};

/** `userId`: the signed-in user; only a claim this user holds is released on leaving. */
export function AlertPage({ id, userId }: { id: string; userId: string }) {
  const [alert, setAlert] = useState<AlertDetail | null>(null);
  const [scan, setScan] = useState<ScanDetail | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [conflict, setConflict] = useState<string | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const formRef = useRef<HTMLFormElement>(null);
  /** The claim this page holds for its user on an undecided alert (with the version read), else null. */
  const held = useRef<{ id: string; version: number } | null>(null);
  /** A write in flight (a decision being sent): leaving then must not race it with a release. */
  const writing = useRef(false);

  async function load(): Promise<void> {
    try {
      const a = await ok(api.GET('/v1/alerts/{id}', { params: { path: { id } } }));
      setAlert(a);
      setError(null);
      setConflict(null);
      if (!scan || scan.scanId !== a.scanId) setScan(await ok(api.GET('/v1/scans/{scanId}', { params: { path: { scanId: a.scanId } } })));
      if (!a.seenAt) void ok(api.POST('/v1/alerts/{id}/seen', { params: { path: { id } } })).catch(() => {});
    } catch (err) {
      setError((err as Error).message);
    }
  }

  useEffect(() => {
    setScan(null);
    setAlert(null);
    setNotice(null);
    void load();
    // Leaving this alert for another route (or the next alert): give the claim back.
    return () => releaseHeld();
  }, [id]);

  // Kept in an effect, not during render: on a route change the cleanup above still sees the old alert's claim.
  useEffect(() => {
    const a = alert;
    held.current =
      a && a.status === 'in_review' && a.review.assignee?.id === userId && a.review.decidedAt === null && a.actions.includes('release')
        ? { id: a.id, version: a.review.version }
        : null;
  }, [alert, userId]);

  // Closing or reloading the tab (or leaving the console): pagehide, the last event a page reliably gets.
  useEffect(() => {
    const onHide = () => releaseHeld();
    // Back from the browser's page cache after a pagehide: the claim was given back, show that.
    const onShow = (e: PageTransitionEvent) => e.persisted && void load();
    addEventListener('pagehide', onHide);
    addEventListener('pageshow', onShow);
    return () => {
      removeEventListener('pagehide', onHide);
      removeEventListener('pageshow', onShow);
    };
  }, [id]);

  function releaseHeld(): void {
    const h = held.current;
    if (!h || writing.current) return;
    held.current = null;
    releaseOnLeave(h.id, h.version, 'released on leaving the alert page');
  }

  /** Writes on the version this page read (If-Match); a 409 shows the server's message and keeps the form. */
  async function write(send: (headers: { 'if-match': string }) => Promise<unknown>, done: string): Promise<void> {
    if (!alert || busy) return;
    setBusy(true);
    setConflict(null);
    setError(null);
    writing.current = true;
    try {
      await send(ifMatch(alert.review.version));
      setNotice(done);
      await load();
    } catch (err) {
      if (err instanceof ApiError && (err.status === 409 || err.status === 428)) setConflict(err.message);
      else setError((err as Error).message);
    } finally {
      writing.current = false;
      setBusy(false);
    }
  }

  const params = { path: { id } };
  const claim = () => write((headers) => ok(api.POST('/v1/alerts/{id}/claim', { params, headers, body: {} })), 'Claimed: the alert is yours until the claim expires.');
  const release = () => write((headers) => ok(api.POST('/v1/alerts/{id}/release', { params, headers, body: {} })), 'Released: the alert is open again.');
  const decide = (body: DecisionBody) => write((headers) => ok(api.POST('/v1/alerts/{id}/decision', { params, headers, body })), `Decision recorded: ${body.decision}.`);

  useShortcuts({
    c: () => void claim(),
    d: () => formRef.current?.querySelector<HTMLElement>('select, input')?.focus(),
    n: () => {
      const next = nextAlertAfter(id);
      if (next) navigate(`/alerts/${next}`);
      else navigate('/queue');
    },
  });

  if (error && !alert) return <section class="page"><div class="error" role="alert">{error}</div></section>;
  if (!alert) return <section class="page"><p class="muted">Loading alert…</p></section>;
  const final = (FINAL_ALERT_STATUSES as readonly string[]).includes(alert.status);
  const focus = alert.reasons.flatMap((r) => r.detectionIds);

  return (
    <section class="page alert-page" data-testid="alert-page" data-version={alert.review.version}>
      <div class="row">
        <a href="/queue" onClick={(e) => onLinkClick(e as MouseEvent, '/queue')}>← queue</a>
        <h2>
          {alert.class.replace('_', ' ')} <span class="num">{alert.score.toFixed(2)}</span> · lane {alert.laneId} · scan {alert.scanId}
        </h2>
        <StatusBadge status={alert.status} />
        <span class="muted">version {alert.review.version}</span>
      </div>
      <div class="split">
        <div class="main">{scan ? <Viewer scan={scan} focus={focus} heatmap={{ model: `${alert.modelId}@${alert.modelVersion}`, cls: alert.class }} /> : <p class="muted">Loading scan…</p>}</div>
        <aside class="side">
          <div class="card">
            <h3>Review</h3>
            <p>
              {alert.review.assignee ? (
                <>In review by <b>{alert.review.assignee.name}</b>{alert.review.claimExpiresAt && <> until {new Date(alert.review.claimExpiresAt).toLocaleTimeString()}</>}</>
              ) : final ? (
                <>Decided by {alert.review.decidedBy?.name}: <b>{alert.review.decision?.decision}</b> {alert.review.decision?.reason ?? ''}</>
              ) : (
                'Nobody holds this alert.'
              )}
            </p>
            {conflict && (
              <div class="conflict" role="alert" data-testid="conflict">
                <b>Someone else changed this alert.</b> {conflict}
                <div><button type="button" onClick={() => void load()}>Reload the alert</button></div>
              </div>
            )}
            {error && <div class="error" role="alert">{error}</div>}
            {notice && !conflict && <div class="notice" data-testid="notice">{notice}</div>}
            <div class="row">
              <button type="button" data-testid="claim" disabled={busy || final} onClick={() => void claim()} title="c">
                {alert.actions.includes('claim') || !alert.review.assignee ? 'Claim (c)' : 'Renew claim (c)'}
              </button>
              {alert.actions.includes('release') && <button type="button" disabled={busy} onClick={() => void release()}>Release</button>}
            </div>
            {!final && (
              <DecisionForm
                formRef={formRef}
                actions={alert.actions}
                busy={busy}
                onSubmit={(body) => void decide(body)}
              />
            )}
          </div>
          <div class="card">
            <h3>Why this alert</h3>
            <ul data-testid="reasons">
              {alert.reasons.map((r) => (
                <li><code>{r.code}</code> {r.message}</li>
              ))}
            </ul>
            <p class="muted">model {alert.modelId}@{alert.modelVersion}</p>
          </div>
          <div class="card">
            <h3>Manifest</h3>
            {scan?.manifest.declarations.length ? (
              <table class="grid small" data-testid="manifest">
                <thead><tr><th>HS</th><th>description</th><th>species</th><th>qty</th><th>CITES permit</th></tr></thead>
                <tbody>
                  {scan.manifest.declarations.map((d) => (
                    <tr><td>{d.hsCode}</td><td>{d.description}</td><td><i>{d.species ?? ''}</i></td><td>{d.quantity ?? ''} {d.unit ?? ''}</td><td>{d.citesPermit ?? ''}</td></tr>
                  ))}
                </tbody>
              </table>
            ) : (
              <p class="muted">No declarations.</p>
            )}
          </div>
          {scan && (
            <div class="card">
              <h3>Detections</h3>
              <table class="grid small">
                <thead><tr><th>class</th><th>score</th><th>size mm</th><th>model</th></tr></thead>
                <tbody>
                  {scan.detections.filter((d) => !d.shadow).map((d) => (
                    <tr class={d.aboveThreshold ? '' : 'muted'}>
                      <td>{d.class}{d.species ? ` (${d.species})` : ''}</td>
                      <td class="num">{d.score.toFixed(2)}</td>
                      <td class="num">{Math.round(d.boxMm.width)}×{Math.round(d.boxMm.height)}</td>
                      <td>{d.modelId}@{d.modelVersion}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}
          <div class="card">
            <h3>History</h3>
            <ol class="history">
              {alert.history.map((h) => (
                <li>v{h.version} {new Date(h.at).toLocaleString()} <b>{h.actor.name}</b> {h.action} {h.from} → {h.to}{h.notes ? ` — ${h.notes}` : ''}</li>
              ))}
            </ol>
          </div>
        </aside>
      </div>
    </section>
  );
}

type DecisionBody = Body<'/v1/alerts/{id}/decision', 'post'>;

function DecisionForm({ actions, busy, onSubmit, formRef }: { actions: string[]; busy: boolean; onSubmit: (b: DecisionBody) => void; formRef: { current: HTMLFormElement | null } }) {
  const allowed = DECISIONS.filter((d) => actions.includes(d));
  // Before a claim only escalate is allowed; show every decision so the form is known, enable the allowed.
  const [decision, setDecision] = useState<Decision>(allowed[0] ?? 'clear');
  const [reason, setReason] = useState<(typeof CLEAR_REASONS)[number]>('look_alike_material');
  const [species, setSpecies] = useState('');
  const [count, setCount] = useState('1');
  const [weight, setWeight] = useState('');
  const [notes, setNotes] = useState('');
  useEffect(() => {
    // What can be done changed (a claim): start from the first decision allowed (clear after a claim).
    if (allowed[0]) setDecision(allowed[0]);
  }, [actions.join(',')]);

  function submit(e: Event): void {
    e.preventDefault();
    const body: DecisionBody = { decision };
    if (decision === 'clear') body.reason = reason;
    if (decision === 'seize') body.seizure = { species, count: Number(count), weightKg: Number(weight) };
    if (notes.trim()) body.notes = notes.trim();
    onSubmit(body);
  }

  return (
    <form ref={formRef} class="decision" data-testid="decision-form" onSubmit={submit}>
      <h4>Decision (d)</h4>
      <select data-testid="decision" aria-label="Decision" value={decision} onChange={(e) => setDecision(e.currentTarget.value as Decision)}>
        {DECISIONS.map((d) => (
          <option value={d} disabled={!actions.includes(d)}>{DECISION_LABELS[d]}</option>
        ))}
      </select>
      {decision === 'clear' && (
        <label>
          Reason{' '}
          <select data-testid="clear-reason" value={reason} onChange={(e) => setReason(e.currentTarget.value as typeof reason)}>
            {CLEAR_REASONS.map((r) => <option value={r}>{r.replace(/_/g, ' ')}</option>)}
          </select>
        </label>
      )}
      {decision === 'seize' && (
        <div class="seizure">
          <input aria-label="Species" placeholder="species, e.g. Loxodonta africana" required value={species} onInput={(e) => setSpecies(e.currentTarget.value)} />
          <input type="number" aria-label="Count" min={1} step={1} placeholder="count" required value={count} onInput={(e) => setCount(e.currentTarget.value)} />
          <input type="number" aria-label="Weight in kg" min={0.001} step={0.001} placeholder="weight kg" required value={weight} onInput={(e) => setWeight(e.currentTarget.value)} />
        </div>
      )}
      <textarea data-testid="notes" aria-label="Notes" placeholder={reason === 'other' && decision === 'clear' ? 'notes (required for "other")' : 'notes'} maxLength={4000} value={notes} onInput={(e) => setNotes(e.currentTarget.value)} />
      <button type="submit" data-testid="decide" disabled={busy || allowed.length === 0}>Send decision</button>
      {allowed.length === 0 && <p class="muted">Claim the alert to decide it.</p>}
    </form>
  );
}
