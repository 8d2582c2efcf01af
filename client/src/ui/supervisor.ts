/** Sergeant: shifts of the day, a shift's tally and review queue. Inspector: operation tally, chart, exports. */
import { ApiError, NetworkError } from '../sync/api';
import type { Kind, Operation, Payload } from '../sync/types';
import { KINDS } from '../sync/types';
import { app, KIND_LABELS, labelFor, loadReference } from '../state';
import { announce, h, localDate, nextId, s, timeOf } from './dom';
import { title } from './views';

type Counts = Partial<Record<Kind | 'all', number>>;
interface OfficerRef { id: number; display_name: string; shoulder_number: string; team?: string | null }
interface ShiftRow { id: string; officer: OfficerRef; started_at: string; ended_at: string | null; counts: Counts; total: number; unverified: number }
interface ShiftTally {
  shift: ShiftRow; window: { from: string; to: string };
  officers: { officer: OfficerRef; counts: Counts; total: number; unverified: number }[];
  totals: Counts; unverified: number; review_queue: Payload[];
}

function failure(err: unknown): HTMLElement {
  const msg = err instanceof NetworkError ? 'No signal: this screen needs a connection.'
    : err instanceof ApiError ? err.message : 'Something went wrong.';
  return h('p', { class: 'notice', role: 'alert' }, msg);
}

const SHORT: Record<Kind, string> = { stop_search: 'Search', arrest: 'Arrest', safeguarding_referral: 'Safeg.', intelligence_log: 'Intel' };

function countsTable(caption: string, rows: { name: string; counts: Counts; total: number; unverified?: number }[]): HTMLElement {
  return h('div', { class: 'table-wrap', tabindex: '0', role: 'region', 'aria-label': caption }, h('table', null, h('caption', null, caption),
    h('thead', null, h('tr', null, h('th', { scope: 'col' }, 'Who'),
      KINDS.map((k) => h('th', { scope: 'col' }, h('abbr', { title: KIND_LABELS[k] }, SHORT[k]))),
      h('th', { scope: 'col' }, 'All'), h('th', { scope: 'col' }, 'To review'))),
    h('tbody', null, rows.map((r) => h('tr', null, h('th', { scope: 'row' }, r.name),
      KINDS.map((k) => h('td', null, String(r.counts[k] ?? 0))), h('td', null, String(r.total)),
      h('td', null, r.unverified == null ? '' : String(r.unverified)))))));
}

export async function shiftsView(date?: string): Promise<HTMLElement> {
  const day = date || localDate(new Date());
  const id = nextId();
  const input = h('input', { id, type: 'date', value: day });
  const go = h('button', { type: 'button', class: 'secondary' }, 'Show');
  go.addEventListener('click', () => { location.hash = `#/review?date=${input.value}`; });
  const view = h('section', { class: 'view' }, title('Shifts to review'),
    h('div', { class: 'inline-form' }, h('div', { class: 'field' }, h('label', { htmlFor: id }, 'Date'), input), go));
  try {
    const r = await app.api.get<{ items: ShiftRow[] }>(`/api/shifts?date=${encodeURIComponent(day)}`);
    view.append(r.items.length ? h('ul', { class: 'shifts', 'aria-label': 'Shifts' }, r.items.map((sh) => h('li', null,
      h('a', { class: 'shift-link card', href: `#/review/${sh.id}` },
        h('span', { class: 'shift-who' }, `${sh.officer.display_name} (${sh.officer.shoulder_number})`),
        h('span', null, `${timeOf(sh.started_at)}–${sh.ended_at ? timeOf(sh.ended_at) : 'on shift'}`),
        h('span', null, `${sh.total} entries, ${sh.unverified} to review`)))))
      : h('p', null, 'No shifts on this day.'));
  } catch (err) {
    view.append(failure(err));
  }
  return view;
}

/** The server copy a 409 carries: the entry moved on (edited, reviewed, voided) since this card was drawn. */
function newerCopy(err: unknown): Payload | null {
  if (!(err instanceof ApiError) || err.status !== 409) return null;
  return (err.body as { error?: { record?: Payload } } | null)?.error?.record ?? null;
}

