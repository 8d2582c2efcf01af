/** Boot, the status bar, routes, and when the outbox is sent. */
import './styles.css';
import { Api, ApiError, NetworkError } from './sync/api';
import { deleteMeta, deviceId, getMeta, openBeatbookDB, setMeta } from './sync/db';
import { SyncEngine } from './sync/engine';
import { clearOfficer, needsAttention, oldestUnsent, unsentCount, unsentEntries } from './sync/outbox';
import type { Kind, Session } from './sync/types';
import { KINDS } from './sync/types';
import { app, canLog, canReview, canSeeTally, hooks, KIND_LABELS, loadReference, officerId } from './state';
import { announce, h, replace } from './ui/dom';
import { entryForm, loadEntryForEdit, registerBackgroundSync } from './ui/form';
import { landingHash, shiftsView, shiftTallyView, tallyView } from './ui/supervisor';
import { homeView, loginView, STATE_TEXT, title, todayView } from './ui/views';
import { initPwa } from './pwa';
import { initTheme, themeToggle } from './theme';

const OLD_UNSENT_HOURS = 12;
const SEND_EVERY_MS = 20_000;
const PULL_EVERY_MS = 60_000;

const main = () => document.getElementById('main')!;
const statusBar = () => document.getElementById('status')!;
const nav = () => document.getElementById('nav')!;

// ---------------------------------------------------------------- status bar
async function renderStatus(): Promise<void> {
  const me = officerId();
  if (me == null || !canLog()) { replace(statusBar()); return; }
  const [unsent, anyUnsent, attention, oldest] = await Promise.all([
    unsentEntries(app.db, me), unsentCount(app.db, me), needsAttention(app.db, me), oldestUnsent(app.db, me)]);
  const send = h('button', { type: 'button', class: 'send-now', id: 'send-now' }, 'Send now');
  send.addEventListener('click', async () => {
    send.disabled = true;
    await sendNow(true);
    const r = app.engine?.lastResult;
    announce(r?.status === 'offline' ? 'No signal: entries stay on this phone and go later.'
      : r?.status === 'auth' ? 'Log in again to send.' : unsentText(await unsentEntries(app.db, me), 'Everything is sent.'));
  });
  const banners: HTMLElement[] = [];
  if (!navigator.onLine) banners.push(h('p', { class: 'banner offline' }, 'Offline: entries are kept on this phone.'));
  if (app.needsLogin) {
    const again = h('a', { href: '#/login', class: 'button primary' }, 'Log in');
    banners.push(h('div', { class: 'banner warn' }, h('p', null, 'Your session has ended. Log in again to send; nothing is lost.'), again));
  }
  if (app.engine?.lastResult?.status === 'wrong-officer') {
    banners.push(h('p', { class: 'banner warn' }, app.engine.lastResult.message ?? 'Another officer is logged in.'));
  }
  if (oldest && Date.now() - new Date(oldest).getTime() > OLD_UNSENT_HOURS * 3600_000) {
    banners.push(h('p', { class: 'banner warn', id: 'old-unsent' },
      `Some entries have waited since ${new Date(oldest).toLocaleString()} to send. Get signal and tap Send now: `
      + 'a phone may clear the app\u2019s storage if it is not opened for days.'));
  }
  if (attention.length) {
    banners.push(h('p', { class: 'banner warn' }, h('a', { href: '#/today' },
      `${attention.length} ${attention.length === 1 ? 'entry needs' : 'entries need'} your attention`)));
  }
  replace(statusBar(),
    h('div', { class: 'unsent' },
      h('span', { id: 'unsent-count', class: unsent ? 'count has-unsent' : 'count', 'data-count': String(unsent) },
        unsentText(unsent, anyUnsent ? 'Shift times unsent' : 'All sent')),
      send),
    banners);
}

function unsentText(n: number, none: string): string {
  return n === 0 ? none : `${n} unsent`;
}

function renderNav(): void {
  if (!app.session) { replace(nav()); return; }
  const links: [string, string][] = [];
  if (canLog()) links.push(['#/', 'Home'], ['#/today', 'Today']);
  if (canReview()) links.push(['#/review', 'Review']);
  if (canSeeTally()) links.push(['#/tally', 'Tally']);
  const logout = h('button', { type: 'button', class: 'link', id: 'logout' }, 'Log out');
  logout.addEventListener('click', () => void logOut());
  const current = location.hash.split('?')[0] || '#/';
  replace(nav(), h('ul', null, links.map(([href, text]) => h('li', null,
    h('a', { href, 'aria-current': (current === href || (href !== '#/' && current.startsWith(href))) ? 'page' : null }, text))),
    h('li', null, logout)));
}

