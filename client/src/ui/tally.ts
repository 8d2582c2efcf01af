/** Inspector and analyst (and a sergeant, for their team): an operation's tally, charts and exports. */
import type { Kind, Operation } from '../sync/types';
import { ApiError, exportLinks, type Period, type Tally } from '../api';
import { KINDS } from '../sync/types';
import { app, KIND_LABELS } from '../state';
import { h, localDate, nextId, s } from './dom';
import { title } from './views';
import { failure, teamScope } from './supervisor-common';

/** The named comparison periods the inspector chooses from, in their words ('none': no comparison). */
export const COMPARE_CHOICES: [string, string][] = [
  ['previous_period', 'Same length just before'],
  ['before_launch', 'Same length before launch'],
  ['previous_month', 'Previous month'],
  ['previous_week', 'Previous week'],
  ['last_year', 'Same period last year'],
  ['none', 'No comparison'],
];

/** The period a rule needs: a calendar month from its 1st, an ISO week from its Monday (ending on `to`). */
export function periodFor(rule: string, from: string, to: string): Period {
  if (rule === 'previous_month' && (from.slice(0, 8) !== to.slice(0, 8) || !from.endsWith('-01'))) return { from: `${to.slice(0, 8)}01`, to };
  if (rule === 'previous_week') {
    const end = parseDay(to);
    const monday = isoDay(new Date(end.getTime() - ((end.getUTCDay() + 6) % 7) * DAY_MS));
    if (from !== monday) return { from: monday, to };
  }
  return { from, to };
}