function recordCard(rec: Payload, reload: () => void, notice = ''): HTMLElement {
  const kind = rec.kind as Kind;
  const officer = rec.officer as OfficerRef | undefined;
  const details: [string, string][] = [];
  const add = (label: string, v: unknown) => { if (v != null && v !== '' && !(Array.isArray(v) && !v.length)) details.push([label, Array.isArray(v) ? v.join(', ') : String(v)]); };
  add('Where', `${rec.area}${rec.place ? `, ${rec.place}` : ''}`);
  if (kind === 'stop_search') { add('Power', rec.legislation); add('Object', rec.object_of_search); add('Outcome', rec.outcome); }
  if (kind === 'arrest') { add('Offence', labelFor('offence_categories', rec.offence_category)); add('Power', labelFor('powers_of_arrest', rec.power_of_arrest)); add('Custody ref', rec.custody_reference); }
  if (kind === 'safeguarding_referral') { add('Subject', labelFor('safeguarding_subjects', rec.subject)); add('Concerns', ((rec.concern_categories as string[]) ?? []).map((c) => labelFor('concern_categories', c))); add('Risk', labelFor('risk_levels', rec.risk_level)); }
  if (kind === 'intelligence_log') { add('Grading', `${rec.source_evaluation}${rec.intelligence_assessment}${rec.handling_code}`); add('Intelligence', rec.intelligence_text); }
  add('Notes', rec.notes);
  if (rec.status === 'returned') add('Returned with', rec.review_comment);

  const verify = h('button', { type: 'button', class: 'primary' }, 'Verify');
  const commentId = nextId();
  const comment = h('textarea', { id: commentId, rows: 2, maxlength: 1000 });
  const send = h('button', { type: 'button', class: 'secondary' }, 'Return with comment');
  const error = h('p', { class: 'field-error', role: 'alert' }, notice);
  const act = async (path: string, body: Record<string, unknown>, done: string) => {
    error.textContent = '';
    verify.disabled = send.disabled = true;
    try {
      // The version on screen: the server refuses the review if the entry changed since.
      await app.api.post(`/api/records/${rec.id}/${path}`, { ...body, base_version: rec.version });
      announce(done);
      reload();
    } catch (err) {
      const newer = newerCopy(err);
      if (newer) {
        const message = (err as ApiError).code === 'version_conflict'
          ? 'This entry changed since you opened it; check it again.' : (err as ApiError).message;
        card.replaceWith(recordCard(newer, reload, message));
        announce(message);
        return;
      }
      error.textContent = err instanceof ApiError ? err.message : 'No signal; try again.';
      verify.disabled = send.disabled = false;
    }
  };
  verify.addEventListener('click', () => act('verify', {}, 'Verified.'));
  send.addEventListener('click', () => {
    if (comment.value.trim().length < 3) { error.textContent = 'Say what needs fixing (at least 3 characters).'; comment.focus(); return; }
    void act('return', { comment: comment.value.trim() }, 'Returned to the officer.');
  });
  const card = h('li', { class: 'card review-item', 'data-id': String(rec.id) },
    h('div', { class: 'entry-head' }, h('span', { class: 'entry-kind' }, KIND_LABELS[kind]),
      h('span', { class: ['badge', `badge-${rec.status === 'returned' ? 'returned' : 'waiting'}`] }, rec.status === 'returned' ? 'Returned' : 'To review')),
    h('p', { class: 'entry-line' }, `${timeOf(rec.occurred_at)} · ${officer?.display_name ?? ''}`),
    h('dl', null, details.map(([k, v]) => [h('dt', null, k), h('dd', null, v)])),
    h('div', { class: 'actions' }, verify),
    h('div', { class: 'field' }, h('label', { htmlFor: commentId }, 'Comment for the officer'), comment),
    h('div', { class: 'actions' }, send), error);
  return card;
}

export async function shiftTallyView(shiftId: string, reload: () => void): Promise<HTMLElement> {
  await loadReference();
  const view = h('section', { class: 'view' }, title('Shift tally'));
  try {
    const t = await app.api.get<ShiftTally>(`/api/shifts/${encodeURIComponent(shiftId)}/tally`);
    view.append(
      h('p', null, `${t.shift.officer?.display_name ?? ''}: ${timeOf(t.window.from)}–${timeOf(t.window.to)}`),
      countsTable('Entries in this shift', [
        ...t.officers.map((o) => ({ name: o.officer.display_name, counts: o.counts, total: o.total, unverified: o.unverified })),
        { name: 'Team total', counts: t.totals, total: t.totals.all ?? 0, unverified: t.unverified }]),
      h('h2', null, `Review queue (${t.review_queue.length})`),
      t.review_queue.length ? h('ul', { class: 'review-queue', 'aria-label': 'Review queue' }, t.review_queue.map((r) => recordCard(r, reload)))
        : h('p', null, 'Nothing left to review.'),
      h('p', null, h('a', { class: 'text-link', href: '#/review' }, 'Back to shifts')));
  } catch (err) {
    view.append(failure(err));
  }
  return view;
}

