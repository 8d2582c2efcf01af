/** Boot, the status line, routes, locking, and when the outbox is sent. */
import './styles.css';
import { Api, ApiError, NetworkError } from './sync/api';
import { deleteMeta, deviceId, getMeta, openBeatbookDB, setMeta } from './sync/db';
import { clearDrafts, listDrafts, restoreRescuedDraft } from './sync/drafts';
import { SyncEngine } from './sync/engine';
import { clearOfficer, needsAttention, unsentCount, unsentEntries } from './sync/outbox';
import { checkPin, hasPin, setPin, validPin } from './sync/pin';
import type { Kind, Session } from './sync/types';
import { KINDS } from './sync/types';
import { app, canLog, canReview, canSeeTally, hooks, loadReference, officerId } from './state';
import { announce, ask, askWith, h, replace } from './ui/dom';
import { entryForm, HEADINGS, loadEntryForEdit, registerBackgroundSync } from './ui/form';
import { landingHash, shiftsView, shiftTallyView, tallyView } from './ui/supervisor';
import { entryDetail, homeView, loginView, moreView, title, todayView } from './ui/views';
import { initPwa } from './pwa';
import { initTheme, themeToggle } from './theme';

const SEND_EVERY_MS = 20_000;
/** The changes check: cheap (304) while the app is in front, rare when it is not. */
const PULL_VISIBLE_MS = 5_000;
const PULL_HIDDEN_MS = 60_000;

const main = () => document.getElementById('main')!;
const statusBar = () => document.getElementById('status')!;
const nav = () => document.getElementById('nav')!;

// ---------------------------------------------------------------- status line
/** One line (under 48 px): signal, what is unsent, what needs the officer, Send now. */
async function renderStatus(): Promise<void> {
  const me = officerId();
  if (me == null || !canLog()) { replace(statusBar()); return; }
  const [unsent, anyUnsent, attention] = await Promise.all([
    unsentEntries(app.db, me), unsentCount(app.db, me), needsAttention(app.db, me)]);
  const parts: (HTMLElement | string)[] = [];
  const online = navigator.onLine;
  parts.push(h('span', { id: 'net-state', class: online ? 'net on' : 'net off' }, online ? 'Online' : 'Offline'));
  parts.push(h('span', { id: 'unsent-count', class: unsent ? 'count has-unsent' : 'count', 'data-count': String(unsent) },
    unsent ? `${unsent} unsent` : anyUnsent ? 'Shift times unsent' : 'All sent'));
  if (attention.length) {
    parts.push(h('a', { href: '#/today', id: 'attention', class: 'attention' }, `${attention.length} need${attention.length === 1 ? 's' : ''} you`));
  }
  const wrong = app.engine?.lastResult?.status === 'wrong-officer';
  let action: HTMLElement;
  if (app.needsLogin) {
    parts.push(h('span', { class: 'warn-text', id: 'session-ended' }, 'Session ended'));
    action = h('a', { href: '#/login', class: 'button send-now' }, 'Log in');
  } else {
    const send = h('button', { type: 'button', class: 'send-now', id: 'send-now' }, 'Send now');
    send.addEventListener('click', async () => {
      send.disabled = true;
      await sendNow(true);
      announce(await sendOutcome(me));
    });
    action = send;
  }
  if (wrong) parts.push(h('span', { class: 'warn-text' }, 'Other officer'));
  replace(statusBar(), h('div', { class: 'statusline' }, h('p', { class: 'status-text' }, parts), action));
}

/** What Send now achieved, in the officer's words (never "all sent" when something needs them). */
async function sendOutcome(me: number): Promise<string> {
  const r = app.engine?.lastResult;
  if (r?.status === 'offline') return 'No signal: entries stay on this phone and go later.';
  if (r?.status === 'auth') return 'Your session has ended: log in again to send. Nothing is lost.';
  if (r?.status === 'wrong-officer') return r.message ?? 'Another officer is logged in.';
  const [left, attention] = await Promise.all([unsentEntries(app.db, me), needsAttention(app.db, me)]);
  if (attention.length) return `${attention.length} ${attention.length === 1 ? 'entry needs' : 'entries need'} you: see Today.`;
  if (left) return `${left} still unsent: they go when the signal allows.`;
  if (r?.status === 'error') return 'The server had a problem; entries stay on this phone and go later.';
  return 'Everything is sent.';
}

