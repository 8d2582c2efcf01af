/** The app's state in one place (database, API, session, value lists) and who may do what. */
import { Api, NetworkError, type Lists } from './api';
import { KIND_WORDS } from './rules';
import { getMeta, setMeta, type BeatbookDB } from './sync/db';
import type { SyncEngine } from './sync/engine';
import type { Kind, Operation, Session } from './sync/types';

export type { Lists, Option } from './api';

export interface AppState {
  db: BeatbookDB;
  api: Api;
  engine: SyncEngine | null;
  session: Session | null;
  /** The server said 401: the officer must log in again before anything is sent. */
  needsLogin: boolean;
  reference: Lists | null;
  persisted: boolean | null;
  /** The lock screen is up: nothing is shown until the PIN is given. */
  locked: boolean;
}

export const app = {} as AppState;

/** The kinds in the users' words, as the server names them. */
export const KIND_LABELS: Record<Kind, string> = KIND_WORDS;

export function officerId(): number | null {
  return app.session?.officer.id ?? null;
}

export function canLog(): boolean {
  const r = app.session?.officer.role;
  return r === 'officer' || r === 'sergeant' || r === 'inspector';
}

export function canReview(): boolean {
  const r = app.session?.officer.role;
  return r === 'sergeant' || r === 'inspector';
}

export function canSeeTally(): boolean {
  const r = app.session?.officer.role;
  return r === 'inspector' || r === 'analyst' || r === 'admin' || r === 'sergeant';
}

export async function currentOperation(): Promise<Operation | null> {
  const ops = app.session?.operations ?? [];
  if (!ops.length) return null;
  const chosen = await getMeta<number>(app.db, `operation:${officerId()}`);
  return ops.find((o) => o.id === chosen) ?? ops[0];
}

export async function chooseOperation(id: number): Promise<void> {
  await setMeta(app.db, `operation:${officerId()}`, id);
}

/** Value lists: from the server when online, else the copy kept on the phone, else the bundled copy. */
export async function loadReference(refresh = false): Promise<Lists> {
  if (app.reference && !refresh) return app.reference;
  if (refresh) {
    try {
      const r = await app.api.reference();
      await setMeta(app.db, 'reference', r.lists);
      app.reference = r.lists;
      return r.lists;
    } catch (err) {
      if (!(err instanceof NetworkError)) console.warn('reference lists', err);
    }
  }
  const stored = await getMeta<Lists>(app.db, 'reference');
  if (stored) return (app.reference = stored);
  const fallback = await import('./reference-fallback.json');
  return (app.reference = (fallback.default as { lists: Lists }).lists);
}

export function labelFor(list: string, value: unknown): string {
  const found = app.reference?.[list]?.find((o) => o.value === value);
  return found ? found.label : value == null ? '' : String(value);
}
