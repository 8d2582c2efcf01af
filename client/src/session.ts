/**
 * Who is signed in on this phone: logging in, confirming the stored session with the server,
 * logging out (what stays and what goes), and the hand-off to the PIN lock.
 */
import { ApiError, NetworkError } from './api';
import type { Router } from './router';
import type { Scheduler } from './scheduler';
import { app, loadReference, officerId } from './state';
import { deleteMeta, getMeta, setMeta } from './sync/db';
import { clearDrafts, listDrafts } from './sync/drafts';
import { clearOfficer, needsAttention, unsentCount, unsentEntries } from './sync/outbox';
import { hasPin, setPin, validPin } from './sync/pin';
import type { Session as SignedIn } from './sync/types';
import { askWith, ask } from './ui/dialog';
import { announce, h } from './ui/dom';
import { registerBackgroundSync } from './ui/form';
import { showLockScreen } from './ui/lock-screen';
import { landingHash } from './ui/supervisor';

const PIN_INPUT = { label: 'PIN (4 to 8 digits)', type: 'password', inputmode: 'numeric', autocomplete: 'off',
  valid: (v: string) => (validPin(v) ? null : 'A PIN is 4 to 8 digits.') };

export interface SessionOptions {
  router: () => Router;
  scheduler: () => Scheduler;
  status: () => Promise<void>;
}

export class Session {
  /** Just back from signing in through the force's identity provider: the cookie's officer is the one signed in. */
  private cameBackSignedIn = false;

  constructor(private o: SessionOptions) {}

  /** At start, before the first screen: the identity provider sends the officer back to #/signed-in
   * (server/auth/routes.py); that is no screen, so the address loses it and the role's home is shown. */
  takeProviderReturn(): void {
    if (location.hash !== '#/signed-in') return;
    this.cameBackSignedIn = true;
    history.replaceState(null, '', location.pathname + location.search);
  }

  async onLogin(session: SignedIn, pin?: string): Promise<void> {
    app.session = session;
    app.needsLogin = false;
    await deleteMeta(app.db, 'pendingLogout');
    await setMeta(app.db, 'session', session);
    if (pin) await setPin(app.db, session.officer.id, pin);
    void this.requestPersistence();
    await loadReference(true);
    location.hash = landingHash(session.officer.role);
    void this.o.router().route(true);
    await this.o.scheduler().sendNow(true);
    void this.o.scheduler().pull();
  }

  async logOut(): Promise<void> {
    const me = officerId();
    if (me == null) return;
    if (navigator.onLine) await this.o.scheduler().sendNow(true);
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
    if (choice === 'lock') { await this.lock(); return; }
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
    app.session = null;
    app.api.csrf = null;
    location.hash = '#/login';
    await this.o.status();
    void this.o.router().route(true);
    announce('Logged out.');
  }

  async changePin(): Promise<boolean> {
    const me = officerId();
    if (me == null) return false;
    const r = await askWith('Choose a PIN', 'The PIN unlocks Beatbook on this phone, with or without signal. It is kept only here.',
      [{ value: 'set', label: 'Save PIN' }], 'Cancel', PIN_INPUT);
    if (!r) return false;
    await setPin(app.db, me, r.text);
    announce('PIN saved.');
    return true;
  }

  async lock(): Promise<void> {
    const me = officerId();
    if (me == null) return;
    if (!(await hasPin(app.db, me)) && !(await this.changePin())) return;
    await setMeta(app.db, `locked:${me}`, true);
    this.showLock();
  }

  /** Locked when the app last closed: the lock screen first. */
  async lockIfLocked(): Promise<void> {
    if (app.session && (await getMeta<boolean>(app.db, `locked:${app.session.officer.id}`))) this.showLock();
  }

  private showLock(): void {
    const me = officerId();
    if (me == null || document.getElementById('lock-screen')) return;
    app.locked = true;
    showLockScreen({
      officerId: me,
      changePin: () => this.changePin(),
      unlocked: async () => {
        app.locked = false;
        announce('Unlocked.');
        void this.o.status();
      },
    });
  }

  async requestPersistence(): Promise<void> {
    try {
      if (navigator.storage?.persist) {
        app.persisted = (await navigator.storage.persisted?.()) || (await navigator.storage.persist());
        await setMeta(app.db, 'persisted', app.persisted);
      }
    } catch { app.persisted = false; }
  }

  /**
   * At start: end a server session left from logging out with no signal, else confirm the stored
   * session with the server when there is signal (offline, the stored one is used). The answer may
   * take seconds on a weak signal: by then the officer may be typing, so the screen already drawn is
   * only redrawn when what it shows depends on who is logged in.
   */
  async confirm(): Promise<void> {
    const router = this.o.router();
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
    try {
      const had = app.session;
      const me = await app.api.me();
      const session: SignedIn = { officer: me.officer, operations: me.operations };
      if (!had || had.officer.id === me.officer.id) {
        app.session = session;
        await setMeta(app.db, 'session', session);
        void loadReference(true);
        void this.requestPersistence();
        if (!had && !router.typing()) await router.route(true);
        else { router.renderNav(); router.refresh(); }
        await this.o.scheduler().sendNow(true);
        await this.o.scheduler().pull();
      } else if (this.cameBackSignedIn) {
        // Another officer signed in on this phone just now: theirs from here on; the queue of
        // the one before stays locked to them (the outbox is keyed by officer).
        await this.onLogin(session);
      } else {
        // The cookie is someone else's: never send this officer's queue under it.
        app.needsLogin = true;
        await this.o.status();
      }
    } catch (err) {
      if (err instanceof ApiError && err.status === 401) {
        if (app.session) app.needsLogin = true;
        await this.o.status();
      } else if (!(err instanceof NetworkError)) {
        console.warn(err);
      }
    }
    if (app.session && (await unsentCount(app.db, app.session.officer.id))) registerBackgroundSync();
  }
}