function renderNav(): void {
  if (!app.session) { replace(nav()); return; }
  const links: [string, string][] = [];
  if (canLog()) links.push(['#/', 'Home'], ['#/today', 'Today']);
  if (canReview()) links.push(['#/review', 'Review']);
  if (canSeeTally()) links.push(['#/tally', 'Tally']);
  links.push(['#/more', 'More']);
  const current = location.hash.split('?')[0] || '#/';
  replace(nav(), h('ul', null, links.map(([href, text]) => h('li', null,
    h('a', { href, id: `nav-${text.toLowerCase()}`, 'aria-current': (current === href || (href !== '#/' && current.startsWith(href))) ? 'page' : null }, text)))));
}

// ---------------------------------------------------------------- routes
let routeToken = 0;
/** The hash the screen now shows, and whether it is an entry form. */
let shownHash: string | null = null;
let asking = false;

async function route(force = false): Promise<void> {
  // The app opened with no screen named (the installed icon, a fresh login): each role starts on its own.
  if (!location.hash && app.session) history.replaceState(null, '', landingHash(app.session.officer.role));
  const hash = location.hash || '#/';
  const openForm = main().querySelector('form.entry-form');
  if (openForm && !force) {
    // Back to the form that is open (e.g. the officer chose to stay): nothing to rebuild.
    if (hash === shownHash) { renderNav(); return; }
    if (app.formDirty) {
      if (asking) return;
      asking = true;
      const choice = await ask('Leave this entry?',
        'It is not saved yet. What you typed stays on this phone as a draft: Home offers it back ("Resume draft").',
        [{ value: 'leave', label: 'Leave, keep the draft', cls: 'secondary' }], 'Stay on the form');
      asking = false;
      if (choice !== 'leave') {
        if (shownHash) location.hash = shownHash;
        return;
      }
    }
  }
  const token = ++routeToken;
  const [path, query] = (hash.slice(1) || '/').split('?');
  const params = new URLSearchParams(query ?? '');
  const parts = path.split('/').filter(Boolean);
  renderNav();
  let view: HTMLElement;
  if (!app.session || parts[0] === 'login') {
    view = loginView(onLogin, app.session?.officer.shoulder_number ?? '');
  } else if (parts[0] === 'log' && KINDS.includes(parts[1] as Kind) && canLog()) {
    const kind = parts[1] as Kind;
    view = h('section', { class: 'view' }, title(HEADINGS[kind]), await entryForm(kind));
  } else if (parts[0] === 'entry' && parts[1]) {
    const entry = await loadEntryForEdit(parts[1]);
    view = entry ? await entryDetail(entry)
      : h('section', { class: 'view' }, title('Not found'), h('p', null, 'No such entry on this phone.'));
  } else if (parts[0] === 'today') {
    view = await todayView();
  } else if (parts[0] === 'more') {
    view = await moreView({ lock: lockApp, logOut, changePin });
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
  // Last check: never replace a form the officer has started typing into since.
  const nowForm = main().querySelector('form.entry-form');
  if (nowForm && nowForm !== openForm && app.formDirty && !force) return;
  const isForm = !!view.querySelector('form.entry-form');
  if (!isForm) app.formDirty = false;
  else if (!view.querySelector('.draft-note:not([hidden])')) app.formDirty = false;
  replace(main(), view);
  shownHash = hash;
  if (document.activeElement === document.body || !main().contains(document.activeElement)) {
    (document.getElementById('view-title') as HTMLElement | null)?.focus({ preventScroll: false });
  }
}

/** Redraw the screen after data changed, unless it is a form being filled in. */
function refresh(): void {
  void renderStatus();
  // Never under a form, nor on the server-backed review and tally screens.
  if (main().querySelector('form.entry-form, form.login, .review-item, form.tally-form, dialog[open]')) return;
  if (document.querySelector('dialog[open]')) return;
  if (main().contains(document.activeElement) && document.activeElement?.matches('input, textarea, select')) return;
  void route();
}

// ---------------------------------------------------------------- session
async function onLogin(session: Session, pin?: string): Promise<void> {
  app.session = session;
  app.needsLogin = false;
  await deleteMeta(app.db, 'pendingLogout');
  await setMeta(app.db, 'session', session);
  if (pin) await setPin(app.db, session.officer.id, pin);
  void requestPersistence();
  await loadReference(true);
  location.hash = landingHash(session.officer.role);
  void route(true);
  await sendNow(true);
  void pull();
}

async function logOut(): Promise<void> {
  const me = officerId();
  if (me == null) return;
  if (navigator.onLine) await sendNow(true);
  // Entries and shift times are counted apart: the officer counts entries, and a shift is not one.
  const entries = await unsentEntries(app.db, me);
  const unsent = entries + (await needsAttention(app.db, me)).filter((e) => e.state !== 'returned').length;
  const shiftTimes = (await unsentCount(app.db, me)) - entries;
  const drafts = (await listDrafts(app.db, me)).length;
  const offline = !navigator.onLine;
  const lines: string[] = [];
  if (unsent) lines.push(`${unsent} unsent ${unsent === 1 ? 'entry stays' : 'entries stay'} on this phone, locked to you, and ${unsent === 1 ? 'goes' : 'go'} when you next log in.`);
  if (shiftTimes > 0) lines.push('Shift times not yet sent stay too, and go with them.');
  if (drafts) lines.push(`${drafts} unfinished ${drafts === 1 ? 'draft is' : 'drafts are'} deleted.`);
  lines.push('Everything already sent is removed from this phone.');
  if (offline) lines.push('There is no signal: you cannot log in again until there is. Lock keeps you logged in.');
  const body = h('div', null, lines.map((l) => h('p', null, l)));
  const choices = [{ value: 'out', label: 'Log out', cls: 'danger' }];
  if (offline) choices.unshift({ value: 'lock', label: 'Lock instead', cls: 'primary' });
  const choice = await ask(offline ? 'Log out with no signal?' : 'Log out of Beatbook?', body, choices, 'Stay logged in');
  if (choice === 'lock') { await lockApp(); return; }
  if (choice !== 'out') return;
  try {
    await app.api.logout();
  } catch (err) {
    // No signal: end the server session the next time there is one (the cookie must not log anyone back in).
    if (!(err instanceof ApiError && err.status === 401)) await setMeta(app.db, 'pendingLogout', true);
  }
  await clearOfficer(app.db, me, unsent > 0);
  await clearDrafts(app.db, me);
  await deleteMeta(app.db, 'session');
  app.formDirty = false;
  app.session = null;
  app.api.csrf = null;
  location.hash = '#/login';
  await renderStatus();
  void route(true);
  announce('Logged out.');
}

// ---------------------------------------------------------------- lock
const PIN_INPUT = { label: 'PIN (4 to 8 digits)', type: 'password', inputmode: 'numeric', autocomplete: 'off',
  valid: (v: string) => (validPin(v) ? null : 'A PIN is 4 to 8 digits.') };

async function changePin(): Promise<boolean> {
  const me = officerId();
  if (me == null) return false;
  const r = await askWith('Choose a PIN', 'The PIN unlocks Beatbook on this phone, with or without signal. It is kept only here.',
    [{ value: 'set', label: 'Save PIN' }], 'Cancel', PIN_INPUT);
  if (!r) return false;
  await setPin(app.db, me, r.text);
  announce('PIN saved.');
  return true;
}

async function lockApp(): Promise<void> {
  const me = officerId();
  if (me == null) return;
  if (!(await hasPin(app.db, me)) && !(await changePin())) return;
  await setMeta(app.db, `locked:${me}`, true);
  showLock();
}

/** The lock screen covers the app without touching it: an open form is there after unlocking. */
function showLock(): void {
  const me = officerId();
  if (me == null || document.getElementById('lock-screen')) return;
  app.locked = true;
  const others = ['.top', '#nav', '#status', '#update', '#main'].map((s) => document.querySelector(s)).filter(Boolean) as HTMLElement[];
  others.forEach((el) => { el.inert = true; el.setAttribute('aria-hidden', 'true'); });
  const pin = h('input', { id: 'unlock-pin', name: 'pin', type: 'password', inputmode: 'numeric', autocomplete: 'off',
    required: true, 'aria-describedby': 'unlock-error' });
  const error = h('p', { class: 'field-error', id: 'unlock-error', role: 'alert' });
  const button = h('button', { type: 'submit', class: 'primary big' }, 'Unlock');
  const form = h('form', { class: 'unlock', novalidate: true },
    h('div', { class: 'field' }, h('label', { htmlFor: 'unlock-pin' }, 'Your PIN'), pin), error, button);
  const who = app.session?.officer;
  const screen = h('div', { id: 'lock-screen', class: 'lock-screen', role: 'dialog', 'aria-modal': 'true', 'aria-labelledby': 'lock-title' },
    h('h1', { id: 'lock-title' }, 'Beatbook is locked'),
    h('p', null, `${who?.display_name ?? ''} (${who?.shoulder_number ?? ''}). Your entries and any open form are kept.`), form);
  const unlock = async () => {
    await deleteMeta(app.db, `locked:${me}`);
    screen.remove();
    others.forEach((el) => { el.inert = false; el.removeAttribute('aria-hidden'); });
    app.locked = false;
    announce('Unlocked.');
    void renderStatus();
  };
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    button.disabled = true;
    const r = await checkPin(app.db, me, pin.value);
    button.disabled = false;
    pin.value = '';
    if (r.ok) { await unlock(); return; }
    error.textContent = r.reason === 'wait' || r.waitMs
      ? `Wrong PIN too many times: try again in ${Math.ceil(r.waitMs / 1000)} seconds.`
      : r.reason === 'none' ? 'No PIN is set for you on this phone.'
      : `Wrong PIN. ${r.left} ${r.left === 1 ? 'try' : 'tries'} before a wait.`;
    pin.focus();
  });
  // A forgotten PIN: the password opens it again (with signal), for the same officer only.
  const forgot = h('button', { type: 'button', class: 'link', id: 'forgot-pin' }, 'Forgot your PIN? Use your password');
  forgot.addEventListener('click', async () => {
    if (!navigator.onLine) { error.textContent = 'Using your password needs signal. Your PIN works without it.'; return; }
    const r = await askWith('Unlock with your password', `Password for ${who?.shoulder_number ?? ''}.`,
      [{ value: 'go', label: 'Unlock' }], 'Cancel',
      { label: 'Password', type: 'password', autocomplete: 'current-password', valid: (v) => (v ? null : 'Give your password.') });
    if (!r || !who) return;
    try {
      const res = await app.api.login(who.shoulder_number, r.text);
      if (res.officer.id !== me) throw new Error('Another officer.');
      app.needsLogin = false;
      await unlock();
      await changePin();
    } catch (err) {
      error.textContent = err instanceof NetworkError ? 'No signal: use your PIN, or try again with signal.'
        : err instanceof ApiError ? err.message : 'That did not work; try again.';
    }
  });
  screen.append(h('p', null, forgot));
  document.body.append(screen);
  pin.focus();
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
    announce(`${n} ${n === 1 ? 'entry was' : 'entries were'} not accepted: see Today.`);
  } else if (r.acknowledged && r.status === 'sent') {
    announce(`Sent ${r.acknowledged} ${r.acknowledged === 1 ? 'item' : 'items'}.`);
  }
  await renderStatus();
}

