/** Drafts: what an open form holds, written on every change and offered back later. */
import type { BeatbookDB, Draft } from './db';

export type DraftValues = Draft['values'];

export const draftKey = (officerId: number, form: string) => `${officerId}:${form}`;

/**
 * Writes are chained so that the last keystroke is always the one stored, even
 * when writes of earlier keystrokes are still under way.
 */
export class DraftWriter {
  private queue: Promise<void> = Promise.resolve();
  private latest: DraftValues | null = null;

  constructor(private db: BeatbookDB, private officerId: number, private form: string, private kind: string) {}

  write(values: DraftValues): Promise<void> {
    this.latest = values;
    this.queue = this.queue.then(async () => {
      const v = this.latest;
      if (!v) return;
      this.latest = null;
      await saveDraft(this.db, this.officerId, this.form, this.kind, v);
    });
    return this.queue;
  }

  /** Wait for every write so far. */
  flush(): Promise<void> { return this.queue; }
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
  await db.delete('drafts', draftKey(officerId, form));
}

export async function clearDrafts(db: BeatbookDB, officerId: number): Promise<number> {
  const tx = db.transaction('drafts', 'readwrite');
  const keys = await tx.store.index('byOfficer').getAllKeys(officerId);
  for (const k of keys) await tx.store.delete(k);
  await tx.done;
  return keys.length;
}
