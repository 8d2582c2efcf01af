/** Running the force's Beatbook: officers, teams, operations and the audit trail (the administrator),
 * the sergeant's read-only team roster, and every officer's own password. */
import './admin.css';
import { AdminApi, ApiError, type AuditEntry, type NewPassword, type OperationBody, type RosterOfficer, type Team } from '../api';
import { setMeta } from '../sync/db';
import type { Operation } from '../sync/types';
import { app } from '../state';
import { announce, dateTimeOf, h, localDate, nextId, replace } from './dom';
import type { RouteArgs } from '../routes';
import { type Screen, type ScreenContext, still } from './screen';
import { landingHash } from './supervisor-common';

const ROLES = ['officer', 'sergeant', 'inspector', 'analyst', 'admin'] as const;
const ROLE_WORDS: Record<string, string> = {
  officer: 'Officer', sergeant: 'Sergeant', inspector: 'Inspector', analyst: 'Analyst', admin: 'Administrator',
};
const MIN_PASSWORD = 12;

/** app.api exists only once the app has booted. */
const api = () => new AdminApi(app.api);

// ---------------------------------------------------------------- the screens the route table shows
// Each holds a form or what the server answered: never redrawn by the phone's own syncing.

export async function passwordScreen(ctx: ScreenContext): Promise<Screen> {
  return still(passwordView(ctx));
}

export async function rosterScreen(): Promise<Screen> {
  return still(await rosterView());
}

/** #/admin/<tab>/<id>: officers (the default), teams, operations, audit. */
export async function adminScreen(ctx: ScreenContext, { rest, params }: RouteArgs): Promise<Screen> {
  const [tab, id] = rest;
  try {
    if (tab === 'officers' && id) return still(await officerView(Number(id), ctx));
    if (tab === 'teams') return still(await teamsView(ctx));
    if (tab === 'operations' && id) return still(await operationView(Number(id), ctx));
    if (tab === 'operations') return still(await operationsView(ctx));
    if (tab === 'audit') return still(await auditView(params));
    return still(await officersView());
  } catch (err) {
    return still(screen('Administration', adminTabs(), problem(err)));
  }
}

/** The More screen's account section: the password, and the roster or administration for those who have them. */
export function accountSection(): HTMLElement {
  const role = app.session?.officer.role;
  return h('div', { class: 'account' },
    h('h2', null, 'Your account'),
    h('p', null, h('a', { href: '#/password', id: 'change-password', class: 'text-link' }, 'Change your password')),
    role === 'sergeant' ? h('p', null, h('a', { href: '#/roster', id: 'team-roster', class: 'text-link' }, 'Your team roster')) : null,
    role === 'admin' ? h('p', null, h('a', { href: '#/admin', class: 'text-link' }, 'Administration')) : null);
}

// ---------------------------------------------------------------- small parts

function screen(heading: string, ...children: (HTMLElement | null)[]): HTMLElement {
  return h('section', { class: 'view admin' }, h('h1', { id: 'view-title', tabindex: '-1' }, heading), children);
}

function adminTabs(): HTMLElement {
  const current = location.hash.split('/')[2] ?? 'officers';
  const tabs: [string, string][] = [['officers', 'Officers'], ['teams', 'Teams'], ['operations', 'Operations'], ['audit', 'Audit trail']];
  return h('nav', { class: 'admin-tabs', 'aria-label': 'Administration' }, h('ul', null, tabs.map(([key, text]) =>
    h('li', null, h('a', { href: `#/admin/${key}`, id: `admin-tab-${key}`,
      'aria-current': (current.split('?')[0] || 'officers') === key ? 'page' : null }, text)))));
}

function problem(err: unknown): HTMLElement {
  const text = err instanceof ApiError ? err.message : 'No connection to the server: try again with signal.';
  return h('p', { class: 'field-error', role: 'alert' }, text);
}

interface FieldSpec {
  name: string; label: string; type?: string; value?: string; required?: boolean; hint?: string;
  options?: [string, string][]; autocomplete?: string;
}

