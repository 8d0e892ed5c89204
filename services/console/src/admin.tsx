/**
 * Administrator pages (role admin only; the API refuses everyone else anyway): users (list,
 * create, disable, set a password), API keys (list, create — the token is shown once — revoke),
 * model versions on disk (card summary, active and shadow flags; read-only: activation is a change
 * to models/registry.json) and scanner calibration profiles with their age. Every change is a POST
 * the API audits; nothing here is a feature the API does not already have.
 */
import { useEffect, useState } from 'preact/hooks';
import { ApiError, api, ok, type Answer, type Body } from './api.ts';
import { age } from './inspector.tsx';
import { LoadMore } from './paging.tsx';
import { PASSWORD_MIN, ROLES, type Role } from './vocab.ts';

type UserRow = Answer<'/v1/users', 'get'>['items'][number];
type KeyRow = Answer<'/v1/api-keys', 'get'>['items'][number];
type ModelVersion = Answer<'/v1/models/versions', 'get'>['items'][number];
type Calibration = Answer<'/v1/calibrations', 'get'>['items'][number];

const lanesOf = (text: string) => text.split(',').map((l) => l.trim()).filter(Boolean);
const message = (err: unknown) => (err instanceof ApiError ? `${err.message} (${err.status})` : String(err));

export function UsersPage() {
  const [users, setUsers] = useState<UserRow[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [form, setForm] = useState({ username: '', role: 'inspector' as Role, lanes: '', password: '' });
  const [pwFor, setPwFor] = useState<string | null>(null);
  const [newPw, setNewPw] = useState('');

  async function load(): Promise<void> {
    try {
      setUsers((await ok(api.GET('/v1/users'))).items);
    } catch (err) {
      setError(message(err));
    }
  }
  useEffect(() => void load(), []);

  async function act(fn: () => Promise<unknown>, done: string): Promise<void> {
    setError(null);
    setNotice(null);
    try {
      await fn();
      setNotice(done);
      await load();
    } catch (err) {
      setError(message(err));
    }
  }

  function create(e: Event): void {
    e.preventDefault();
    const body: Body<'/v1/users', 'post'> = { username: form.username.trim(), role: form.role, password: form.password, ...(form.role === 'operator' ? { lanes: lanesOf(form.lanes) } : {}) };
    void act(() => ok(api.POST('/v1/users', { body })), `User ${body.username} created.`).then(() => setForm({ username: '', role: form.role, lanes: '', password: '' }));
  }

  return (
    <section class="page" data-testid="admin-users">
      <h2>Users</h2>
      {error && <div class="error" role="alert" data-testid="admin-error">{error}</div>}
      {notice && <div class="notice" data-testid="notice">{notice}</div>}
      <form class="card row" data-testid="user-form" onSubmit={create}>
        <input name="new-username" aria-label="Username" placeholder="username" required value={form.username} onInput={(e) => setForm({ ...form, username: e.currentTarget.value })} />
        <select name="new-role" aria-label="Role" value={form.role} onChange={(e) => setForm({ ...form, role: e.currentTarget.value as Role })}>
          {ROLES.map((r) => <option value={r}>{r}</option>)}
        </select>
        {form.role === 'operator' && <input name="new-lanes" aria-label="Lanes" placeholder="lanes, e.g. lane-1,lane-2" required value={form.lanes} onInput={(e) => setForm({ ...form, lanes: e.currentTarget.value })} />}
        <input name="new-password" aria-label="Password" type="password" autocomplete="new-password" class="wide" placeholder={`password (≥ ${PASSWORD_MIN} characters)`} required minLength={PASSWORD_MIN} value={form.password} onInput={(e) => setForm({ ...form, password: e.currentTarget.value })} />
        <button type="submit" data-testid="create-user">Create user</button>
      </form>
      {users === null ? <p class="muted">Loading…</p> : (
        <table class="grid" data-testid="users">
          <thead><tr><th>username</th><th>role</th><th>lanes</th><th>state</th><th>created</th><th /></tr></thead>
          <tbody>
            {users.map((u) => (
              <tr data-username={u.username} class={u.disabled ? 'muted' : ''}>
                <td>{u.username}</td><td>{u.role}</td><td>{u.lanes?.join(', ') ?? ''}</td><td>{u.disabled ? 'disabled' : 'active'}</td><td>{age(u.createdAt)} ago</td>
                <td><div class="row">
                  {!u.disabled && (
                    <button type="button" data-testid="disable-user" onClick={() => confirm(`Disable ${u.username}? Its sessions end at once.`) && void act(() => ok(api.POST('/v1/users/{id}/disable', { params: { path: { id: u.id } } })), `${u.username} disabled.`)}>
                      Disable
                    </button>
                  )}
                  {pwFor === u.id ? (
                    <form class="row" onSubmit={(e) => { e.preventDefault(); void act(() => ok(api.POST('/v1/users/{id}/password', { params: { path: { id: u.id } }, body: { password: newPw } })), `Password of ${u.username} set; its sessions ended.`).then(() => { setPwFor(null); setNewPw(''); }); }}>
                      <input type="password" name="set-password" aria-label={`New password of ${u.username}`} autocomplete="new-password" required minLength={PASSWORD_MIN} placeholder="new password" value={newPw} onInput={(e) => setNewPw(e.currentTarget.value)} />
                      <button type="submit" data-testid="save-password">Save</button>
                      <button type="button" onClick={() => setPwFor(null)}>Cancel</button>
                    </form>
                  ) : (
                    <button type="button" data-testid="set-password" onClick={() => { setPwFor(u.id); setNewPw(''); }}>Set password</button>
                  )}
                </div></td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

export function KeysPage() {
  const [keys, setKeys] = useState<KeyRow[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [label, setLabel] = useState('');
  const [lanes, setLanes] = useState('');
  const [token, setToken] = useState<{ label: string; token: string } | null>(null);

  async function load(): Promise<void> {
    try {
      setKeys((await ok(api.GET('/v1/api-keys'))).items);
    } catch (err) {
      setError(message(err));
    }
  }
  useEffect(() => void load(), []);

  async function create(e: Event): Promise<void> {
    e.preventDefault();
    setError(null);
    try {
      const r = await ok(api.POST('/v1/api-keys', { body: { label: label.trim(), lanes: lanesOf(lanes) } }));
      setToken({ label: r.key.label, token: r.token });
      setLabel('');
      setLanes('');
      await load();
    } catch (err) {
      setError(message(err));
    }
  }

  async function revoke(k: KeyRow): Promise<void> {
    if (!confirm(`Revoke the key "${k.label}"? Clients using it are refused at once.`)) return;
    setError(null);
    try {
      await ok(api.POST('/v1/api-keys/{id}/revoke', { params: { path: { id: k.id } } }));
      await load();
    } catch (err) {
      setError(message(err));
    }
  }

  return (
    <section class="page" data-testid="admin-keys">
      <h2>API keys</h2>
      <p class="muted">Lane-scoped keys for scanners and integrations (pseudo-role <code>ingest</code>). Only a hash is stored: the token is shown once, here, after creating.</p>
      {error && <div class="error" role="alert" data-testid="admin-error">{error}</div>}
      {token && (
        <div class="notice" data-testid="key-token">
          Token of <b>{token.label}</b> — copy it now, it is not shown again: <code>{token.token}</code>{' '}
          <button type="button" onClick={() => setToken(null)}>I have copied it</button>
        </div>
      )}
      <form class="card row" onSubmit={(e) => void create(e)}>
        <input name="key-label" aria-label="Label" placeholder="label, e.g. Lane 1 scanner" required maxLength={100} value={label} onInput={(e) => setLabel(e.currentTarget.value)} />
        <input name="key-lanes" aria-label="Lanes" placeholder="lanes, e.g. lane-1" required value={lanes} onInput={(e) => setLanes(e.currentTarget.value)} />
        <button type="submit" data-testid="create-key">Create key</button>
      </form>
      {keys === null ? <p class="muted">Loading…</p> : (
        <table class="grid" data-testid="keys">
          <thead><tr><th>label</th><th>id</th><th>lanes</th><th>created</th><th>by</th><th>state</th><th /></tr></thead>
          <tbody>
            {keys.map((k) => (
              <tr data-key-id={k.id} class={k.revokedAt ? 'muted' : ''}>
                <td>{k.label}</td><td><code>{k.id}</code></td><td>{k.lanes.join(', ')}</td><td>{age(k.createdAt)} ago</td><td>{k.createdBy}</td>
                <td>{k.revokedAt ? `revoked ${age(k.revokedAt)} ago` : 'active'}</td>
                <td>{!k.revokedAt && <button type="button" data-testid="revoke-key" onClick={() => void revoke(k)}>Revoke</button>}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

export function ModelsPage() {
  const [items, setItems] = useState<ModelVersion[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    ok(api.GET('/v1/models/versions')).then((r) => setItems(r.items), (err) => setError(message(err)));
  }, []);
  return (
    <section class="page" data-testid="admin-models">
      <h2>Models</h2>
      <p class="muted">Read-only. The active version per model is set in <code>models/registry.json</code>, shadow versions with <code>SHADOW_MODELS</code> (docs/models.md); the worker loads them at start.</p>
      {error && <div class="error" role="alert">{error}</div>}
      {items === null ? <p class="muted">Loading…</p> : (
        <table class="grid small" data-testid="models">
          <thead><tr><th>model</th><th>version</th><th>state</th><th>created</th><th>sources</th><th>input</th><th>classes: threshold (false-alarm rate)</th><th>intended use, limits</th></tr></thead>
          <tbody>
            {items.map((m) => (
              <tr data-model={`${m.id}@${m.version}`} data-active={String(m.active)}>
                <td>{m.id}</td>
                <td>{m.version}</td>
                <td>{m.active ? <b>active</b> : m.shadow ? 'shadow' : m.problem ? 'cannot be loaded' : <span class="muted">available</span>}{m.problem && <div class="error cell-note">{m.problem}</div>}</td>
                <td>{m.card?.createdAt ? new Date(m.card.createdAt).toLocaleDateString() : ''}</td>
                <td>{m.card?.sourceKinds.join(', ')}</td>
                <td>{m.card ? `${m.card.representation}, ${m.card.pixelSpacingMm} mm` : ''}</td>
                <td>
                  {m.card && Object.entries(m.card.thresholds).map(([cls, t]) => (
                    <div>{cls}: {t.score.toFixed(2)} ({(t.calibratedFalseAlarmRate * 100).toFixed(1)} %)</div>
                  ))}
                  {m.card && <div class="muted">candidates ≥ {m.card.candidateScore}</div>}
                </td>
                <td class="details" title={m.card?.limits.join('\n')}>{m.card?.intendedUse}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

export function CalibrationsPage() {
  const [items, setItems] = useState<Calibration[]>([]);
  const [cursor, setCursor] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [loaded, setLoaded] = useState(false);
  const [error, setError] = useState<string | null>(null);
  async function load(more = false): Promise<void> {
    setBusy(true);
    try {
      const page = await ok(api.GET('/v1/calibrations', { params: { query: { limit: 100, cursor: more ? (cursor ?? undefined) : undefined } } }));
      setItems((old) => (more ? [...old, ...page.items] : page.items));
      setCursor(page.nextCursor);
      setLoaded(true);
    } catch (err) {
      setError(message(err));
    } finally {
      setBusy(false);
    }
  }
  useEffect(() => void load(), []);
  return (
    <section class="page" data-testid="admin-calibrations">
      <h2>Calibration profiles</h2>
      <p class="muted">Newest received first. A scan uses the newest active profile of its scanner acquired before it (docs/calibration-package.md); an old profile means the scanner has not been calibrated since.</p>
      {error && <div class="error" role="alert">{error}</div>}
      {loaded && items.length === 0 ? <p class="muted" data-testid="calibrations-empty">No calibration profiles yet.</p> : (
        <table class="grid small" data-testid="calibrations">
          <thead><tr><th>scanner</th><th>source</th><th>version</th><th>status</th><th>acquired</th><th>age</th><th>max residual</th><th>reason</th></tr></thead>
          <tbody>
            {items.map((c) => (
              <tr data-calibration-id={c.id}>
                <td>{c.scanner.serial} <span class="muted">{[c.scanner.vendor, c.scanner.model].filter(Boolean).join(' ')}</span></td>
                <td>{c.source.kind}</td><td class="num">{c.version}</td><td>{c.status}</td>
                <td>{new Date(c.acquiredAt).toLocaleString()}</td><td data-testid="calibration-age">{age(c.acquiredAt)}</td>
                <td class="num">{c.maxResidual?.toFixed(4) ?? ''}</td><td class="details">{c.reason ?? ''}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <LoadMore cursor={cursor} busy={busy} shown={items.length} onMore={() => void load(true)} />
    </section>
  );
}