/** Grouped bars: the comparison period against this one, per kind, both as the comparison counts them. Hand-drawn SVG. */
export function comparisonChart(t: Tally): SVGElement {
  const W = 340, H = 200, top = 16, bottom = 44, left = 8;
  const c = t.comparison;
  const now = c ? c.current_totals : t.totals;
  const max = Math.max(1, ...KINDS.flatMap((k) => [now[k] ?? 0, c?.totals[k] ?? 0]));
  const slot = (W - left) / KINDS.length;
  const barW = c ? slot / 3 : slot / 2;
  const y = (v: number) => top + (H - top - bottom) * (1 - v / max);
  const svg = s('svg', { viewBox: `0 0 ${W} ${H}`, class: 'chart chart-kinds', role: 'img',
    'aria-label': `Bar chart: ${KINDS.map((k) => `${KIND_LABELS[k]} ${now[k] ?? 0}${c ? ` (before: ${c.totals[k] ?? 0})` : ''}`).join(', ')}` });
  svg.append(s('line', { x1: left, x2: W, y1: H - bottom, y2: H - bottom, class: 'axis' }));
  KINDS.forEach((k, i) => {
    const x0 = left + i * slot + (c ? slot / 6 : slot / 4);
    const bars: [number, string][] = c ? [[c.totals[k] ?? 0, 'bar-prev'], [now[k] ?? 0, 'bar-now']] : [[now[k] ?? 0, 'bar-now']];
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

const DAY_MS = 86_400_000;

function parseDay(iso: string): Date {
  const [y, m, d] = iso.slice(0, 10).split('-').map(Number);
  return new Date(Date.UTC(y, m - 1, d));
}

function isoDay(d: Date): string {
  return d.toISOString().slice(0, 10);
}

/** Every ISO week (labelled by its Monday) that the period touches, so a quiet week is a zero, not a gap. */
export function weeksOf(from: string, to: string): string[] {
  const start = parseDay(from);
  const monday = new Date(start.getTime() - ((start.getUTCDay() + 6) % 7) * DAY_MS);
  const end = parseDay(to).getTime();
  const out: string[] = [];
  for (let t = monday.getTime(); t <= end; t += 7 * DAY_MS) out.push(isoDay(new Date(t)));
  return out;
}

/** A round top for the y axis, with four whole-number steps (0, 3, 6, 9, 12 or 0, 10, 20, 30, 40). */
export function niceMax(n: number): number {
  const need = Math.max(1, n / 4);
  for (let magnitude = 1; ; magnitude *= 10) {
    for (const m of [1, 2, 2.5, 3, 5]) {
      const step = m * magnitude;
      if (Number.isInteger(step) && step >= need) return step * 4;
    }
  }
}

const SHORT_DATE = (iso: string) => parseDay(iso).toLocaleDateString('en-GB', { day: 'numeric', month: 'short', timeZone: 'UTC' });

/** Entries per week, all kinds: one column per week including the empty ones, with a labelled y axis. */
export function weeklyChart(t: Tally): HTMLElement {
  const perWeek = new Map<string, number>();
  for (const g of t.groups) if (g.week) perWeek.set(String(g.week), (perWeek.get(String(g.week)) ?? 0) + g.count);
  const weeks = weeksOf(t.period.from, t.period.to);
  const rows = weeks.map((wk) => [wk, perWeek.get(wk) ?? 0] as const);
  const W = 340, H = 190, left = 34, right = 6, top = 10, bottom = 46;
  const plotW = W - left - right, plotH = H - top - bottom;
  const yMax = niceMax(Math.max(0, ...rows.map(([, v]) => v)));
  const slot = plotW / Math.max(1, rows.length);
  const y = (v: number) => top + plotH * (1 - v / yMax);
  const titleId = nextId('wk');
  const busiest = rows.reduce((a, b) => (b[1] > a[1] ? b : a), rows[0] ?? ['', 0]);
  const summary = rows.length
    ? `${rows.length} weeks from ${SHORT_DATE(rows[0][0])} to ${SHORT_DATE(rows[rows.length - 1][0])}; `
      + `${rows.filter(([, v]) => v === 0).length} with no entries; busiest: week of ${SHORT_DATE(busiest[0])} with ${busiest[1]}.`
    : 'No weeks in this period.';
  const svg = s('svg', { viewBox: `0 0 ${W} ${H}`, class: 'chart chart-weeks', role: 'img', 'aria-labelledby': titleId },
    s('title', { id: titleId }, `Entries per week. ${summary}`));
  // y axis: four steps, gridlines, and its name
  for (let i = 0; i <= 4; i += 1) {
    const v = (yMax * i) / 4;
    svg.append(s('line', { x1: left, x2: W - right, y1: y(v), y2: y(v), class: i === 0 ? 'axis' : 'grid' }),
      s('text', { x: left - 4, y: y(v) + 4, class: 'tick', 'text-anchor': 'end' }, String(v)));
  }
  svg.append(s('line', { x1: left, x2: left, y1: top, y2: top + plotH, class: 'axis' }),
    s('text', { x: 0, y: 0, class: 'axis-title', 'text-anchor': 'middle', transform: `translate(10 ${top + plotH / 2}) rotate(-90)` }, 'Entries'),
    s('text', { x: left + plotW / 2, y: H - 4, class: 'axis-title', 'text-anchor': 'middle' }, 'Week beginning (Monday)'));
  const labelEvery = Math.max(1, Math.ceil(rows.length / 5));
  rows.forEach(([wk, v], i) => {
    const x = left + i * slot;
    const barW = Math.max(1, slot * 0.7);
    const hgt = plotH * (v / yMax);
    svg.append(s('rect', { x: x + (slot - barW) / 2, y: top + plotH - hgt, width: barW, height: hgt,
      class: v ? 'bar-now' : 'bar-now bar-zero', 'data-week': wk, 'data-count': String(v) }));
    if (i % labelEvery === 0) {
      svg.append(s('line', { x1: x + slot / 2, x2: x + slot / 2, y1: top + plotH, y2: top + plotH + 4, class: 'axis' }),
        s('text', { x: x + slot / 2, y: top + plotH + 17, class: 'tick', 'text-anchor': 'middle' }, SHORT_DATE(wk)));
    }
  });
  const figures = h('details', { class: 'chart-figures' }, h('summary', null, 'Figures per week'),
    h('ul', { class: 'week-list' }, rows.map(([wk, v]) => h('li', null, h('span', null, `Week of ${SHORT_DATE(wk)}`), h('span', { class: 'n' }, String(v))))));
  return h('figure', { class: 'weekly' }, svg, figures);
}

/** Totals by kind as stacked rows: kind on its own line, the figures under it; nothing is cut off at 360 px.
 * With a comparison, "Before" and "Now" are the two numbers the change is worked out from (the same
 * population on both sides), beside the period's own total. */
function kindRows(t: Tally): HTMLElement {
  const c = t.comparison;
  const cell = (cls: string, label: string, value: string) => h('div', { class: cls }, h('dt', null, label), h('dd', null, value));
  return h('ul', { class: 'kind-rows', 'aria-label': 'Totals by kind' }, KINDS.map((k: Kind) => h('li', { class: 'kind-row', 'data-kind': k },
    h('span', { class: 'kind-name' }, KIND_LABELS[k]),
    h('dl', { class: 'kind-figures' },
      cell('kind-total', 'This period', String(t.totals[k] ?? 0)),
      c ? [cell('kind-before', 'Before', String(c.totals[k] ?? 0)),
        cell('kind-now', 'Now', String(c.current_totals[k] ?? 0)),
        cell('kind-change', c.daily_rate ? 'Change (daily rate)' : 'Change', c.change[k]?.label ?? '')] : null))));
}

/** A refusal in the inspector's words: the population an early comparison period cannot have. */
function tallyFailure(err: unknown): HTMLElement {
  if (err instanceof ApiError && err.fields.population) {
    return h('p', { class: 'notice', role: 'alert' }, 'That comparison period starts before the operation launched, '
      + 'when it had no entries of its own: choose \u201cEvery entry in its districts\u201d.');
  }
  return failure(err);
}

export async function tallyView(params: URLSearchParams): Promise<HTMLElement> {
  const team = teamScope();
  const view = h('section', { class: 'view supervisor' }, title(team ? `${team}\u2019s entries` : 'Operation tally'));
  let ops: Operation[] = app.session?.operations ?? [];
  try { ops = await app.api.operations(); } catch { /* offline: the session's list */ }
  if (!ops.length) { view.append(h('p', null, 'No operations.')); return view; }
  const op = ops.find((o) => String(o.id) === params.get('operation')) ?? ops.find((o) => o.is_current) ?? ops[0];
  if (team) view.append(h('p', { class: 'scope-note' }, `Counts of ${team}\u2019s entries only, in ${op.name}.`));
  const ids = { op: nextId(), from: nextId(), to: nextId(), cmp: nextId(), pop: nextId(), note: nextId() };
  const asked = params.get('compare');
  const rule = COMPARE_CHOICES.some(([v]) => v === asked) ? asked! : 'previous_period';
  const opSel = h('select', { id: ids.op }, ops.map((o) => h('option', { value: String(o.id), selected: o.id === op.id || null }, o.name)));
  const from = h('input', { id: ids.from, type: 'date', value: params.get('from') ?? op.starts_on });
  const to = h('input', { id: ids.to, type: 'date', value: params.get('to') ?? localDate(new Date()) });
  const note = h('p', { id: ids.note, class: 'form-note', 'aria-live': 'polite' });
  const cmp = h('select', { id: ids.cmp, 'aria-describedby': ids.note },
    COMPARE_CHOICES.map(([v, label]) => h('option', { value: v, selected: v === rule || null }, label)));
  const askedPop = params.get('population');
  const pop = h('select', { id: ids.pop },
    h('option', { value: 'operation', selected: askedPop === 'operation' || null }, 'Only this operation\u2019s entries'),
    h('option', { value: 'districts', selected: askedPop === 'districts' || null }, 'Every entry in its districts'));
  let popChosen = askedPop === 'operation' || askedPop === 'districts';
  const popField = h('div', { class: 'field' }, h('label', { htmlFor: ids.pop }, 'Count, in both periods'), pop);
  // Before launch the operation had no entries of its own: only the districts can be compared.
  const paintPop = () => { popField.hidden = cmp.value === 'none' || cmp.value === 'before_launch'; };
  paintPop();
  pop.addEventListener('change', () => { popChosen = true; });
  cmp.addEventListener('change', () => {
    const fitted = periodFor(cmp.value, from.value, to.value);
    note.textContent = fitted.from !== from.value
      ? `${cmp.value === 'previous_month' ? 'A month is compared from its 1st' : 'A week is compared from its Monday'}: From is now ${fitted.from}.` : '';
    from.value = fitted.from;
    paintPop();
  });
  const show = h('button', { type: 'submit', class: 'primary' }, 'Show');
  const form = h('form', { class: 'tally-form', 'aria-label': 'Period' },
    h('div', { class: 'field' }, h('label', { htmlFor: ids.op }, 'Operation'), opSel),
    h('div', { class: 'two' }, h('div', { class: 'field' }, h('label', { htmlFor: ids.from }, 'From'), from),
      h('div', { class: 'field' }, h('label', { htmlFor: ids.to }, 'To'), to)),
    h('div', { class: 'field' }, h('label', { htmlFor: ids.cmp }, 'Compare with'), cmp), note, popField, show);
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    const q = new URLSearchParams({ operation: opSel.value, from: from.value, to: to.value, compare: cmp.value });
    if (popChosen && !popField.hidden) q.set('population', pop.value);
    location.hash = `#/tally?${q}`;
  });
  view.append(form);

  const q = new URLSearchParams({ from: from.value, to: to.value });
  if (rule !== 'none') q.set('compare', rule);
  if (rule !== 'none' && rule !== 'before_launch' && popChosen) q.set('population', pop.value);
  const exportQ = new URLSearchParams({ operation: String(op.id), from: from.value, to: to.value });
  try {
    const tq = new URLSearchParams(q);
    tq.set('group_by', 'kind,week');
    const t = await app.api.tally(op.id, tq);
    const c = t.comparison;
    if (c) pop.value = c.population;  // the population the server counted, whether chosen or its default
    view.append(h('p', { class: 'headline' }, t.headline), comparisonChart(t));
    if (c) {
      view.append(h('p', { class: 'legend' }, h('span', { class: 'key key-prev' }), ` ${c.period.from} to ${c.period.to}  `,
        h('span', { class: 'key key-now' }), ` ${c.current_period.from} to ${c.current_period.to}`),
      h('p', { class: 'comparison-description' }, c.description));
    }
    view.append(h('h2', null, 'Totals by kind'), kindRows(t), h('h2', null, 'Per week'), weeklyChart(t));
  } catch (err) {
    view.append(tallyFailure(err));
  }
  const tallyQ = new URLSearchParams(q);
  tallyQ.set('group_by', 'kind,area,week');
  view.append(h('h2', null, 'Export'), h('ul', { class: 'exports' },
    h('li', null, h('a', { class: 'button secondary', href: exportLinks.tallyCsv(op.id, tallyQ), download: '' }, 'Tally (CSV)')),
    h('li', null, h('a', { class: 'button secondary', href: exportLinks.recordsCsv(exportQ), download: '' }, 'All records (CSV)')),
    h('li', null, h('a', { class: 'button secondary', href: exportLinks.stopSearchesCsv(exportQ), download: '' }, 'Stop searches, police.uk layout (CSV)')),
    h('li', null, h('a', { class: 'button secondary', href: exportLinks.briefing(op.id, q), target: '_blank', rel: 'noopener' }, 'Briefing (printable)'))));
  return view;
}
