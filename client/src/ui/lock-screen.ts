/** The lock screen covers the app without touching it: an open form is there after unlocking. */
import { ApiError, NetworkError } from '../api';
import { app } from '../state';
import { deleteMeta } from '../sync/db';
import { checkPin } from '../sync/pin';
import { askWith } from './dialog';
import { h } from './dom';

export interface LockScreenOptions {
  officerId: number;
  /** The PIN or the password was right: take the cover away. */
  unlocked: () => Promise<void>;
  /** After unlocking with the password: choose a new PIN. */
  changePin: () => Promise<boolean>;
}

const COVERED = ['.top', '#nav', '#status', '#update', '#main'];

export function showLockScreen(o: LockScreenOptions): void {
  const me = o.officerId;
  const others = COVERED.map((s) => document.querySelector(s)).filter(Boolean) as HTMLElement[];
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
    await o.unlocked();
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
      await o.changePin();
    } catch (err) {
      error.textContent = err instanceof NetworkError ? 'No signal: use your PIN, or try again with signal.'
        : err instanceof ApiError ? err.message : 'That did not work; try again.';
    }
  });
  screen.append(h('p', null, forgot));
  document.body.append(screen);
  pin.focus();
}
