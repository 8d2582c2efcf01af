/** Drafts: what an open form holds, written on every change and offered back later. */
import type { BeatbookDB, Draft } from './db';

export type DraftValues = Draft['values'];

export const draftKey = (officerId: number, form: string) => `${officerId}:${form}`;

/**
 * Every change is written at once, with no queue of its own: IndexedDB runs
 * read-write transactions on one store in the order they were made, so the
 * last keystroke is the one stored, and a reload right after it finds it.
 */
export class DraftWriter {
  private last: Promise<void> = Promise.resolve();

  constructor(private db: BeatbookDB, private officerId: number, private form: string, private kind: string) {}

  write(values: DraftValues): Promise<void> {
    this.last = saveDraft(this.db, this.officerId, this.form, this.kind, values).then(() => undefined);
    return this.last;
  }

  /** Wait for every write so far (the last one finishes after all earlier ones). */
  flush(): Promise<void> { return this.last.catch(() => undefined); }
}

export async function saveDraft(db: BeatbookDB, officerId: number, form: string, kind: string,
                                values: DraftValues): Promise<Draft> {
  const draft: Draft = { key: draftKey(officerId, form), officerId, form, kind, values, updatedAt: new Date().toISOString() };
  await db.put('drafts', draft);
  return draft;
}

export async function getDraft(db: BeatbookDB, officerId: number, form: string): Promise<Draft | undefined> {
  return db.get('drafts', draftKey(officerId, form));
}

/** This officer's drafts, newest first (another officer's are never listed). */
export async function listDrafts(db: BeatbookDB, officerId: number): Promise<Draft[]> {
  const all = await db.getAllFromIndex('drafts', 'byOfficer', officerId);
  return all.sort((a, b) => b.updatedAt.localeCompare(a.updatedAt));
}

export async function deleteDraft(db: BeatbookDB, officerId: number, form: string): Promise<void> {
  dropRescue((r) => r.officerId === officerId && r.form === form);
  await db.delete('drafts', draftKey(officerId, form));
}

export async function clearDrafts(db: BeatbookDB, officerId: number): Promise<number> {
  dropRescue((r) => r.officerId === officerId);
  const tx = db.transaction('drafts', 'readwrite');
  const keys = await tx.store.index('byOfficer').getAllKeys(officerId);
  for (const k of keys) await tx.store.delete(k);
  await tx.done;
  return keys.length;
}

/**
 * A reload right after a keystroke can end the page before IndexedDB commits
 * (a write takes a few ms). On the way out the last values are also put in
 * localStorage, which writes at once; the next start moves them back into
 * IndexedDB and deletes them.
 */
const RESCUE = 'beatbook-draft-rescue';
type Rescued = { officerId: number; form: string; kind: string; values: DraftValues; updatedAt: string };

function dropRescue(match: (r: Rescued) => boolean): void {
  try {
    const raw = globalThis.localStorage?.getItem(RESCUE);
    if (raw && match(JSON.parse(raw) as Rescued)) localStorage.removeItem(RESCUE);
  } catch { /* nothing to drop */ }
}

export function rescueDraft(officerId: number, form: string, kind: string, values: DraftValues): void {
  try {
    globalThis.localStorage?.setItem(RESCUE, JSON.stringify({ officerId, form, kind, values, updatedAt: new Date().toISOString() }));
  } catch { /* storage full or blocked: the IndexedDB copy stands */ }
}

export async function restoreRescuedDraft(db: BeatbookDB): Promise<void> {
  let raw: string | null = null;
  try { raw = globalThis.localStorage?.getItem(RESCUE) ?? null; } catch { return; }
  if (!raw) return;
  try {
    const r = JSON.parse(raw) as Rescued;
    const stored = await getDraft(db, r.officerId, r.form);
    if (!stored || stored.updatedAt <= r.updatedAt) {
      await db.put('drafts', { key: draftKey(r.officerId, r.form), officerId: r.officerId, form: r.form, kind: r.kind,
        values: r.values, updatedAt: r.updatedAt });
    }
  } catch { /* a damaged copy: the IndexedDB one stands */ }
  localStorage.removeItem(RESCUE);
}
