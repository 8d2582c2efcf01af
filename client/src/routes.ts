/**
 * The route table: which screen each hash shows, and who may open it. `#/<path>/<rest>?<query>`;
 * the first route whose path and check match wins, else the role's home. A new screen is one line in
 * ROUTES (and one in NAV if the bar links to it).
 */
import { app, canLog, canReview, canSeeTally } from './state';
import type { Kind } from './sync/types';
import { KINDS } from './sync/types';
import { accountSection, adminScreen, passwordScreen, rosterScreen } from './ui/admin';
import { entryForm, HEADINGS, loadEntryForEdit } from './ui/form';
import { h } from './ui/dom';
import { page, type Screen, type ScreenContext, still } from './ui/screen';
import { shiftsView, shiftTallyView, tallyView } from './ui/supervisor';
import { entryDetail, homeView, moreView, title, todayView } from './ui/views';

export interface RouteArgs {
  /** The path after the route's own segment, e.g. ['stop_search'] for #/log/stop_search. */
  rest: string[];
  params: URLSearchParams;
}

export interface Route {
  path: string;
  /** Who may open it, and whether the rest of the path makes sense; absent: every signed-in user. */
  allowed?: (args: RouteArgs) => boolean;
  screen: (ctx: ScreenContext, args: RouteArgs) => Promise<Screen>;
}

async function logScreen(ctx: ScreenContext, { rest }: RouteArgs): Promise<Screen> {
  const kind = rest[0] as Kind;
  const form = await entryForm(kind, ctx);
  return { ...form, el: h('section', { class: 'view' }, title(HEADINGS[kind]), form.el) };
}

async function entryScreen(ctx: ScreenContext, { rest }: RouteArgs): Promise<Screen> {
  const entry = await loadEntryForEdit(rest[0]);
  return entry ? entryDetail(entry, ctx)
    : { el: h('section', { class: 'view' }, title('Not found'), h('p', null, 'No such entry on this phone.')) };
}

/** The tally and a shift's review hold what the user asked or is doing: never redrawn by the phone's own data. */
const tally = async (_: ScreenContext, { params }: RouteArgs) => still(await tallyView(params));

export const ROUTES: Route[] = [
  { path: 'log', allowed: ({ rest }) => canLog() && KINDS.includes(rest[0] as Kind), screen: logScreen },
  { path: 'entry', allowed: ({ rest }) => !!rest[0], screen: entryScreen },
  { path: 'today', screen: (ctx) => todayView(ctx) },
  { path: 'more', screen: (ctx) => moreView(ctx, accountSection()) },
  { path: 'review', allowed: canReview, screen: async (_, { rest, params }) => (rest[0]
    ? still(await shiftTallyView(rest[0])) : page(await shiftsView(params.get('date') ?? undefined))) },
  { path: 'tally', allowed: canSeeTally, screen: tally },
  { path: 'password', screen: passwordScreen },
  { path: 'roster', allowed: () => isRole('sergeant', 'admin'), screen: rosterScreen },
  { path: 'admin', allowed: () => isRole('admin'), screen: adminScreen },
];

/** The navigation bar's links, in order, and who sees each. */
export const NAV: { href: string; label: string; shown?: () => boolean }[] = [
  { href: '#/', label: 'Home', shown: canLog },
  { href: '#/today', label: 'Today', shown: canLog },
  { href: '#/review', label: 'Review', shown: canReview },
  { href: '#/tally', label: 'Tally', shown: canSeeTally },
  { href: '#/admin', label: 'Admin', shown: () => isRole('admin') },
  { href: '#/more', label: 'More' },
];

/** No route matched: an officer's home, else the tally. */
export const HOME: Route = { path: '', screen: (ctx, args) => (canLog() ? homeView(ctx) : tally(ctx, args)) };

function isRole(...roles: string[]): boolean {
  return roles.includes(app.session?.officer.role ?? '');
}

/** Signed in with a one-time password: every link leads to the password screen until it is changed. */
function passwordFirst(): boolean {
  return !!app.session?.officer.must_change_password;
}

const PASSWORD_FIRST: Route = { path: 'password', screen: passwordScreen };

export function findRoute(path: string, args: RouteArgs): Route {
  if (passwordFirst()) return PASSWORD_FIRST;
  return ROUTES.find((r) => r.path === path && (!r.allowed || r.allowed(args))) ?? HOME;
}