// ---------------------------------------------------------------- inspector
interface Change { previous: number; current: number; change_percent: number | null; label: string }
interface Tally {
  operation: Operation; period: { from: string; to: string }; totals: Counts;
  groups: ({ count: number } & Record<string, string | number>)[];
  comparison: null | { period: { from: string; to: string }; totals: Counts; change: Record<string, Change> };
  headline: string;
}

/** Grouped bars: this period against the one before, per kind. Hand-drawn SVG. */
export function comparisonChart(t: Tally): SVGElement {
  const W = 340, H = 200, top = 16, bottom = 44, left = 8;
  const max = Math.max(1, ...KINDS.flatMap((k) => [t.totals[k] ?? 0, t.comparison?.totals[k] ?? 0]));
  const slot = (W - left) / KINDS.length;
  const barW = t.comparison ? slot / 3 : slot / 2;
  const y = (v: number) => top + (H - top - bottom) * (1 - v / max);
  const svg = s('svg', { viewBox: `0 0 ${W} ${H}`, class: 'chart', role: 'img',
    'aria-label': `Bar chart: ${KINDS.map((k) => `${KIND_LABELS[k]} ${t.totals[k] ?? 0}${t.comparison ? ` (before: ${t.comparison.totals[k] ?? 0})` : ''}`).join(', ')}` });
  svg.append(s('line', { x1: left, x2: W, y1: H - bottom, y2: H - bottom, class: 'axis' }));
  KINDS.forEach((k, i) => {
    const x0 = left + i * slot + (t.comparison ? slot / 6 : slot / 4);
    const bars: [number, string][] = t.comparison ? [[t.comparison.totals[k] ?? 0, 'bar-prev'], [t.totals[k] ?? 0, 'bar-now']] : [[t.totals[k] ?? 0, 'bar-now']];
    bars.forEach(([v, cls], j) => {
      const x = x0 + j * barW;
      svg.append(s('rect', { x, y: y(v), width: barW - 2, height: Math.max(0, H - bottom - y(v)), class: cls }));
      svg.append(s('text', { x: x + (barW - 2) / 2, y: y(v) - 3, class: 'bar-value', 'text-anchor': 'middle' }, String(v)));
    });
    const words = KIND_LABELS[k].split(' ');
    words.forEach((w, j) => svg.append(s('text', { x: left + i * slot + slot / 2, y: H - bottom + 16 + j * 13, class: 'bar-label', 'text-anchor': 'middle' }, w)));
  });
  return svg;
}

/** Entries per week, all kinds, as columns. */
export function weeklyChart(t: Tally): SVGElement | null {
  const weeks = new Map<string, number>();
  for (const g of t.groups) if (g.week) weeks.set(String(g.week), (weeks.get(String(g.week)) ?? 0) + g.count);
  const rows = [...weeks.entries()].sort(([a], [b]) => a.localeCompare(b));
  if (!rows.length) return null;
  const W = 340, H = 140, bottom = 20, top = 8;
  const max = Math.max(1, ...rows.map(([, v]) => v));
  const w = W / rows.length;
  const svg = s('svg', { viewBox: `0 0 ${W} ${H}`, class: 'chart', role: 'img',
    'aria-label': `Entries per week: ${rows.map(([wk, v]) => `week of ${wk}: ${v}`).join(', ')}` });
  rows.forEach(([wk, v], i) => {
    const hgt = (H - top - bottom) * (v / max);
    svg.append(s('rect', { x: i * w + 1, y: H - bottom - hgt, width: Math.max(1, w - 2), height: hgt, class: 'bar-now' }));
    if (i === 0 || i === rows.length - 1) svg.append(s('text', { x: i * w + w / 2, y: H - 5, class: 'bar-label', 'text-anchor': i === 0 ? 'start' : 'end' }, wk.slice(5)));
  });
  return svg;
}

