/** Sergeant: the day's shifts, then one shift's tally and review queue, sized for a phone. */
import { ApiError, type Counts, type OfficerRef, type ReviewAction, type ShiftTally } from '../api';
import type { Kind, Payload } from '../sync/types';
import { KINDS } from '../sync/types';
import { app, KIND_LABELS, loadReference } from '../state';
import { entryDetails, whenOf } from './entry-details';
import { announce, h, localDate, nextId, replace, timeOf } from './dom';
import { title } from './views';
import { failure, teamScope } from './supervisor-common';

function dayLabel(iso: string, day: string): string {
  // A night shift started the day before: say which day, not just the time.
  const d = new Date(iso);
  return localDate(d) === day ? timeOf(iso) : `${d.toLocaleDateString('en-GB', { weekday: 'short', day: 'numeric', month: 'short' })} ${timeOf(iso)}`;
}

export async function shiftsView(date?: string): Promise<HTMLElement> {
  const day = date || localDate(new Date());
  const id = nextId();
  const input = h('input', { id, type: 'date', value: day });
  const go = h('button', { type: 'button', class: 'secondary' }, 'Show');
  go.addEventListener('click', () => { location.hash = `#/review?date=${input.value}`; });
  const team = teamScope();
  const view = h('section', { class: 'view supervisor' }, title(team ? `${team}: shifts to review` : 'Shifts to review'),
    h('div', { class: 'inline-form' }, h('div', { class: 'field' }, h('label', { htmlFor: id }, 'Date'), input), go));
  try {
    const r = await app.api.shifts(day);
    view.append(r.items.length ? h('ul', { class: 'shifts', 'aria-label': 'Shifts' }, r.items.map((sh) => h('li', null,
      h('a', { class: 'shift-link card', href: `#/review/${sh.id}`, 'data-id': sh.id },
        h('span', { class: 'shift-who' }, `${sh.officer.display_name} (${sh.officer.shoulder_number})`),
        h('span', null, `${dayLabel(sh.started_at, day)}–${sh.ended_at ? dayLabel(sh.ended_at, day) : 'on shift'}`),
        h('span', null, `${sh.total} ${sh.total === 1 ? 'entry' : 'entries'}, `,
          h('strong', null, `${sh.unverified} to review`))))))
      : h('p', null, 'No shifts on this day.'));
  } catch (err) {
    view.append(failure(err));
  }
  return view;
}

/** One officer's (or the team's) counts as a card: every figure on screen at 360 px, no table to scroll. */
function countsCard(name: string, counts: Counts, total: number, unverified: number, extra = ''): HTMLElement {
  const cell = (label: string, n: number, cls = '') => h('div', { class: ['count-cell', cls] }, h('dt', null, label), h('dd', null, String(n)));
  return h('li', { class: ['card', 'tally-card', extra] },
    h('h3', null, name),
    h('dl', { class: 'count-grid' }, KINDS.map((k) => cell(KIND_LABELS[k], counts[k] ?? 0)),
      cell('All', total, 'count-all'), cell('To review', unverified, unverified ? 'count-review' : '')));
}

type Outcome = { ok: true } | { ok: false; message: string };

/** Verify or return one record as the sergeant saw it: base_version makes the server refuse a copy that has moved on. */
async function review(rec: Payload, action: ReviewAction, comment?: string): Promise<Outcome> {
  try {
    await app.api.review(String(rec.id), action, rec.version, comment);
    return { ok: true };
  } catch (err) {
    if (err instanceof ApiError && err.status === 409) {
      return { ok: false, message: err.code === 'voided' ? 'The officer voided this entry.'
        : 'The officer changed this entry since you opened it: this is the newer copy. Check it again.' };
    }
    return { ok: false, message: err instanceof ApiError ? err.message : 'No signal; try again.' };
  }
}

interface QueueState {
  /** Per record: what the sergeant must know after the last action (a newer copy, a refusal). */
  messages: Map<string, string>;
  busy: boolean;
}

function recordCard(rec: Payload, state: QueueState, act: (recs: Payload[], action: ReviewAction, comment?: string) => Promise<void>): HTMLElement {
  const kind = rec.kind as Kind;
  const officer = rec.officer as OfficerRef | undefined;
  const rid = String(rec.id);
  const checkId = nextId('sel');
  const check = h('input', { type: 'checkbox', id: checkId, class: 'select-record', value: rid });
  const returned = rec.status === 'returned';
  const verify = h('button', { type: 'button', class: 'primary' }, 'Verify');
  const openReturn = h('button', { type: 'button', class: 'secondary', 'aria-expanded': 'false' }, 'Return');
  const commentId = nextId();
  const comment = h('textarea', { id: commentId, rows: 2, maxlength: 1000 });
  const send = h('button', { type: 'button', class: 'primary' }, 'Return with comment');
  const cancel = h('button', { type: 'button', class: 'link' }, 'Cancel');
  const returnBox = h('div', { class: 'return-box', hidden: true },
    h('div', { class: 'field' }, h('label', { htmlFor: commentId }, 'Comment for the officer'), comment),
    h('div', { class: 'actions' }, send, cancel));
  const error = h('p', { class: 'field-error', role: 'alert' });
  const message = state.messages.get(rid);

  openReturn.addEventListener('click', () => {
    returnBox.hidden = false;
    openReturn.setAttribute('aria-expanded', 'true');
    openReturn.hidden = true;
    comment.focus();
  });
  cancel.addEventListener('click', () => {
    returnBox.hidden = true;
    openReturn.hidden = false;
    openReturn.setAttribute('aria-expanded', 'false');
    openReturn.focus();
  });
  verify.addEventListener('click', () => void act([rec], 'verify'));
  send.addEventListener('click', () => {
    if (comment.value.trim().length < 3) { error.textContent = 'Say what needs fixing (at least 3 characters).'; comment.focus(); return; }
    void act([rec], 'return', comment.value.trim());
  });

  return h('li', { class: ['card', 'review-item', message ? 'has-message' : ''], tabindex: message ? '-1' : null, 'data-id': rid, 'data-version': String(rec.version ?? '') },
    h('div', { class: 'review-head' },
      h('div', { class: 'check' }, check,
        h('label', { htmlFor: checkId }, h('span', { class: 'entry-kind' }, KIND_LABELS[kind]),
          h('span', { class: 'entry-line' }, ` ${whenOf(rec)} · ${officer?.display_name ?? ''}`))),
      // Everything here is to review: only a returned entry needs a badge.
      returned ? h('span', { class: 'badge badge-returned' }, 'Returned') : null),
    message ? h('p', { class: 'problem review-message' }, message) : null,
    h('dl', { class: 'review-details' }, entryDetails(rec).map(([k, v]) => h('div', null, h('dt', null, k), h('dd', null, v)))),
    h('div', { class: 'actions' }, verify, openReturn),
    returnBox, error);
}

