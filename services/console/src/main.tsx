/**
 * Entry of the web console: the session (login form, GET /v1/auth/me for the role and CSRF
 * token, logout), the pages each role may open, and the refusal shown on another role's page.
 * The API enforces access; the console only avoids offering what the role cannot do.
 */
import { render } from 'preact';
import { useEffect, useLayoutEffect, useState } from 'preact/hooks';
import { ApiError, api, ok, onSessionEnded, setCsrfToken, type Me } from './api.ts';
import { CalibrationsPage, KeysPage, ModelsPage, UsersPage } from './admin.tsx';
import { AlertPage, Queue } from './inspector.tsx';
import { LaneView } from './operator.tsx';
import { navigate, onLinkClick, usePath } from './router.ts';
import { HelpOverlay, typing } from './shortcuts.tsx';
import { AuditBrowser, Dashboard } from './supervisor.tsx';
import type { Role } from './vocab.ts';
import './style.css';

/** Pages and who may open them (a subset of what the API lets each role call, docs/access.md). */
const PAGES: Array<{ path: string; label: string; roles: Role[] }> = [
  { path: '/lanes', label: 'Lanes', roles: ['operator'] },
  { path: '/queue', label: 'Alert queue', roles: ['inspector', 'supervisor'] },
  { path: '/dashboard', label: 'Dashboard', roles: ['supervisor', 'admin'] },
  { path: '/audit', label: 'Audit', roles: ['supervisor', 'admin'] },
  { path: '/admin/users', label: 'Users', roles: ['admin'] },
  { path: '/admin/keys', label: 'API keys', roles: ['admin'] },
  { path: '/admin/models', label: 'Models', roles: ['admin'] },
  { path: '/admin/calibrations', label: 'Calibrations', roles: ['admin'] },
];
const HOME: Record<Role, string> = { operator: '/lanes', inspector: '/queue', supervisor: '/dashboard', admin: '/dashboard' };

function pageOf(path: string): { roles: Role[] } | undefined {
  if (path.startsWith('/alerts/')) return { roles: ['inspector', 'supervisor'] };
  return PAGES.find((p) => p.path === path);
}

function Login({ onLogin }: { onLogin: (me: Me) => void }) {
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  async function submit(e: Event): Promise<void> {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const r = await ok(api.POST('/v1/auth/login', { body: { username: username.trim(), password } }), { noSessionCheck: true });
      setCsrfToken(r.csrfToken);
      onLogin({ kind: 'user', id: r.user.id, name: r.user.username, role: r.user.role, lanes: r.user.lanes, csrfToken: r.csrfToken, expiresAt: r.expiresAt });
    } catch (err) {
      setError(err instanceof ApiError && err.status === 429 ? 'Too many attempts; wait a minute.' : err instanceof ApiError ? err.message : String(err));
    } finally {
      setBusy(false);
    }
  }
  return (
    <main class="login">
      <form onSubmit={(e) => void submit(e)} data-testid="login-form">
        <h1>Cargo X-ray console</h1>
        <p class="muted">AI-assisted: every alert is decided by a person.</p>
        <label>Username <input name="username" autocomplete="username" required value={username} onInput={(e) => setUsername(e.currentTarget.value)} /></label>
        <label>Password <input name="password" type="password" autocomplete="current-password" required value={password} onInput={(e) => setPassword(e.currentTarget.value)} /></label>
        {error && <div class="error" role="alert" data-testid="login-error">{error}</div>}
        <button type="submit" disabled={busy}>Log in</button>
      </form>
    </main>
  );
}

function App() {
  const [me, setMe] = useState<Me | null | undefined>(undefined);
  const [help, setHelp] = useState(false);
  const path = usePath();

  useEffect(() => {
    onSessionEnded(() => setMe(null));
    ok(api.GET('/v1/auth/me'), { noSessionCheck: true })
      .then((me) => {
        setCsrfToken(me.csrfToken);
        setMe(me);
      })
      .catch(() => setMe(null));
  }, []);

  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (e.key === 'Escape') setHelp(false);
      else if (e.key === '?' && !typing(e.target)) setHelp((h) => !h);
    };
    document.addEventListener('keydown', onKey);
    return () => document.removeEventListener('keydown', onKey);
  }, []);

  const role = me?.role as Role | undefined;
  // A layout effect, so the start page's URL is set in the same task as the first signed-in render
  // (a plain effect left a moment where the header showed but the URL was still '/').
  useLayoutEffect(() => {
    if (role && (path === '/' || path === '')) navigate(HOME[role] ?? '/', true);
  }, [role, path]);

  if (me === undefined) return <p class="muted pad">Loading…</p>;
  if (me === null) return <Login onLogin={setMe} />;

  async function logout(): Promise<void> {
    await ok(api.POST('/v1/auth/logout'), { noSessionCheck: true }).catch(() => {});
    setCsrfToken(null);
    setMe(null);
    navigate('/', true);
  }

  const page = pageOf(path);
  let body;
  if (page && !page.roles.includes(role!)) {
    body = (
      <section class="page">
        <div class="refused" role="alert" data-testid="refused">
          This page is for {page.roles.join(' and ')}s; you are signed in as <b>{role}</b>.{' '}
          <a href={HOME[role!] ?? '/'} onClick={(e) => onLinkClick(e as MouseEvent, HOME[role!] ?? '/')}>Go to your start page</a>
        </div>
      </section>
    );
  } else if (path === '/lanes') body = <LaneView lanes={me.lanes} />;
  else if (path === '/queue') body = <Queue />;
  else if (path.startsWith('/alerts/')) body = <AlertPage id={decodeURIComponent(path.slice('/alerts/'.length))} userId={me.id} />;
  else if (path === '/dashboard') body = <Dashboard />;
  else if (path === '/audit') body = <AuditBrowser />;
  else if (path === '/admin/users') body = <UsersPage />;
  else if (path === '/admin/keys') body = <KeysPage />;
  else if (path === '/admin/models') body = <ModelsPage />;
  else if (path === '/admin/calibrations') body = <CalibrationsPage />;
  else if (path === '/') body = null;
  else body = <section class="page"><p>No page {path}.</p></section>;

  return (
    <>
      <header class="top">
        <span class="brand">Cargo X-ray</span>
        <nav>
          {PAGES.filter((p) => p.roles.includes(role!)).map((p) => (
            <a href={p.path} data-nav={p.path} class={path.startsWith(p.path) ? 'active' : ''} onClick={(e) => onLinkClick(e as MouseEvent, p.path)}>{p.label}</a>
          ))}
        </nav>
        <span class="who" data-testid="who">{me.name} · <b>{role}</b>{me.lanes ? ` · ${me.lanes.join(', ')}` : ''}</span>
        <button type="button" class="link" onClick={() => setHelp(true)} title="Keyboard shortcuts" aria-label="Keyboard shortcuts (?)">?</button>
        <button type="button" data-testid="logout" onClick={() => void logout()}>Log out</button>
      </header>
      {role === 'admin' && path === '/dashboard' && <p class="muted pad">Users, API keys, models and calibrations: the pages above. Scans and alerts are not open to this role.</p>}
      {body}
      {help && <HelpOverlay onClose={() => setHelp(false)} />}
    </>
  );
}

render(<App />, document.getElementById('app')!);