let lastPull = 0;
let pulling = false;
async function pull(): Promise<void> {
  if (!app.engine || app.needsLogin || !navigator.onLine || pulling) return;
  pulling = true;
  lastPull = Date.now();
  try { await app.engine.pullChanges(); } catch (err) { console.warn('changes', err); } finally { pulling = false; }
}

function startScheduler(): void {
  window.addEventListener('online', () => { void renderStatus(); void sendNow(true).then(pull); });
  window.addEventListener('offline', () => void renderStatus());
  window.setInterval(() => { if (navigator.onLine && app.engine?.due()) void sendNow(); }, SEND_EVERY_MS);
  // Returned entries reach an open phone within seconds (Page Visibility: rarely in the background).
  window.setInterval(() => {
    const every = document.visibilityState === 'visible' ? PULL_VISIBLE_MS : PULL_HIDDEN_MS;
    if (Date.now() - lastPull >= every - 250) void pull();
  }, PULL_VISIBLE_MS);
  document.addEventListener('visibilitychange', () => {
    if (document.visibilityState === 'visible') { void sendNow(true).then(pull); }
  });
  navigator.serviceWorker?.addEventListener('message', (ev) => {
    if (ev.data?.type === 'outbox-synced') refresh();
  });
  // Reloading or closing with unsaved input: the browser asks (the draft is kept either way).
  window.addEventListener('beforeunload', (ev) => {
    if (app.formDirty && main().querySelector('form.entry-form')) { ev.preventDefault(); ev.returnValue = ''; }
  });
}

