/** Officer screens: login, home (shift + four big buttons), today's list, one entry, More. */
import { ApiError, NetworkError } from '../api';
import { getMeta, setMeta } from '../sync/db';
import { listDrafts } from '../sync/drafts';
import { acceptServerCopy, applyServerRecords, listEntries, listShifts, oldestUnsent, resendMine, saveShift } from '../sync/outbox';
import { hasPin, validPin } from '../sync/pin';
import type { Entry, EntryState, Kind, Payload, Session, ShiftItem } from '../sync/types';
import { KINDS } from '../sync/types';
import { app, canLog, chooseOperation, currentOperation, KIND_LABELS, labelFor, loadReference, officerId } from '../state';
import { ask, askWith } from './dialog';
import { announce, dateTimeOf, h, localDate, nextId, timeOf } from './dom';
import { entryForm, fieldLabel, valueText } from './form';
import { page, type Screen, type ScreenContext } from './screen';

const OLD_UNSENT_HOURS = 12;

export function title(text: string): HTMLElement {
  return h('h1', { id: 'view-title', tabindex: '-1' }, text);
}

// ---------------------------------------------------------------- login
export function loginView(onLogin: (s: Session, pin?: string) => Promise<void>, shoulder = ''): Screen {
  const numberId = nextId(), passId = nextId(), pinId = nextId(), errId = nextId();
  const number = h('input', { id: numberId, name: 'shoulder_number', autocomplete: 'username', required: true,
    autocapitalize: 'characters', spellcheck: 'false', value: shoulder, 'aria-describedby': errId });
  const password = h('input', { id: passId, name: 'password', type: 'password', autocomplete: 'current-password', required: true,
    'aria-describedby': errId });
  const pin = h('input', { id: pinId, name: 'pin', type: 'password', inputmode: 'numeric', autocomplete: 'off',
    'aria-describedby': `${pinId}-hint ${errId}` });
  const error = h('p', { class: 'field-error', id: errId, role: 'alert' });
  const button = h('button', { type: 'submit', class: 'primary big' }, 'Log in');
  const form = h('form', { class: 'login', novalidate: true, 'aria-labelledby': 'view-title' },
    h('div', { class: 'field' }, h('label', { htmlFor: numberId }, 'Shoulder number'), number),
    h('div', { class: 'field' }, h('label', { htmlFor: passId }, 'Password'), password),
    h('div', { class: 'field' }, h('label', { htmlFor: pinId }, 'Unlock PIN for this phone ', h('span', { class: 'opt' }, '(optional)')),
      h('p', { class: 'hint', id: `${pinId}-hint` }, '4 to 8 digits. Lock the app with it instead of logging out: it opens again with no signal.'), pin),
    error, button);
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    error.textContent = '';
    if (!number.value.trim() || !password.value) { error.textContent = 'Give your shoulder number and password.'; return; }
    if (pin.value && !validPin(pin.value)) { error.textContent = 'A PIN is 4 to 8 digits (or leave it empty).'; pin.focus(); return; }
    button.disabled = true;
    try {
      const r = await app.api.login(number.value.trim(), password.value);
      password.value = '';
      const chosen = pin.value || undefined;
      pin.value = '';
      await onLogin({ officer: r.officer, operations: r.operations }, chosen);
    } catch (err) {
      error.textContent = err instanceof NetworkError ? 'No signal: logging in needs a connection.'
        : err instanceof ApiError ? err.message : 'Something went wrong; try again.';
      button.disabled = false;
    }
  });
  const el = h('section', { class: 'view' }, title('Log in to Beatbook'),
    h('p', null, 'Log in once with signal; after that the app works offline.'), form);
  void offerProviderSignIn(form);
  return { el, live: () => false, typing: () => !!(number.value || password.value || pin.value) };
}

/** "Sign in with <force>" when the server signs in through the force's identity provider: a
 * full-page trip there and back (#/signed-in, session.ts). The outbox is in IndexedDB, keyed by
 * officer, so it is all still here on return. With passwords switched off, only the button is shown. */