// ---------------------------------------------------------------- routes
let routeToken = 0;
async function route(): Promise<void> {
  const token = ++routeToken;
  // The app opened with no screen named (the installed icon, a fresh login): each role starts on its own.
  if (!location.hash && app.session) history.replaceState(null, '', landingHash(app.session.officer.role));
  const [path, query] = (location.hash.slice(1) || '/').split('?');
  const params = new URLSearchParams(query ?? '');
  const parts = path.split('/').filter(Boolean);
  renderNav();
  let view: HTMLElement;
  if (!app.session || parts[0] === 'login') {
    view = loginView(onLogin, app.session?.officer.shoulder_number ?? '');
  } else if (parts[0] === 'log' && KINDS.includes(parts[1] as Kind) && canLog()) {
    const kind = parts[1] as Kind;
    view = h('section', { class: 'view' }, title(`Log a ${KIND_LABELS[kind].toLowerCase()}`), await entryForm(kind));
  } else if (parts[0] === 'entry' && parts[1]) {
    const entry = await loadEntryForEdit(parts[1]);
    if (!entry) view = h('section', { class: 'view' }, title('Not found'), h('p', null, 'No such entry on this phone.'));
    else {
      view = h('section', { class: 'view' }, title(`${KIND_LABELS[entry.kind]}: ${STATE_TEXT[entry.state].toLowerCase()}`),
        entry.state === 'returned' && entry.reviewComment
          ? h('div', { class: 'problem' }, h('p', null, h('strong', null, 'Sergeant: '), entry.reviewComment)) : null,
        await entryForm(entry.kind, entry));
    }
  } else if (parts[0] === 'today') {
    view = await todayView();
  } else if (parts[0] === 'review' && canReview()) {
    view = parts[1] ? await shiftTallyView(parts[1]) : await shiftsView(params.get('date') ?? undefined);
  } else if (parts[0] === 'tally' && canSeeTally()) {
    view = await tallyView(params);
  } else if (canLog()) {
    view = await homeView();
  } else {
    view = await tallyView(params);
  }
  if (token !== routeToken) return; // a newer navigation won
  const wasForm = !!main().querySelector('form.entry-form');
  if (!wasForm || !main().contains(document.activeElement)) app.formDirty = false;
  replace(main(), view);
  if (document.activeElement === document.body || !main().contains(document.activeElement)) {
    (document.getElementById('view-title') as HTMLElement | null)?.focus({ preventScroll: false });
  }
}

/** Redraw the screen after data changed, unless it is a form being filled in. */
function refresh(): void {
  void renderStatus();
  // Never under a form being filled in, nor on the server-backed review and tally screens.
  if (main().querySelector('form.entry-form, form.login, .review-item, form.tally-form')) return;
  if (main().contains(document.activeElement) && document.activeElement?.matches('input, textarea, select')) return;
  void route();
}

// ---------------------------------------------------------------- session
async function onLogin(session: Session): Promise<void> {
  app.session = session;
  app.needsLogin = false;
  await deleteMeta(app.db, 'pendingLogout');
  await setMeta(app.db, 'session', session);
  void requestPersistence();
  await loadReference(true);
  location.hash = landingHash(session.officer.role);
  void route();
  await sendNow(true);
  void pull();
}

async function logOut(): Promise<void> {
  const me = officerId();
  if (me == null) return;
  if (navigator.onLine) await sendNow(true);
  const unsent = await unsentCount(app.db, me) + (await needsAttention(app.db, me)).filter((e) => e.state !== 'returned').length;
  if (unsent > 0) {
    const ok = await confirmDialog(`${unsent} ${unsent === 1 ? 'entry has' : 'entries have'} not been sent.`,
      'If you log out now they stay on this phone, locked to you, and are sent when you next log in. Everything already sent is removed from this phone.',
      'Log out anyway', 'Stay logged in');
    if (!ok) return;
  }
  try {
    await app.api.logout();
  } catch (err) {
    // No signal: end the server session the next time there is one (the cookie must not log anyone back in).
    if (!(err instanceof ApiError && err.status === 401)) await setMeta(app.db, 'pendingLogout', true);
  }
  await clearOfficer(app.db, me, unsent > 0);
  await deleteMeta(app.db, 'session');
  app.session = null;
  app.api.csrf = null;
  location.hash = '#/login';
  await renderStatus();
  void route();
  announce('Logged out.');
}