export async function tallyView(params: URLSearchParams): Promise<HTMLElement> {
  const view = h('section', { class: 'view' }, title('Operation tally'));
  let ops: Operation[] = app.session?.operations ?? [];
  try { ops = await app.api.get<Operation[]>('/api/operations'); } catch { /* offline: the session's list */ }
  if (!ops.length) { view.append(h('p', null, 'No operations.')); return view; }
  const op = ops.find((o) => String(o.id) === params.get('operation')) ?? ops.find((o) => o.is_current) ?? ops[0];
  const ids = { op: nextId(), from: nextId(), to: nextId(), cmp: nextId() };
  const opSel = h('select', { id: ids.op }, ops.map((o) => h('option', { value: String(o.id), selected: o.id === op.id || null }, o.name)));
  const from = h('input', { id: ids.from, type: 'date', value: params.get('from') ?? op.starts_on });
  const to = h('input', { id: ids.to, type: 'date', value: params.get('to') ?? localDate(new Date()) });
  const cmp = h('input', { id: ids.cmp, type: 'checkbox', checked: params.get('compare') !== 'none' || null });
  const show = h('button', { type: 'submit', class: 'primary' }, 'Show');
  const form = h('form', { class: 'tally-form', 'aria-label': 'Period' },
    h('div', { class: 'field' }, h('label', { htmlFor: ids.op }, 'Operation'), opSel),
    h('div', { class: 'two' }, h('div', { class: 'field' }, h('label', { htmlFor: ids.from }, 'From'), from),
      h('div', { class: 'field' }, h('label', { htmlFor: ids.to }, 'To'), to)),
    h('div', { class: 'check' }, cmp, h('label', { htmlFor: ids.cmp }, 'Compare with the period before')), show);
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    const q = new URLSearchParams({ operation: opSel.value, from: from.value, to: to.value, compare: cmp.checked ? 'previous' : 'none' });
    location.hash = `#/tally?${q}`;
  });
  view.append(form);

  const q = new URLSearchParams({ from: from.value, to: to.value });
  if (cmp.checked) q.set('compare', 'previous');
  const exportQ = new URLSearchParams({ operation: String(op.id), from: from.value, to: to.value });
  try {
    const t = await app.api.get<Tally>(`/api/operations/${op.id}/tally?${q}&group_by=kind,week`);
    view.append(h('p', { class: 'headline' }, t.headline), comparisonChart(t));
    if (t.comparison) view.append(h('p', { class: 'legend' }, h('span', { class: 'key key-prev' }), ` ${t.comparison.period.from} to ${t.comparison.period.to}  `,
      h('span', { class: 'key key-now' }), ` ${t.period.from} to ${t.period.to}`));
    view.append(h('div', { class: 'table-wrap', tabindex: '0', role: 'region', 'aria-label': 'Totals by kind' }, h('table', null, h('caption', null, 'Totals by kind'),
      h('thead', null, h('tr', null, h('th', { scope: 'col' }, 'Kind'), t.comparison ? h('th', { scope: 'col' }, 'Before') : null,
        h('th', { scope: 'col' }, 'This period'), t.comparison ? h('th', { scope: 'col' }, 'Change') : null)),
      h('tbody', null, KINDS.map((k) => h('tr', null, h('th', { scope: 'row' }, KIND_LABELS[k]),
        t.comparison ? h('td', null, String(t.comparison.totals[k] ?? 0)) : null, h('td', null, String(t.totals[k] ?? 0)),
        t.comparison ? h('td', null, t.comparison.change[k]?.label ?? '') : null))))));
    const weekly = weeklyChart(t);
    if (weekly) view.append(h('h2', null, 'Per week'), weekly);
  } catch (err) {
    view.append(failure(err));
  }
  const tallyQ = new URLSearchParams(q);
  tallyQ.set('group_by', 'kind,area,week');
  view.append(h('h2', null, 'Export'), h('ul', { class: 'exports' },
    h('li', null, h('a', { class: 'button secondary', href: `/api/operations/${op.id}/tally.csv?${tallyQ}`, download: '' }, 'Tally (CSV)')),
    h('li', null, h('a', { class: 'button secondary', href: `/api/exports/records.csv?${exportQ}`, download: '' }, 'All records (CSV)')),
    h('li', null, h('a', { class: 'button secondary', href: `/api/exports/stop-searches.csv?${exportQ}`, download: '' }, 'Stop searches, police.uk layout (CSV)')),
    h('li', null, h('a', { class: 'button secondary', href: `/api/operations/${op.id}/briefing?${q}`, target: '_blank', rel: 'noopener' }, 'Briefing (printable)'))));
  return view;
}