function field(spec: FieldSpec): HTMLElement {
  const id = nextId('adm');
  const described = `${id}-error${spec.hint ? ` ${id}-hint` : ''}`;
  const input = spec.options
    ? h('select', { id, name: spec.name, required: spec.required ?? false, 'aria-describedby': described },
      spec.options.map(([value, label]) => h('option', { value, selected: value === (spec.value ?? '') }, label)))
    : h('input', { id, name: spec.name, type: spec.type ?? 'text', value: spec.value ?? '', required: spec.required ?? false,
      autocomplete: spec.autocomplete ?? 'off', 'aria-describedby': described });
  return h('div', { class: 'field', 'data-field': spec.name },
    h('label', { htmlFor: id }, spec.label),
    spec.hint ? h('p', { class: 'hint', id: `${id}-hint` }, spec.hint) : null,
    input, h('p', { class: 'field-error', id: `${id}-error` }));
}

function values(form: HTMLFormElement): Record<string, string> {
  const out: Record<string, string> = {};
  form.querySelectorAll<HTMLInputElement | HTMLSelectElement>('input, select').forEach((el) => { out[el.name] = el.value; });
  return out;
}

/** Show the server's field errors beside the fields they name (target_areas.0 goes to target_areas). */
function showErrors(form: HTMLFormElement, err: unknown): void {
  form.querySelectorAll('.field').forEach((f) => {
    f.classList.remove('has-error');
    f.querySelector('.field-error')!.textContent = '';
    f.querySelector('input, select')?.removeAttribute('aria-invalid');
  });
  const summary = form.querySelector<HTMLElement>('.form-error')!;
  summary.textContent = '';
  if (!(err instanceof ApiError)) { summary.textContent = 'No connection to the server: nothing was changed.'; return; }
  let placed = false;
  for (const [name, messages] of Object.entries(err.fields)) {
    const box = form.querySelector<HTMLElement>(`.field[data-field="${name.split('.')[0]}"]`);
    if (!box) continue;
    box.classList.add('has-error');
    box.querySelector('.field-error')!.textContent = messages.join(' ');
    const input = box.querySelector<HTMLElement>('input, select');
    input?.setAttribute('aria-invalid', 'true');
    if (!placed) input?.focus();
    placed = true;
  }
  summary.textContent = err.message;
}

/** A form that sends itself: submit() answers, or throws an ApiError shown beside its fields. */
function apiForm(cls: string, fields: HTMLElement[], button: string, submit: (v: Record<string, string>) => Promise<void>): HTMLFormElement {
  const send = h('button', { type: 'submit', class: 'primary' }, button);
  const form = h('form', { class: `admin-form ${cls}`, novalidate: true }, fields,
    h('p', { class: 'field-error form-error', role: 'alert' }), send);
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    send.disabled = true;
    try {
      await submit(values(form));
    } catch (err) {
      showErrors(form, err);
    } finally {
      send.disabled = false;
    }
  });
  return form;
}

function oneTimePassword(r: NewPassword): HTMLElement {
  return h('div', { class: 'card one-time', role: 'status' },
    h('p', null, `One-time password for ${r.officer.display_name} (${r.officer.shoulder_number}):`),
    h('p', { class: 'otp', id: 'one-time-password' }, r.one_time_password),
    h('p', { class: 'hint' }, 'Shown this once: hand it over in person. They choose their own at their first sign-in.'));
}

const teamOptions = (teams: Team[], none = false): [string, string][] =>
  [...(none ? [['', 'No team (force-wide role)'] as [string, string]] : []), ...teams.map((t) => [t.name, t.name] as [string, string])];

function officerRow(o: RosterOfficer, link: boolean): HTMLElement {
  const name = `${o.display_name} (${o.shoulder_number})`;
  return h('li', { class: `card roster-item${o.active ? '' : ' inactive'}`, 'data-officer': o.shoulder_number },
    link ? h('a', { href: `#/admin/officers/${o.id}`, class: 'text-link' }, name) : h('strong', null, name),
    h('p', { class: 'hint' }, [ROLE_WORDS[o.role] ?? o.role, o.team ?? 'no team',
      o.active ? null : 'deactivated', o.must_change_password ? 'has a one-time password' : null].filter(Boolean).join(' · ')));
}

// ---------------------------------------------------------------- the officer's own password

