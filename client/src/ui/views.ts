/** Officer screens: login, home (shift + four big buttons), today's list, one entry. */
import { ApiError, NetworkError } from '../sync/api';
import { getMeta, setMeta } from '../sync/db';
import { acceptServerCopy, listEntries, listShifts, resendMine, saveShift } from '../sync/outbox';
import type { Entry, EntryState, Kind, Session } from '../sync/types';
import { KINDS } from '../sync/types';
import { app, canLog, chooseOperation, currentOperation, hooks, KIND_LABELS, labelFor, loadReference, officerId } from '../state';
import { announce, h, nextId, timeOf } from './dom';

export function title(text: string): HTMLElement {
  return h('h1', { id: 'view-title', tabindex: '-1' }, text);
}

// ---------------------------------------------------------------- login
export function loginView(onLogin: (s: Session) => Promise<void>, shoulder = ''): HTMLElement {
  const numberId = nextId(), passId = nextId(), errId = nextId();
  const number = h('input', { id: numberId, name: 'shoulder_number', autocomplete: 'username', required: true,
    autocapitalize: 'characters', spellcheck: 'false', value: shoulder, 'aria-describedby': errId });
  const password = h('input', { id: passId, name: 'password', type: 'password', autocomplete: 'current-password', required: true,
    'aria-describedby': errId });
  const error = h('p', { class: 'field-error', id: errId, role: 'alert' });
  const button = h('button', { type: 'submit', class: 'primary big' }, 'Log in');
  const form = h('form', { class: 'login', novalidate: true, 'aria-labelledby': 'view-title' },
    h('div', { class: 'field' }, h('label', { htmlFor: numberId }, 'Shoulder number'), number),
    h('div', { class: 'field' }, h('label', { htmlFor: passId }, 'Password'), password),
    error, button);
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    error.textContent = '';
    if (!number.value.trim() || !password.value) { error.textContent = 'Give your shoulder number and password.'; return; }
    button.disabled = true;
    try {
      const r = await app.api.login(number.value.trim(), password.value);
      password.value = '';
      await onLogin({ officer: r.officer, operations: r.operations });
    } catch (err) {
      error.textContent = err instanceof NetworkError ? 'No signal: logging in needs a connection.'
        : err instanceof ApiError ? err.message : 'Something went wrong; try again.';
      button.disabled = false;
    }
  });
  return h('section', { class: 'view' }, title('Log in to Beatbook'),
    h('p', null, 'Log in once with signal; after that the app works offline.'), form);
}

// ---------------------------------------------------------------- home
export async function homeView(): Promise<HTMLElement> {
  const me = officerId()!;
  const ops = app.session?.operations ?? [];
  const op = await currentOperation();
  const view = h('section', { class: 'view' }, title(`Hello, ${app.session?.officer.display_name ?? ''}`));
  if (!canLog()) {
    view.append(h('p', null, 'Your role does not log entries. Use the Tally screen.'));
    return view;
  }
  if (!op) {
    view.append(h('p', { class: 'notice' }, 'No operation is running for you today, so there is nothing to log against.'));
    return view;
  }
  if (ops.length > 1) {
    const id = nextId();
    const select = h('select', { id }, ops.map((o) => h('option', { value: String(o.id), selected: o.id === op.id || null }, o.name)));
    select.addEventListener('change', async () => { await chooseOperation(Number(select.value)); hooks.refresh(); });
    view.append(h('div', { class: 'field' }, h('label', { htmlFor: id }, 'Operation'), select));
  } else {
    view.append(h('p', { class: 'op-name' }, op.name));
  }

  // Shift
  const activeId = await getMeta<string>(app.db, `activeShift:${me}`);
  const shifts = await listShifts(app.db, me);
  const active = shifts.find((s) => s.id === activeId && !s.ended_at);
  const shiftBox = h('div', { class: 'shift card' });
  if (active) {
    const end = h('button', { type: 'button', class: 'secondary' }, 'End shift');
    end.addEventListener('click', async () => {
      await saveShift(app.db, me, { ...active, ended_at: new Date().toISOString() });
      await setMeta(app.db, `activeShift:${me}`, null);
      announce('Shift ended.');
      hooks.refresh();
      void hooks.sendNow();
    });
    shiftBox.append(h('p', null, h('strong', null, 'On shift'), ` since ${timeOf(active.started_at)}`), end);
  } else {
    const start = h('button', { type: 'button', class: 'primary' }, 'Start shift');
    start.addEventListener('click', async () => {
      const s = await saveShift(app.db, me, { operation_id: op.id, started_at: new Date().toISOString() });
      await setMeta(app.db, `activeShift:${me}`, s.id);
      announce('Shift started.');
      hooks.refresh();
      void hooks.sendNow();
    });
    shiftBox.append(h('p', null, 'Not on shift.'), start);
  }
  view.append(shiftBox);

  view.append(h('h2', null, 'Log'), h('div', { class: 'big-buttons' },
    KINDS.map((k) => h('a', { class: ['big-button', `kind-${k}`], href: `#/log/${k}` }, KIND_LABELS[k]))));

  const entries = await listEntries(app.db, me);
  const since = Date.now() - 24 * 3600_000;
  const todays = entries.filter((e) => new Date(String(e.payload.occurred_at)).getTime() >= since);
  view.append(h('p', null, h('a', { href: '#/today', class: 'text-link' }, `Today's entries (${todays.length})`)));
  return view;
}

// ---------------------------------------------------------------- today's list
export const STATE_TEXT: Record<EntryState, string> = {
  waiting: 'Waiting to send',
  sent: 'Sent',
  verified: 'Verified',
  returned: 'Returned by sergeant',
  voided: 'Voided',
  rejected: 'Rejected',
  conflict: 'Conflict',
};