function confirmDialog(heading: string, text: string, yes: string, no: string): Promise<boolean> {
  return new Promise((resolve) => {
    const yesB = h('button', { type: 'button', class: 'danger', value: 'yes' }, yes);
    const noB = h('button', { type: 'button', class: 'secondary', value: 'no' }, no);
    const dlg = h('dialog', { 'aria-labelledby': 'dlg-title', class: 'dialog' },
      h('h2', { id: 'dlg-title' }, heading), h('p', null, text), h('div', { class: 'actions' }, noB, yesB));
    const done = (v: boolean) => { dlg.close(); dlg.remove(); resolve(v); };
    yesB.addEventListener('click', () => done(true));
    noB.addEventListener('click', () => done(false));
    dlg.addEventListener('cancel', () => done(false));
    document.body.append(dlg);
    dlg.showModal();
    noB.focus();
  });
}

async function requestPersistence(): Promise<void> {
  try {
    if (navigator.storage?.persist) {
      app.persisted = (await navigator.storage.persisted?.()) || (await navigator.storage.persist());
      await setMeta(app.db, 'persisted', app.persisted);
    }
  } catch { app.persisted = false; }
}

// ---------------------------------------------------------------- sending
async function sendNow(force = false): Promise<void> {
  await renderStatus(); // the count includes what was just saved, before the network answers
  if (!app.engine || app.needsLogin) return;
  const r = await app.engine.send({ force });
  if (r.rejected || r.conflict) {
    const n = r.rejected + r.conflict;
    announce(`${n} ${n === 1 ? 'entry was' : 'entries were'} not accepted: see Today's entries.`);
  } else if (r.acknowledged && r.status === 'sent') {
    announce(`Sent ${r.acknowledged} ${r.acknowledged === 1 ? 'item' : 'items'}.`);
  }
  await renderStatus();
}

async function pull(): Promise<void> {
  if (!app.engine || app.needsLogin || !navigator.onLine) return;
  try { await app.engine.pullChanges(); } catch (err) { console.warn('changes', err); }
}

function startScheduler(): void {
  window.addEventListener('online', () => { void renderStatus(); void sendNow(true).then(pull); });
  window.addEventListener('offline', () => void renderStatus());
  window.setInterval(() => { if (navigator.onLine && app.engine?.due()) void sendNow(); }, SEND_EVERY_MS);
  window.setInterval(() => void pull(), PULL_EVERY_MS);
  document.addEventListener('visibilitychange', () => {
    if (document.visibilityState === 'visible') { void sendNow(true).then(pull); }
  });
  navigator.serviceWorker?.addEventListener('message', (ev) => {
    if (ev.data?.type === 'outbox-synced') refresh();
  });
}

// ---------------------------------------------------------------- boot
async function boot(): Promise<void> {
  initTheme();
  document.getElementById('theme-slot')?.replaceWith(themeToggle());
  app.db = await openBeatbookDB();
  app.api = new Api();
  app.needsLogin = false;
  app.formDirty = false;
  app.session = (await getMeta<Session>(app.db, 'session')) ?? null;
  app.persisted = (await getMeta<boolean>(app.db, 'persisted')) ?? null;
  app.engine = new SyncEngine({
    db: app.db, api: app.api, deviceId: await deviceId(app.db), officerId,
    onAuthRequired: () => { app.needsLogin = true; void renderStatus(); },
    onChange: () => refresh(),
  });
  hooks.status = () => void renderStatus();
  hooks.refresh = refresh;
  hooks.sendNow = () => sendNow(true);
  window.addEventListener('hashchange', () => void route());
  initPwa(() => app.formDirty);
  startScheduler();
  await route();
  await renderStatus();

  // Logged out with no signal last time: end that server session now, and adopt nothing.
  if (await getMeta<boolean>(app.db, 'pendingLogout')) {
    try {
      await app.api.me();
      await app.api.logout();
      await deleteMeta(app.db, 'pendingLogout');
    } catch (err) {
      if (err instanceof ApiError && err.status === 401) await deleteMeta(app.db, 'pendingLogout');
    }
    return;
  }

  // Confirm the session with the server when there is signal; offline, the stored one is used.
  try {
    const me = await app.api.me();
    const session: Session = { officer: me.officer, operations: me.operations };
    if (!app.session || app.session.officer.id === me.officer.id) {
      app.session = session;
      await setMeta(app.db, 'session', session);
      void loadReference(true);
      void requestPersistence();
      await route();
      await sendNow(true);
      await pull();
    } else {
      // The cookie is someone else's: never send this officer's queue under it.
      app.needsLogin = true;
      await renderStatus();
    }
  } catch (err) {
    if (err instanceof ApiError && err.status === 401) {
      if (app.session) app.needsLogin = true;
      await renderStatus();
    } else if (!(err instanceof NetworkError)) {
      console.warn(err);
    }
  }
  if (app.session && (await unsentCount(app.db, app.session.officer.id))) registerBackgroundSync();
}

void boot();