function passwordView(ctx: ScreenContext): HTMLElement {
  const must = !!app.session?.officer.must_change_password;
  const form = apiForm('password-form', [
    field({ name: 'current_password', label: must ? 'One-time password' : 'Current password', type: 'password',
      autocomplete: 'current-password', required: true }),
    field({ name: 'new_password', label: 'New password', type: 'password', autocomplete: 'new-password', required: true,
      hint: `At least ${MIN_PASSWORD} characters. A few unrelated words work well; not a common password, nor your name or number.` }),
    field({ name: 'repeat', label: 'New password again', type: 'password', autocomplete: 'new-password', required: true }),
  ], 'Change password', async (v) => {
    if (v.new_password !== v.repeat) {
      throw new ApiError(422, 'validation_error', 'The two new passwords differ.', { repeat: ['Type the same new password twice.'] });
    }
    const r = await api().changePassword(v.current_password, v.new_password);
    if (app.session) {
      app.session = { ...app.session, officer: { ...app.session.officer, must_change_password: false } };
      await setMeta(app.db, 'session', app.session);
    }
    announce(r.other_sessions_ended ? 'Password changed; you were logged out everywhere else.' : 'Password changed.');
    location.hash = landingHash(app.session?.officer.role);
    ctx.rerender();
    void ctx.sendNow();
  });
  return screen(must ? 'Choose your password' : 'Change your password',
    must ? h('p', { id: 'must-change' }, 'You signed in with a one-time password. Choose your own before you go on.')
      : h('p', null, 'Changing it logs you out on every other phone and computer.'),
    form);
}

// ---------------------------------------------------------------- the sergeant's roster

async function rosterView(): Promise<HTMLElement> {
  try {
    const officers = await api().officers();
    return screen(`Roster: ${app.session?.officer.team ?? 'all teams'}`,
      h('p', { class: 'hint' }, 'Who is in your team now. Changes are made by the administrator.'),
      h('ul', { class: 'roster' }, officers.map((o) => officerRow(o, false))));
  } catch (err) {
    return screen('Roster', problem(err));
  }
}

// ---------------------------------------------------------------- officers

async function officersView(): Promise<HTMLElement> {
  const [officers, teams] = await Promise.all([api().officers(),
    api().teams()]);
  const result = h('div', { class: 'result', 'aria-live': 'polite' });
  const list = h('ul', { class: 'roster' }, officers.map((o) => officerRow(o, true)));
  const form = apiForm('officer-form', [
    field({ name: 'shoulder_number', label: 'Shoulder number', required: true, hint: 'Letters then digits, e.g. PC2401.' }),
    field({ name: 'display_name', label: 'Name as shown', required: true, hint: 'e.g. PC Jo Bloggs' }),
    field({ name: 'role', label: 'Role', required: true, value: 'officer', options: ROLES.map((r) => [r, ROLE_WORDS[r]]) }),
    field({ name: 'team', label: 'Team', options: teamOptions(teams, true), value: teams[0]?.name ?? '' }),
  ], 'Create officer', async (v) => {
    const r = await api().createOfficer(
      { shoulder_number: v.shoulder_number, display_name: v.display_name, role: v.role, team: v.team || null });
    replace(result, oneTimePassword(r));
    list.prepend(officerRow(r.officer, true));
    form.reset();
    announce(`${r.officer.shoulder_number} created.`);
  });
  return screen('Administration', adminTabs(),
    h('h2', null, 'New officer'),
    teams.length ? null : h('p', { class: 'hint' }, 'Create a team first (Teams) for officers and sergeants.'),
    form, result,
    h('h2', null, `Officers (${officers.length})`), list);
}