function summaryLine(e: Entry): string {
  const p = e.payload;
  switch (e.kind) {
    case 'stop_search': return `${labelFor('objects_of_search', p.object_of_search)} – ${labelFor('outcomes', p.outcome)}`;
    case 'arrest': return labelFor('offence_categories', p.offence_category);
    case 'safeguarding_referral': return `${labelFor('safeguarding_subjects', p.subject)}, ${labelFor('risk_levels', p.risk_level)} risk`;
    case 'intelligence_log': return `${p.source_evaluation}${p.intelligence_assessment}${p.handling_code} – ${((p.topics as string[]) ?? []).map((t) => labelFor('intelligence_topics', t)).join(', ')}`;
  }
}

function entryItem(e: Entry): HTMLElement {
  const li = h('li', { class: ['entry', `state-${e.state}`], 'data-id': e.id, 'data-state': e.state },
    h('div', { class: 'entry-head' },
      h('span', { class: 'entry-kind' }, KIND_LABELS[e.kind]),
      h('span', { class: ['badge', `badge-${e.state}`] }, STATE_TEXT[e.state])),
    h('p', { class: 'entry-line' }, `${timeOf(e.payload.occurred_at)} · ${e.payload.area} · ${summaryLine(e)}`),
    e.payload.notes ? h('p', { class: 'entry-notes' }, String(e.payload.notes).slice(0, 120)) : null);
  if (e.state === 'rejected' && e.errors) {
    li.append(h('div', { class: 'problem' }, h('p', null, 'The server refused this entry:'),
      h('ul', null, Object.entries(e.errors).map(([f, msgs]) => h('li', null, `${f.replace(/_/g, ' ')}: ${msgs.join(' ')}`)))));
  }
  if (e.state === 'returned' && e.reviewComment) {
    li.append(h('div', { class: 'problem' }, h('p', null, h('strong', null, 'Sergeant: '), h('span', { class: 'review-comment' }, e.reviewComment))));
  }
  if (e.state === 'rejected' || e.state === 'returned') {
    li.append(h('a', { class: 'button primary', href: `#/entry/${e.id}` }, 'Fix and resend'));
  } else if (e.state === 'conflict') {
    const server = e.serverRecord ?? {};
    const diffs = Object.keys(e.payload).filter((k) => k in server && !same(e.payload[k], server[k]));
    const mine = h('button', { type: 'button', class: 'primary' }, 'Keep mine and resend');
    const theirs = h('button', { type: 'button', class: 'secondary' }, 'Use the server copy');
    mine.addEventListener('click', async () => { await resendMine(app.db, e.id); hooks.refresh(); void hooks.sendNow(); });
    theirs.addEventListener('click', async () => { await acceptServerCopy(app.db, e.id); hooks.refresh(); hooks.status(); });
    li.append(h('div', { class: 'problem' }, h('p', null, 'This entry was changed elsewhere after you edited it. Server copy:'),
      server.review_comment ? h('p', null, h('strong', null, 'Sergeant: '), String(server.review_comment)) : null,
      h('ul', null, diffs.map((k) => h('li', null, `${k.replace(/_/g, ' ')}: ${fmt(server[k])} (yours: ${fmt(e.payload[k])})`)))),
    h('div', { class: 'actions' }, mine, theirs));
  } else if (e.state !== 'voided') {
    li.append(h('a', { class: 'text-link', href: `#/entry/${e.id}`, 'aria-label': `Open ${KIND_LABELS[e.kind]} at ${timeOf(e.payload.occurred_at)}` }, 'Open'));
  }
  return li;
}

/** Equal for the officer: the same instant, or the same value (null and missing alike). */
function same(a: unknown, b: unknown): boolean {
  const iso = /^\d{4}-\d\d-\d\dT/;
  if (typeof a === 'string' && typeof b === 'string' && iso.test(a) && iso.test(b)) return new Date(a).getTime() === new Date(b).getTime();
  return JSON.stringify(a ?? null) === JSON.stringify(b ?? null);
}

function fmt(v: unknown): string {
  if (v == null || v === '') return '—';
  if (Array.isArray(v)) return v.join(', ');
  return String(v);
}

export async function todayView(): Promise<HTMLElement> {
  await loadReference();
  const me = officerId()!;
  const entries = await listEntries(app.db, me);
  // A night shift runs past midnight: "today" is the last 24 hours, plus anything not yet settled.
  const since = Date.now() - 24 * 3600_000;
  const shown = entries.filter((e) => new Date(String(e.payload.occurred_at)).getTime() >= since
    || new Date(e.savedAt).getTime() >= since || e.pending || ['rejected', 'conflict', 'returned'].includes(e.state));
  // What needs the officer first, then what is waiting, then the rest (newest first).
  const rank = (e: Entry) => (['returned', 'rejected', 'conflict'].includes(e.state) ? 0 : e.pending ? 1 : 2);
  shown.sort((a, b) => rank(a) - rank(b));
  const counts = shown.reduce<Record<string, number>>((acc, e) => ({ ...acc, [e.kind]: (acc[e.kind] ?? 0) + 1 }), {});
  return h('section', { class: 'view' }, title("Today's entries"),
    h('p', { class: 'hint' }, 'The last 24 hours, and anything still to send or fix.'),
    h('p', { class: 'tally-line' }, KINDS.map((k: Kind) => `${KIND_LABELS[k]}: ${counts[k] ?? 0}`).join(' · ')),
    shown.length ? h('ul', { class: 'entries', 'aria-label': 'Entries' }, shown.map(entryItem))
      : h('p', null, 'Nothing logged today yet.'));
}