export async function shiftTallyView(shiftId: string): Promise<HTMLElement> {
  await loadReference();
  const body = h('div', { class: 'shift-review' });
  const view = h('section', { class: 'view supervisor' }, title('Shift review'), body);
  const state: QueueState = { messages: new Map(), busy: false };

  const act = async (recs: Payload[], action: ReviewAction, comment?: string) => {
    if (state.busy || !recs.length) return;
    state.busy = true;
    body.querySelectorAll<HTMLButtonElement>('button').forEach((b) => { b.disabled = true; });
    state.messages.clear();
    let done = 0;
    for (const rec of recs) {
      const r = await review(rec, action, comment);
      if (r.ok) done += 1;
      else state.messages.set(String(rec.id), r.message);
    }
    state.busy = false;
    const failed = recs.length - done;
    const verb = action === 'verify' ? 'Verified' : 'Returned to the officer';
    announce([done ? `${verb}: ${done} ${done === 1 ? 'entry' : 'entries'}.` : '',
      failed ? `${failed} not ${action === 'verify' ? 'verified' : 'returned'}: see the message on ${failed === 1 ? 'it' : 'each'}.` : ''].filter(Boolean).join(' '));
    await render();
    (body.querySelector<HTMLElement>('.has-message') ?? body.querySelector<HTMLElement>('#queue-title'))?.focus();
  };

  const render = async () => {
    let t: ShiftTally;
    try {
      t = await app.api.shiftTally(shiftId);
    } catch (err) {
      replace(body, failure(err), h('p', null, h('a', { class: 'text-link', href: '#/review' }, 'Back to shifts')));
      return;
    }
    const team = teamScope() ?? t.shift.officer?.team ?? null;
    const checks = () => [...body.querySelectorAll<HTMLInputElement>('input.select-record')];
    const all = h('input', { type: 'checkbox', id: nextId('all') });
    const verifyAll = h('button', { type: 'button', class: 'primary verify-all', disabled: true }, 'Verify all checked');
    const paintBulk = () => {
      const n = checks().filter((c) => c.checked).length;
      verifyAll.textContent = n ? `Verify all checked (${n})` : 'Verify all checked';
      verifyAll.disabled = n === 0 || state.busy;
      all.checked = n > 0 && n === checks().length;
      all.indeterminate = n > 0 && n < checks().length;
    };
    all.addEventListener('change', () => { checks().forEach((c) => { c.checked = all.checked; }); paintBulk(); });
    verifyAll.addEventListener('click', () => {
      const ids = new Set(checks().filter((c) => c.checked).map((c) => c.value));
      void act(t.review_queue.filter((r) => ids.has(String(r.id))), 'verify');
    });
    const queue = t.review_queue;
    replace(body,
      h('p', { class: 'shift-line' }, `${t.shift.officer?.display_name ?? ''}: ${dateLabel(t.window.from)}–${timeOf(t.window.to)}`),
      h('h2', null, team ? `${team}\u2019s entries in this shift` : 'Entries in this shift'),
      h('ul', { class: 'tally-cards', 'aria-label': 'Counts by officer' },
        t.officers.map((o) => countsCard(o.officer.display_name ?? `Officer ${o.officer.id}`, o.counts, o.total, o.unverified)),
        t.officers.length > 1 ? countsCard(team ? `${team} total` : 'Total', t.totals, t.totals.all ?? 0, t.unverified, 'tally-total') : null),
      h('h2', { id: 'queue-title', tabindex: '-1' }, `Review queue (${queue.length})`),
      queue.length ? [
        h('div', { class: 'bulk card' }, h('div', { class: 'check' }, all, h('label', { htmlFor: all.id }, 'Check all')), verifyAll),
        h('ul', { class: 'review-queue', 'aria-labelledby': 'queue-title' }, queue.map((r) => recordCard(r, state, act))),
      ] : h('p', null, 'Nothing left to review.'),
      h('p', null, h('a', { class: 'text-link', href: '#/review' }, 'Back to shifts')));
    checks().forEach((c) => c.addEventListener('change', paintBulk));
    paintBulk();
  };

  await render();
  return view;
}

function dateLabel(iso: string): string {
  const d = new Date(iso);
  return `${d.toLocaleDateString('en-GB', { weekday: 'short', day: 'numeric', month: 'short' })} ${timeOf(iso)}`;
}
