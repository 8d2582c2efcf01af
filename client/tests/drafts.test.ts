import 'fake-indexeddb/auto';
import { IDBFactory } from 'fake-indexeddb';
import { openDB } from 'idb';
import { beforeEach, describe, expect, it } from 'vitest';
import { openBeatbookDB, type BeatbookDB } from '../src/sync/db';
import {
  clearDrafts, deleteDraft, DraftWriter, getDraft, listDrafts, rescueDraft, restoreRescuedDraft, saveDraft,
} from '../src/sync/drafts';

let db: BeatbookDB;

beforeEach(async () => {
  globalThis.indexedDB = new IDBFactory();
  db = await openBeatbookDB();
});

describe('drafts', () => {
  it('keeps the last keystroke when writes overlap', async () => {
    const w = new DraftWriter(db, 7, 'new:stop_search', 'stop_search');
    for (const text of ['B', 'Bl', 'Blu', 'Blue', 'Blue c', 'Blue car']) void w.write({ notes: text });
    await w.flush();
    expect((await getDraft(db, 7, 'new:stop_search'))?.values).toEqual({ notes: 'Blue car' });
  });

  it('survives closing and reopening the database (a reload or a killed tab)', async () => {
    await saveDraft(db, 7, 'new:arrest', 'arrest', { custody_reference: 'NN/123', offence_category: 'robbery' });
    db.close();
    db = await openBeatbookDB();
    const d = await getDraft(db, 7, 'new:arrest');
    expect(d?.values.custody_reference).toBe('NN/123');
    expect(d?.kind).toBe('arrest');
  });

  it('lists only the officer\u2019s own drafts, and clears them on logout', async () => {
    await saveDraft(db, 7, 'new:arrest', 'arrest', { notes: 'mine' });
    await saveDraft(db, 7, 'edit:abc', 'stop_search', { notes: 'mine too' });
    await saveDraft(db, 8, 'new:arrest', 'arrest', { notes: 'theirs' });
    expect((await listDrafts(db, 7)).map((d) => d.form).sort()).toEqual(['edit:abc', 'new:arrest']);
    expect(await getDraft(db, 8, 'new:arrest')).toBeDefined();
    await deleteDraft(db, 7, 'edit:abc');
    expect((await listDrafts(db, 7)).map((d) => d.form)).toEqual(['new:arrest']);
    expect(await clearDrafts(db, 7)).toBe(1);
    expect(await listDrafts(db, 7)).toEqual([]);
    expect((await listDrafts(db, 8)).length).toBe(1);
  });

  it('upgrades a version-1 phone without losing its entries', async () => {
    globalThis.indexedDB = new IDBFactory();
    const v1 = await openDB('beatbook', 1, {
      upgrade(d) {
        const e = d.createObjectStore('entries', { keyPath: 'id' });
        e.createIndex('byOfficerPending', ['officerId', 'pending']);
        e.createIndex('byOfficer', 'officerId');
        const s = d.createObjectStore('shifts', { keyPath: 'id' });
        s.createIndex('byOfficerPending', ['officerId', 'pending']);
        s.createIndex('byOfficer', 'officerId');
        d.createObjectStore('meta');
      },
    });
    await v1.put('entries', { id: 'e1', officerId: 7, pending: 1 });
    await v1.put('meta', 'dev-1', 'deviceId');
    v1.close();
    const up = await openBeatbookDB();
    expect((await up.get('entries', 'e1'))?.officerId).toBe(7);
    expect(await up.get('meta', 'deviceId')).toBe('dev-1');
    await saveDraft(up, 7, 'new:arrest', 'arrest', { notes: 'x' });
    expect((await listDrafts(up, 7)).length).toBe(1);
  });
});

describe('the copy kept on the way out', () => {
  const store = new Map<string, string>();
  beforeEach(() => {
    store.clear();
    (globalThis as unknown as { localStorage: Storage }).localStorage = {
      getItem: (k: string) => store.get(k) ?? null, setItem: (k: string, v: string) => void store.set(k, v),
      removeItem: (k: string) => void store.delete(k), clear: () => store.clear(), key: () => null, length: 0,
    } as Storage;
  });

  it('brings back keystrokes IndexedDB had no time to commit, once', async () => {
    await saveDraft(db, 7, 'new:stop_search', 'stop_search', { notes: 'Blue' });
    rescueDraft(7, 'new:stop_search', 'stop_search', { notes: 'Blue car, two men' });
    await restoreRescuedDraft(db);
    expect((await getDraft(db, 7, 'new:stop_search'))?.values.notes).toBe('Blue car, two men');
    expect(store.size).toBe(0);
  });

  it('is dropped when the entry is saved, so a saved form never comes back', async () => {
    rescueDraft(7, 'new:arrest', 'arrest', { notes: 'saved already' });
    await deleteDraft(db, 7, 'new:arrest');
    await restoreRescuedDraft(db);
    expect(await getDraft(db, 7, 'new:arrest')).toBeUndefined();
  });
});
