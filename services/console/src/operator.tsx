/**
 * Operator lane view: the scans of the operator's lanes, live from the SSE stream /v1/events
 * (EventSource resumes with Last-Event-ID by itself; a `reset` event means events were lost: the
 * view re-lists), a big verdict for the latest scan with its reasons, a sound on a hold, the
 * packages the adapter quarantined, and the form to record a physical inspection's outcome.
 */
import { useEffect, useRef, useState } from 'preact/hooks';
import { ApiError, api, ok, type Answer, type Body, type ScanDetail, type ScanSummary } from './api.ts';
import { LoadMore, PAGE_SIZE } from './paging.tsx';
import { INSPECTION_OUTCOMES } from './vocab.ts';
import { age } from './inspector.tsx';

type Rejection = Answer<'/v1/rejections', 'get'>['items'][number];

const scanPage = (cursor?: string) => ok(api.GET('/v1/scans', { params: { query: { limit: PAGE_SIZE.scans, cursor } } }));
const latestRejections = () => ok(api.GET('/v1/rejections', { params: { query: { limit: 20 } } }));

declare global {
  interface Window {
    __cxrCues?: number;
  }
}

const VERDICT_TEXT: Record<string, { text: string; cls: string }> = {
  clear: { text: 'CLEAR', cls: 'v-clear' },
  alert: { text: 'HOLD FOR INSPECTION', cls: 'v-hold' },
  needs_review: { text: 'NEEDS REVIEW', cls: 'v-review' },
};

let audio: AudioContext | null = null;
/** Two short tones; browsers allow sound after the user's first click on the page. */
function holdCue(): void {
  window.__cxrCues = (window.__cxrCues ?? 0) + 1;
  try {
    audio ??= new AudioContext();
    void audio.resume();
    const t = audio.currentTime;
    for (const [i, f] of [880, 660].entries()) {
      const o = audio.createOscillator();
      const g = audio.createGain();
      o.frequency.value = f;
      g.gain.setValueAtTime(0.2, t + i * 0.25);
      g.gain.exponentialRampToValueAtTime(0.001, t + i * 0.25 + 0.22);
      o.connect(g).connect(audio.destination);
      o.start(t + i * 0.25);
      o.stop(t + i * 0.25 + 0.23);
    }
  } catch {
    /* no audio device: the banner still shows */
  }
}