async function officerView(id: number, ctx: ScreenContext): Promise<HTMLElement> {
  const [o, teams] = await Promise.all([api().officer(id),
    api().teams()]);
  const again = () => ctx.rerender();
  const result = h('div', { class: 'result', 'aria-live': 'polite' });
  const edit = apiForm('edit-officer', [
    field({ name: 'shoulder_number', label: 'Shoulder number', value: o.shoulder_number, required: true }),
    field({ name: 'display_name', label: 'Name as shown', value: o.display_name, required: true }),
    field({ name: 'role', label: 'Role', value: o.role, options: ROLES.map((r) => [r, ROLE_WORDS[r]]) }),
  ], 'Save changes', async (v) => {
    await api().updateOfficer(id, v);
    announce('Saved.');
    again();
  });
  const move = apiForm('move-officer', [
    field({ name: 'team', label: 'New team', options: teamOptions(teams), value: teams.find((t) => t.name !== o.team)?.name }),
    field({ name: 'starts_on', label: 'From', type: 'date', value: localDate(new Date()), required: true,
      hint: 'Their entries stay with the team they were logged under.' }),
  ], 'Move', async (v) => {
    await api().moveOfficer(id, { team: v.team, starts_on: v.starts_on });
    announce('Moved.');
    again();
  });
  const toggle = h('button', { type: 'button', class: o.active ? 'danger' : 'secondary', id: 'toggle-active' },
    o.active ? 'Deactivate' : 'Reactivate');
  toggle.addEventListener('click', async () => {
    try {
      await api().setActive(id, !o.active);
      announce(o.active ? 'Deactivated: signed out everywhere.' : 'Reactivated.');
      again();
    } catch (err) { replace(result, problem(err)); }
  });
  const reset = h('button', { type: 'button', class: 'secondary', id: 'reset-password' }, 'Reset password');
  reset.addEventListener('click', async () => {
    try {
      replace(result, oneTimePassword(await api().resetPassword(id)));
    } catch (err) { replace(result, problem(err)); }
  });
  return screen(`${o.display_name} (${o.shoulder_number})`, adminTabs(),
    h('p', null, `${ROLE_WORDS[o.role] ?? o.role}, ${o.team ?? 'no team'}${o.active ? '' : ', deactivated'}`),
    h('h2', null, 'Details'), edit,
    h('h2', null, 'Team'),
    h('ul', { class: 'history' }, o.teams.map((m) => h('li', null, `${m.team}: ${m.starts_on} to ${m.ends_on ?? 'now'}`))),
    teams.length ? move : null,
    h('h2', null, 'Access'),
    h('p', { class: 'hint' }, 'Deactivating ends every session of theirs at once; resetting gives a one-time password.'),
    h('p', { class: 'actions' }, toggle, ' ', reset), result);
}

// ---------------------------------------------------------------- teams

async function teamsView(ctx: ScreenContext): Promise<HTMLElement> {
  const teams = await api().teams();
  const form = apiForm('team-form', [field({ name: 'name', label: 'Team name', required: true, hint: 'e.g. West Team 4' })],
    'Create team', async (v) => {
      await api().createTeam(v.name);
      announce(`Team ${v.name} created.`);
      ctx.rerender();
    });
  return screen('Administration', adminTabs(), h('h2', null, 'New team'), form,
    h('h2', null, `Teams (${teams.length})`),
    h('ul', { class: 'teams' }, teams.map((t) => h('li', { class: 'card' }, h('strong', null, t.name),
      ` ${t.officers} active ${t.officers === 1 ? 'officer' : 'officers'}`))));
}

// ---------------------------------------------------------------- operations

function operationFields(op?: Operation): HTMLElement[] {
  return [
    field({ name: 'name', label: 'Name', value: op?.name, required: true, hint: 'e.g. Operation Revive' }),
    field({ name: 'local_policing_area', label: 'Force area', value: op?.local_policing_area, required: true, hint: 'e.g. West' }),
    field({ name: 'target_areas', label: 'Target postcode districts', value: op?.target_areas.join(', '), required: true,
      hint: 'The first half of a postcode, separated by commas: NN3, NN5' }),
    field({ name: 'starts_on', label: 'Starts', type: 'date', value: op?.starts_on ?? localDate(new Date()), required: true }),
    field({ name: 'ends_on', label: 'Ends (leave empty while it runs)', type: 'date', value: op?.ends_on ?? '' }),
  ];
}

function operationBody(v: Record<string, string>): OperationBody {
  return { name: v.name, local_policing_area: v.local_policing_area, starts_on: v.starts_on, ends_on: v.ends_on || null,
    target_areas: v.target_areas.split(/[\s,;]+/).filter(Boolean) };
}

async function operationsView(ctx: ScreenContext): Promise<HTMLElement> {
  const ops = await app.api.operations();
  const form = apiForm('operation-form', operationFields(), 'Open operation', async (v) => {
    const op = await api().openOperation(operationBody(v));
    announce(`${op.name} opened.`);
    ctx.rerender();
  });
  return screen('Administration', adminTabs(), h('h2', null, 'Open an operation'), form,
    h('h2', null, `Operations (${ops.length})`),
    h('ul', { class: 'operations' }, ops.map((op) => h('li', { class: 'card', 'data-operation': op.slug },
      h('a', { href: `#/admin/operations/${op.id}`, class: 'text-link' }, op.name),
      h('p', { class: 'hint' }, `${op.local_policing_area} · ${op.target_areas.join(', ')} · ${op.starts_on} to ${op.ends_on ?? 'open'}`)))));
}

