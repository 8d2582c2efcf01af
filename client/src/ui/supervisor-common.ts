/** What the sergeant's and the inspector's screens share: where each role lands, whose entries they see. */
import { ApiError, NetworkError } from '../api';
import { app } from '../state';
import { h } from './dom';

/** Where each role starts: the sergeant on today's shifts, the force-wide roles on the tally, an officer on logging. */
export function landingHash(role: string | undefined): string {
  if (role === 'sergeant') return '#/review';
  if (role === 'inspector' || role === 'analyst' || role === 'admin') return '#/tally';
  return '#/';
}

/** A sergeant sees their own team's entries only; the screens say so. */
export function teamScope(): string | null {
  const me = app.session?.officer;
  return me?.role === 'sergeant' && me.team ? me.team : null;
}

export function failure(err: unknown): HTMLElement {
  const msg = err instanceof NetworkError ? 'No signal: this screen needs a connection.'
    : err instanceof ApiError ? err.message : 'Something went wrong.';
  return h('p', { class: 'notice', role: 'alert' }, msg);
}