export function LaneView({ lanes }: { lanes: string[] | null }) {
  const [scans, setScans] = useState<ScanSummary[]>([]);
  const [rejections, setRejections] = useState<Rejection[]>([]);
  const [selected, setSelected] = useState<string | null>(null);
  const [detail, setDetail] = useState<ScanDetail | null>(null);
  const [live, setLive] = useState<'connecting' | 'live' | 'reconnecting'>('connecting');
  const [error, setError] = useState<string | null>(null);
  const follow = useRef(true);
  const [following, setFollowing] = useState(true);
  const setFollow = (v: boolean) => {
    follow.current = v;
    setFollowing(v);
  };

  const [cursor, setCursor] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  async function relist(): Promise<void> {
    try {
      const [s, r] = await Promise.all([scanPage(), latestRejections()]);
      setScans(s.items);
      setCursor(s.nextCursor);
      setRejections(r.items);
      setError(null);
      if (follow.current && s.items[0]) setSelected(s.items[0].scanId);
    } catch (err) {
      setError((err as Error).message);
    }
  }

  useEffect(() => {
    void relist();
    const es = new EventSource('/v1/events');
    es.onopen = () => setLive('live');
    es.onerror = () => setLive('reconnecting');
    es.addEventListener('reset', () => void relist());
    es.addEventListener('scan.status', (m) => {
      const e = JSON.parse((m as MessageEvent).data) as ScanSummary & { at: string; verdictReasons?: unknown };
      setScans((list) => {
        const i = list.findIndex((s) => s.scanId === e.scanId);
        const row: ScanSummary = {
          scanId: e.scanId,
          laneId: e.laneId,
          status: e.status,
          verdict: e.verdict ?? null,
          failureReason: e.failureReason ?? null,
          scannedAt: i >= 0 ? list[i]!.scannedAt : e.at,
          receivedAt: i >= 0 ? list[i]!.receivedAt : e.at,
          updatedAt: e.at,
        };
        return i >= 0 ? list.map((s, j) => (j === i ? row : s)) : [row, ...list];
      });
      if (e.verdict === 'alert' && e.status === 'analysed') holdCue();
      if (follow.current) {
        setSelected(e.scanId);
        setDetail((d) => (d && d.scanId === e.scanId ? null : d)); // refetch below
      }
    });
    es.addEventListener('scan.rejected', () => void latestRejections().then((r) => setRejections(r.items)).catch(() => {}));
    return () => es.close();
  }, []);

  /** Older scans: the next page after the oldest shown (scans that arrived live sit before the cursor). */
  async function more(): Promise<void> {
    if (!cursor || busy) return;
    setBusy(true);
    try {
      const page = await scanPage(cursor);
      setScans((list) => [...list, ...page.items.filter((s) => !list.some((t) => t.scanId === s.scanId))]);
      setCursor(page.nextCursor);
    } catch (err) {
      setError((err as Error).message);
    } finally {
      setBusy(false);
    }
  }

  const selectedRow = scans.find((s) => s.scanId === selected);
  useEffect(() => {
    if (!selected) return;
    let cancelled = false;
    ok(api.GET('/v1/scans/{scanId}', { params: { path: { scanId: selected } } }))
      .then((d) => !cancelled && setDetail(d))
      .catch(() => {});
    return () => {
      cancelled = true;
    };
  }, [selected, selectedRow?.status, selectedRow?.verdict]);

  const shown = detail && detail.scanId === selected ? detail : null;
  const verdict = shown?.verdict ? VERDICT_TEXT[shown.verdict] : null;

  return (
    <section class="page lane-view">
      <div class="row">
        <h2>Lanes {lanes?.join(', ') ?? '(all)'}</h2>
        <span class={`live ${live}`} data-testid="live">{live === 'live' ? '● live' : live}</span>
        <label>
          <input type="checkbox" checked={following} onChange={(e) => setFollow(e.currentTarget.checked)} /> follow newest
        </label>
        <button type="button" onClick={() => { holdCue(); }} title="Browsers play sound only after a click on the page">Test sound</button>
      </div>
      {error && <div class="error" role="alert">{error}</div>}
      <div class="split">
        <div class="main">
          {shown ? (
            <div class={`verdict ${verdict?.cls ?? 'v-pending'}`} data-testid="verdict" data-scan-id={shown.scanId} data-verdict={shown.verdict ?? ''}>
              <div class="verdict-text">{verdict?.text ?? shown.status.toUpperCase()}</div>
              <div class="verdict-scan">scan {shown.scanId} · lane {shown.laneId} · {shown.status}</div>
              <ul class="verdict-reasons">
                {shown.verdictReasons.map((r) => <li><code>{r.code}</code> {r.message}</li>)}
                {shown.alerts.flatMap((a) => a.reasons).map((r) => <li><code>{r.code}</code> {r.message}</li>)}
              </ul>
            </div>
          ) : (
            <div class="verdict v-pending" data-testid="verdict-waiting"><div class="verdict-text">WAITING FOR SCANS</div></div>
          )}
          {shown?.verdict === 'alert' && <InspectionForm scanId={shown.scanId} />}
        </div>
        <aside class="side">
          <div class="card">
            <h3>Scans</h3>
            <table class="grid small" data-testid="scans">
              <thead><tr><th>scan</th><th>lane</th><th>status</th><th>verdict</th><th>age</th></tr></thead>
              <tbody>
                {scans.map((s) => (
                  <tr class={`clickable ${s.scanId === selected ? 'selected' : ''}`} data-scan-id={s.scanId} onClick={() => { setFollow(false); setSelected(s.scanId); }}>
                    {/* A button for the keyboard: its click (Enter, Space) bubbles to the row's handler. */}
                    <td><button type="button" class="link cell" aria-pressed={s.scanId === selected} title="Show this scan's verdict">{s.scanId}</button></td><td>{s.laneId}</td><td>{s.status}</td>
                    <td class={s.verdict ? `v-${s.verdict}` : ''}>{s.verdict ?? ''}</td><td>{age(s.receivedAt)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
            <LoadMore cursor={cursor} busy={busy} shown={scans.length} onMore={() => void more()} />
          </div>
          <div class="card">
            <h3>Rejected packages</h3>
            {rejections.length === 0 ? <p class="muted">None.</p> : (
              <table class="grid small" data-testid="rejections">
                <thead><tr><th>package</th><th>lane</th><th>reason</th><th>age</th></tr></thead>
                <tbody>
                  {rejections.map((r) => (
                    <tr><td>{r.packageName}</td><td>{r.laneId ?? '?'}</td><td title={r.message}><code>{r.code}</code> {r.message}</td><td>{age(r.rejectedAt)}</td></tr>
                  ))}
                </tbody>
              </table>
            )}
          </div>
        </aside>
      </div>
    </section>
  );
}

function InspectionForm({ scanId }: { scanId: string }) {
  const [outcome, setOutcome] = useState<(typeof INSPECTION_OUTCOMES)[number]>('nothing_found');
  const [species, setSpecies] = useState('');
  const [count, setCount] = useState('1');
  const [weight, setWeight] = useState('');
  const [notes, setNotes] = useState('');
  const [result, setResult] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);

  async function submit(e: Event): Promise<void> {
    e.preventDefault();
    setError(null);
    try {
      const body: Body<'/v1/scans/{scanId}/inspection', 'post'> = { outcome };
      if (outcome === 'seized') body.seizure = { species, count: Number(count), weightKg: Number(weight) };
      if (notes.trim()) body.notes = notes.trim();
      const r = await ok(api.POST('/v1/scans/{scanId}/inspection', { params: { path: { scanId } }, body }));
      setResult(`Recorded: ${r.decided.length} referred alert(s) decided, ${r.stillOpen.length} still with reviewers.`);
    } catch (err) {
      setError(err instanceof ApiError ? err.message : String(err));
    }
  }

  return (
    <form class="card inspection" data-testid="inspection-form" onSubmit={(e) => void submit(e)}>
      <h3>Physical inspection outcome</h3>
      <select data-testid="outcome" aria-label="Outcome" value={outcome} onChange={(e) => setOutcome(e.currentTarget.value as typeof outcome)}>
        {INSPECTION_OUTCOMES.map((o) => <option value={o}>{o.replace('_', ' ')}</option>)}
      </select>
      {outcome === 'seized' && (
        <span class="seizure">
          <input aria-label="Species" placeholder="species" required value={species} onInput={(e) => setSpecies(e.currentTarget.value)} />
          <input type="number" aria-label="Count" min={1} placeholder="count" required value={count} onInput={(e) => setCount(e.currentTarget.value)} />
          <input type="number" aria-label="Weight in kg" min={0.001} step={0.001} placeholder="weight kg" required value={weight} onInput={(e) => setWeight(e.currentTarget.value)} />
        </span>
      )}
      <input aria-label="Notes" placeholder="notes" value={notes} onInput={(e) => setNotes(e.currentTarget.value)} />
      <button type="submit">Record outcome</button>
      {result && <div class="notice" data-testid="inspection-result">{result}</div>}
      {error && <div class="error" role="alert">{error}</div>}
    </form>
  );
}
