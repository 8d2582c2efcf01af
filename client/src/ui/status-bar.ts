/** The status line (under 48 px): signal, what is unsent, what needs the officer, Send now or Log in. */
import { app, canLog, officerId } from '../state';
import { needsAttention, unsentCount, unsentEntries } from '../sync/outbox';
import { announce, h, replace } from './dom';

export interface StatusBar {
  render(): Promise<void>;
}

export function statusBar(el: HTMLElement, sendNow: () => Promise<void>): StatusBar {
  async function render(): Promise<void> {
    const me = officerId();
    if (me == null || !canLog()) { replace(el); return; }
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
        await sendNow();
        announce(await sendOutcome(me));
      });
      action = send;
    }
    if (wrong) parts.push(h('span', { class: 'warn-text' }, 'Other officer'));
    replace(el, h('div', { class: 'statusline' }, h('p', { class: 'status-text' }, parts), action));
  }
  return { render };
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