async function offerProviderSignIn(form: HTMLElement): Promise<void> {
  let options;
  try { options = await app.api.signInOptions(); } catch { return; }  // no signal: the password form
  const provider = options.identity_provider;
  if (!provider) return;
  const link = h('a', { class: 'button primary big provider-sign-in', href: provider.start_url },
    `Sign in with ${provider.name}`);
  link.addEventListener('click', (ev) => {
    if (!navigator.onLine) { ev.preventDefault(); link.after(h('p', { class: 'field-error', role: 'alert' }, 'No signal: signing in needs a connection.')); }
  });
  if (options.local_passwords) form.before(link, h('p', { class: 'hint' }, 'Or with your shoulder number and password:'));
  else form.replaceWith(link);
}

// ---------------------------------------------------------------- today (one rule everywhere)
/**
 * "Today" is the officer's own entries of the local day; on a shift that began
 * before midnight, from the shift's start. Older entries that still need the
 * officer are listed apart and never counted as today's.
 */
export async function todaysEntries(): Promise<{ today: Entry[]; older: Entry[]; since: Date }> {
  const me = officerId()!;
  const [entries, active] = await Promise.all([listEntries(app.db, me), activeShift()]);
  const midnight = new Date();
  midnight.setHours(0, 0, 0, 0);
  const since = active && new Date(active.started_at) < midnight ? new Date(active.started_at) : midnight;
  const today: Entry[] = [];
  const older: Entry[] = [];
  for (const e of entries) {
    if (e.officerId !== me) continue;
    if (new Date(String(e.payload.occurred_at)).getTime() >= since.getTime()) today.push(e);
    else if (e.pending || ['rejected', 'conflict', 'returned'].includes(e.state)) older.push(e);
  }
  return { today, older, since };
}

async function activeShift(): Promise<ShiftItem | undefined> {
  const me = officerId()!;
  const activeId = await getMeta<string>(app.db, `activeShift:${me}`);
  if (!activeId) return undefined;
  return (await listShifts(app.db, me)).find((s) => s.id === activeId && !s.ended_at);
}

// ---------------------------------------------------------------- home
export async function homeView(ctx: ScreenContext): Promise<Screen> {
  const me = officerId()!;
  const ops = app.session?.operations ?? [];
  const op = await currentOperation();
  const view = h('section', { class: 'view' }, title(`Hello, ${app.session?.officer.display_name ?? ''}`));
  if (!canLog()) {
    view.append(h('p', null, 'Your role does not log entries. Use the Tally screen.'));
    return page(view);
  }
  if (!op) {
    view.append(h('p', { class: 'notice' }, 'No operation is running for you today, so there is nothing to log against.'));
    return page(view);
  }
  // While the officer is choosing an operation, new data waits: a redraw would close the picker.
  let choosing = false;
  if (ops.length > 1) {
    const id = nextId();
    const select = h('select', { id }, ops.map((o) => h('option', { value: String(o.id), selected: o.id === op.id || null }, o.name)));
    select.addEventListener('focus', () => { choosing = true; });
    select.addEventListener('blur', () => { choosing = false; });
    select.addEventListener('change', async () => { await chooseOperation(Number(select.value)); choosing = false; ctx.refresh(); });
    view.append(h('div', { class: 'field' }, h('label', { htmlFor: id }, 'Operation'), select));
  } else {
    view.append(h('p', { class: 'op-name' }, op.name));
  }

  const oldest = await oldestUnsent(app.db, me);
  if (oldest && Date.now() - new Date(oldest).getTime() > OLD_UNSENT_HOURS * 3600_000) {
    view.append(h('p', { class: 'banner warn', id: 'old-unsent' },
      `Some entries have waited since ${new Date(oldest).toLocaleString('en-GB')} to send. Get signal and tap Send now: `
      + 'a phone may clear the app\u2019s storage if it is not opened for days.'));
  }

  const drafts = await listDrafts(app.db, me);
  if (drafts.length) {
    view.append(h('div', { class: 'card drafts' }, h('h2', null, 'Unfinished'), h('ul', { class: 'draft-list' }, drafts.map((d) => {
      const href = d.form.startsWith('edit:') ? `#/entry/${d.form.slice(5)}` : `#/log/${d.kind}`;
      return h('li', null, h('a', { href, class: 'button secondary resume-draft', 'data-form': d.form },
        `Resume draft: ${KIND_LABELS[d.kind as Kind] ?? d.kind} (${timeOf(d.updatedAt)})`));
    }))));
  }

  // Shift
  const active = await activeShift();
  const shiftBox = h('div', { class: 'shift card' });
  if (active) {
    const end = h('button', { type: 'button', class: 'secondary', id: 'end-shift' }, 'End shift');
    end.addEventListener('click', async () => {
      const ok = await ask('End your shift?', `You have been on shift since ${timeOf(active.started_at)}. Entries after this need a new shift.`,
        [{ value: 'end', label: 'End shift', cls: 'danger' }], 'Stay on shift');
      if (ok !== 'end') return;
      await saveShift(app.db, me, { ...active, ended_at: new Date().toISOString() });
      await setMeta(app.db, `activeShift:${me}`, null);
      announce('Shift ended.');
      ctx.refresh();
      void ctx.sendNow();
    });
    shiftBox.append(h('p', null, h('strong', null, 'On shift'), ` since ${timeOf(active.started_at)}`), end);
  } else {
    const start = h('button', { type: 'button', class: 'primary', id: 'start-shift' }, 'Start shift');
    start.addEventListener('click', async () => {
      const s = await saveShift(app.db, me, { operation_id: op.id, started_at: new Date().toISOString() });
      await setMeta(app.db, `activeShift:${me}`, s.id);
      announce('Shift started.');
      ctx.refresh();
      void ctx.sendNow();
    });
    shiftBox.append(h('p', null, 'Not on shift.'), start);
  }
  view.append(shiftBox);

  view.append(h('h2', null, 'Log'), h('div', { class: 'big-buttons' },
    KINDS.map((k) => h('a', { class: ['big-button', `kind-${k}`], href: `#/log/${k}` }, KIND_LABELS[k]))));

  const { today, older } = await todaysEntries();
  view.append(h('p', null, h('a', { href: '#/today', class: 'text-link', id: 'today-link', 'data-count': String(today.length) },
    `Today's entries (${today.length})`)));
  if (older.length) view.append(h('p', null, h('a', { href: '#/today', class: 'text-link' }, `Older entries that need you (${older.length})`)));
  return { el: view, live: () => !choosing };
}