async function operationView(id: number, ctx: ScreenContext): Promise<HTMLElement> {
  const op = await api().operation(id);
  const result = h('div', { class: 'result', 'aria-live': 'polite' });
  const form = apiForm('edit-operation', operationFields(op), 'Save changes', async (v) => {
    await api().updateOperation(id, operationBody(v));
    announce('Saved.');
    ctx.rerender();
  });
  const close = h('button', { type: 'button', class: 'danger', id: 'close-operation' }, 'Close today');
  close.addEventListener('click', async () => {
    try {
      await api().closeOperation(id);
      announce(`${op.name} closed.`);
      ctx.rerender();
    } catch (err) { replace(result, problem(err)); }
  });
  return screen(op.name, adminTabs(), form,
    op.ends_on ? null : h('p', null, close), result);
}

// ---------------------------------------------------------------- the audit trail

const ACTION_WORDS: Record<string, string> = {
  officer_created: 'created officer', officer_changed: 'changed officer', officer_moved: 'moved officer',
  officer_deactivated: 'deactivated', officer_reactivated: 'reactivated', password_reset: 'reset the password of',
  password_changed: 'changed their own password', team_created: 'created team', operation_opened: 'opened operation',
  operation_changed: 'changed operation', operation_closed: 'closed operation',
};

function changes(e: AuditEntry): string {
  if (!e.before || !e.after) return '';
  return Object.keys(e.after).filter((k) => JSON.stringify(e.before![k]) !== JSON.stringify(e.after![k]))
    .map((k) => `${k}: ${JSON.stringify(e.before![k] ?? null)} → ${JSON.stringify(e.after![k])}`).join('; ');
}

async function auditView(params: URLSearchParams): Promise<HTMLElement> {
  const query = new URLSearchParams();
  for (const key of ['officer', 'operation', 'from', 'to', 'page']) {
    const v = params.get(key);
    if (v) query.set(key, v);
  }
  query.set('per_page', '50');
  const page = await api().audit(query);
  const form = apiForm('audit-filter', [
    field({ name: 'officer', label: 'Officer id', value: params.get('officer') ?? '' }),
    field({ name: 'operation', label: 'Operation id', value: params.get('operation') ?? '' }),
    field({ name: 'from', label: 'From', type: 'date', value: params.get('from') ?? '' }),
    field({ name: 'to', label: 'To', type: 'date', value: params.get('to') ?? '' }),
  ], 'Filter', async (v) => {
    const next = new URLSearchParams(Object.entries(v).filter(([, x]) => x));
    location.hash = `#/admin/audit?${next}`;
  });
  const pages = Math.max(1, Math.ceil(page.total / page.per_page));
  const to = (n: number) => { const q = new URLSearchParams(params); q.set('page', String(n)); return `#/admin/audit?${q}`; };
  return screen('Administration', adminTabs(), h('h2', null, 'Audit trail'), form,
    h('p', null, `${page.total} ${page.total === 1 ? 'change' : 'changes'}, newest first. Page ${page.page} of ${pages}.`),
    h('ul', { class: 'audit' }, page.items.map((e) => h('li', { class: 'card' },
      h('p', null, h('strong', null, dateTimeOf(e.at)), ` ${e.actor.display_name} ${ACTION_WORDS[e.action] ?? e.action} `,
        e.officer ? `${e.officer.display_name} (${e.officer.shoulder_number})` : '',
        e.team && !e.officer ? e.team : '', e.operation_id ? `#${e.operation_id}` : ''),
      changes(e) ? h('p', { class: 'hint' }, changes(e)) : null))),
    h('p', { class: 'actions' },
      page.page > 1 ? h('a', { href: to(page.page - 1), class: 'text-link' }, 'Newer') : null,
      page.page < pages ? h('a', { href: to(page.page + 1), class: 'text-link' }, 'Older') : null));
}