// ---------------------------------------------------------------- boot
async function boot(): Promise<void> {
  // Back from signing in through the force's identity provider (server/auth/routes.py).
  const cameBackSignedIn = location.hash === '#/signed-in';
  if (cameBackSignedIn) history.replaceState(null, '', location.pathname + location.search);
  initTheme();
  document.getElementById('theme-slot')?.replaceWith(themeToggle());
  app.db = await openBeatbookDB();
  await restoreRescuedDraft(app.db);
  app.api = new Api();
  app.needsLogin = false;
  app.formDirty = false;
  app.locked = false;
  app.session = (await getMeta<Session>(app.db, 'session')) ?? null;
  app.persisted = (await getMeta<boolean>(app.db, 'persisted')) ?? null;
  app.engine = new SyncEngine({
    db: app.db, api: app.api, deviceId: await deviceId(app.db), officerId,
    onAuthRequired: () => { app.needsLogin = true; void renderStatus(); },
    onChange: () => refresh(),
  });
  hooks.status = () => void renderStatus();
  hooks.refresh = refresh;
  hooks.rerender = () => void route(true);
  hooks.sendNow = () => sendNow(true);
  window.addEventListener('hashchange', () => void route());
  initPwa(() => app.formDirty);
  startScheduler();
  if (app.session && (await getMeta<boolean>(app.db, `locked:${app.session.officer.id}`))) showLock();
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
  // The answer may take seconds on a weak signal: by then the officer may be typing, so the
  // screen already drawn is only redrawn when what it shows depends on who is logged in.
  try {
    const had = app.session;
    const me = await app.api.me();
    const session: Session = { officer: me.officer, operations: me.operations };
    if (!had || had.officer.id === me.officer.id) {
      app.session = session;
      await setMeta(app.db, 'session', session);
      void loadReference(true);
      void requestPersistence();
      const onLoginScreen = !had && main().querySelector('form.login');
      const typing = onLoginScreen && [...main().querySelectorAll('input')].some((i) => (i as HTMLInputElement).value);
      if (!had && !typing) await route(true);
      else { renderNav(); if (!main().querySelector('form')) refresh(); }
      await sendNow(true);
      await pull();
    } else if (cameBackSignedIn) {
      // Another officer signed in on this phone just now: theirs from here on; the queue of
      // the one before stays locked to them (the outbox is keyed by officer).
      await onLogin(session);
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