// ---------------------------------------------------------------- today's list
export const STATE_TEXT: Record<EntryState, string> = {
  waiting: 'Waiting to send',
  sent: 'Sent',
  verified: 'Verified',
  returned: 'Returned by sergeant',
  voided: 'Withdrawn',
  rejected: 'Not accepted',
  conflict: 'Changed on the server',
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

/** What the server's copy says happened, in words: who did what. */
function serverStory(server: Payload): string {
  switch (server.status) {
    case 'verified': return 'A sergeant verified this entry on the server after you changed it here.';
    case 'returned': return 'A sergeant returned this entry to you after you changed it here.';
    case 'voided': return 'This entry was withdrawn on the server.';
    default: return 'This entry was changed on the server (another phone, or a sergeant) after you changed it here.';
  }
}

function when(e: Entry): string {
  const iso = e.payload.occurred_at;
  return localDate(new Date(String(iso))) === localDate(new Date()) ? timeOf(iso) : dateTimeOf(iso);
}

/** Withdraw (void) an entry the server has: a reason is required, and it needs signal. */
async function withdraw(e: Entry, ctx: ScreenContext): Promise<void> {
  if (!navigator.onLine) {
    await ask('Withdrawing needs signal', 'The sergeant must see a withdrawal at once, so it is not kept for later. Try again when you have signal.',
      [], 'OK');
    return;
  }
  const r = await askWith('Withdraw this entry?', `${KIND_LABELS[e.kind]} at ${when(e)}: it stays on record as withdrawn, with your reason, and is no longer counted.`,
    [{ value: 'void', label: 'Withdraw entry', cls: 'danger' }], 'Keep it',
    { label: 'Reason (required)', type: 'textarea', valid: (v) => (v.trim().length >= 3 ? null : 'Say why, in a few words.') });
  if (!r) return;
  try {
    const res = await app.api.voidRecord(e.id, r.text.trim());
    await applyServerRecords(app.db, e.officerId, [res.record]);
    announce('Entry withdrawn.');
  } catch (err) {
    announce(err instanceof NetworkError ? 'No signal: the entry was not withdrawn. Try again with signal.'
      : err instanceof ApiError ? `Not withdrawn: ${err.message}` : 'Not withdrawn: something went wrong.');
  }
  ctx.rerender();
}

function canWithdraw(e: Entry): boolean {
  return !e.pending && e.version != null && ['sent', 'verified', 'returned'].includes(e.state);
}

function withdrawButton(e: Entry, ctx: ScreenContext): HTMLElement {
  const b = h('button', { type: 'button', class: 'link withdraw' }, 'Withdraw entry');
  b.addEventListener('click', () => void withdraw(e, ctx));
  return b;
}

function entryItem(e: Entry, ctx: ScreenContext): HTMLElement {
  const li = h('li', { class: ['entry', `state-${e.state}`], 'data-id': e.id, 'data-state': e.state },
    h('div', { class: 'entry-head' },
      h('span', { class: 'entry-kind' }, KIND_LABELS[e.kind]),
      h('span', { class: ['badge', `badge-${e.state}`] }, STATE_TEXT[e.state])),
    h('p', { class: 'entry-line' }, `${when(e)} · ${e.payload.area} · ${summaryLine(e)}`),
    e.payload.notes ? h('p', { class: 'entry-notes' }, String(e.payload.notes).slice(0, 120)) : null);
  if (e.state === 'rejected' && e.errors) {
    li.append(h('div', { class: 'problem' }, h('p', null, 'The server did not accept this entry:'),
      h('ul', null, Object.entries(e.errors).map(([f, msgs]) => h('li', null, `${fieldLabel(f)}: ${msgs.join(' ')}`)))));
  }
  if (e.state === 'returned' && e.reviewComment) {
    li.append(h('div', { class: 'problem' }, h('p', null, h('strong', null, 'Sergeant: '), h('span', { class: 'review-comment' }, e.reviewComment))));
  }
  if (e.state === 'rejected' || e.state === 'returned') {
    li.append(h('a', { class: 'button primary', href: `#/entry/${e.id}` }, 'Fix and resend'));
  } else if (e.state === 'conflict') {
    const server = e.serverRecord ?? {};
    const diffs = Object.keys(e.payload).filter((k) => k in server && !same(e.payload[k], server[k]) && k !== 'id');
    const mine = h('button', { type: 'button', class: 'primary' }, 'Keep mine and resend');
    const theirs = h('button', { type: 'button', class: 'secondary' }, 'Use the server copy');
    mine.addEventListener('click', async () => { await resendMine(app.db, e.id); ctx.refresh(); void ctx.sendNow(); });
    theirs.addEventListener('click', async () => { await acceptServerCopy(app.db, e.id); ctx.refresh(); ctx.status(); });
    li.append(h('div', { class: 'problem' }, h('p', { class: 'server-story' }, serverStory(server)),
      server.review_comment ? h('p', null, h('strong', null, 'Sergeant: '), String(server.review_comment)) : null,
      diffs.length ? h('p', null, `Changed on the server: ${diffs.map(fieldLabel).join(', ')}.`) : null,
      h('ul', null, diffs.map((k) => h('li', null, `${fieldLabel(k)}: server has ${valueText(k, server[k])}; yours: ${valueText(k, e.payload[k])}`)))),
    h('div', { class: 'actions' }, mine, theirs));
  } else if (e.state !== 'voided') {
    li.append(h('div', { class: 'actions' },
      h('a', { class: 'text-link', href: `#/entry/${e.id}`, 'aria-label': `Open ${KIND_LABELS[e.kind]} at ${when(e)}` }, 'Open'),
      canWithdraw(e) ? withdrawButton(e, ctx) : null));
  }
  return li;
}

/** Equal for the officer: the same instant, or the same value (null and missing alike). */
function same(a: unknown, b: unknown): boolean {
  const iso = /^\d{4}-\d\d-\d\dT/;
  if (typeof a === 'string' && typeof b === 'string' && iso.test(a) && iso.test(b)) return new Date(a).getTime() === new Date(b).getTime();
  return JSON.stringify(a ?? null) === JSON.stringify(b ?? null);
}

export async function todayView(ctx: ScreenContext): Promise<Screen> {
  await loadReference();
  const { today, older, since } = await todaysEntries();
  // What needs the officer first, then what is waiting, then the rest (newest first).
  const rank = (e: Entry) => (['returned', 'rejected', 'conflict'].includes(e.state) ? 0 : e.pending ? 1 : 2);
  today.sort((a, b) => rank(a) - rank(b));
  const counts = today.reduce<Record<string, number>>((acc, e) => ({ ...acc, [e.kind]: (acc[e.kind] ?? 0) + 1 }), {});
  const fromText = localDate(since) === localDate(new Date()) ? 'Since midnight' : `Since your shift began (${dateTimeOf(since.toISOString())})`;
  const item = (e: Entry) => entryItem(e, ctx);
  return page(h('section', { class: 'view' }, title(`Today's entries (${today.length})`),
    h('p', { class: 'hint' }, `${fromText}: your own entries.`),
    h('p', { class: 'tally-line' }, KINDS.map((k: Kind) => `${KIND_LABELS[k]}: ${counts[k] ?? 0}`).join(' · ')),
    today.length ? h('ul', { class: 'entries', id: 'today-list', 'aria-label': "Today's entries" }, today.map(item))
      : h('p', null, 'Nothing logged today yet.'),
    older.length ? [h('h2', null, `Older entries that need you (${older.length})`),
      h('ul', { class: 'entries', id: 'older-list', 'aria-label': 'Older entries that need you' }, older.map(item))] : null));
}

/** One entry: the sergeant's word, Withdraw, and the form to change it (unless withdrawn). */
export async function entryDetail(entry: Entry, ctx: ScreenContext): Promise<Screen> {
  await loadReference();
  const view = h('section', { class: 'view' }, title(`${KIND_LABELS[entry.kind]}: ${STATE_TEXT[entry.state].toLowerCase()}`),
    entry.state === 'returned' && entry.reviewComment
      ? h('div', { class: 'problem' }, h('p', null, h('strong', null, 'Sergeant: '), entry.reviewComment)) : null);
  if (entry.state === 'voided') {
    view.append(h('p', null, `${when(entry)} · ${entry.payload.area} · ${summaryLine(entry)}`),
      h('p', null, 'This entry was withdrawn and cannot be changed.'));
    return page(view);
  }
  const form = await entryForm(entry.kind, ctx, entry);
  view.append(form.el);
  if (canWithdraw(entry)) view.append(h('div', { class: 'card' }, h('p', null, 'Made in error?'), withdrawButton(entry, ctx)));
  return { ...form, el: view };
}

// ---------------------------------------------------------------- more
/** account: the officer's own account (password, roster, administration), shown first. */
export async function moreView(ctx: ScreenContext, account?: HTMLElement): Promise<Screen> {
  const actions = ctx.session;
  const me = officerId()!;
  const who = app.session?.officer;
  const pinSet = await hasPin(app.db, me);
  const lock = h('button', { type: 'button', class: 'primary big', id: 'lock-app' }, 'Lock Beatbook');
  lock.addEventListener('click', () => void actions.lock());
  const pin = h('button', { type: 'button', class: 'secondary', id: 'change-pin' }, pinSet ? 'Change PIN' : 'Set a PIN');
  pin.addEventListener('click', async () => { if (await actions.changePin()) ctx.rerender(); });
  const out = h('button', { type: 'button', class: 'danger', id: 'logout' }, 'Log out');
  out.addEventListener('click', () => void actions.logOut());
  return page(h('section', { class: 'view' }, title('More'),
    h('p', null, `${who?.display_name ?? ''} (${who?.shoulder_number ?? ''})`),
    account ?? null,
    h('h2', null, 'Leaving the phone'),
    h('p', null, 'Lock keeps you logged in and your entries on the phone; your PIN opens it again, with or without signal.'),
    lock, h('p', null, pin),
    h('h2', { class: 'logout-head' }, 'Log out'),
    h('p', null, 'Only at the end of your tour, or to hand the phone to someone else. Logging in again needs signal.'),
    out));
}
