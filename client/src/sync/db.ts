/** The phone's database (IndexedDB through idb). Only storage here: no network calls. */
import { openDB, type DBSchema, type IDBPDatabase } from 'idb';
import type { Entry, ShiftItem } from './types';

export interface BeatbookSchema extends DBSchema {
  entries: {
    key: string;
    value: Entry;
    indexes: { byOfficerPending: [number, number]; byOfficer: number };
  };
  shifts: {
    key: string;
    value: ShiftItem;
    indexes: { byOfficerPending: [number, number]; byOfficer: number };
  };
  /** Small values: session, reference lists, cursors, last area, device id. */
  meta: { key: string; value: unknown };
}

export type BeatbookDB = IDBPDatabase<BeatbookSchema>;
export const DB_NAME = 'beatbook';

export function openBeatbookDB(name = DB_NAME): Promise<BeatbookDB> {
  return openDB<BeatbookSchema>(name, 1, {
    upgrade(db) {
      const entries = db.createObjectStore('entries', { keyPath: 'id' });
      entries.createIndex('byOfficerPending', ['officerId', 'pending']);
      entries.createIndex('byOfficer', 'officerId');
      const shifts = db.createObjectStore('shifts', { keyPath: 'id' });
      shifts.createIndex('byOfficerPending', ['officerId', 'pending']);
      shifts.createIndex('byOfficer', 'officerId');
      db.createObjectStore('meta');
    },
  });
}

export async function getMeta<T>(db: BeatbookDB, key: string): Promise<T | undefined> {
  return (await db.get('meta', key)) as T | undefined;
}

export async function setMeta(db: BeatbookDB, key: string, value: unknown): Promise<void> {
  await db.put('meta', value, key);
}

export async function deleteMeta(db: BeatbookDB, key: string): Promise<void> {
  await db.delete('meta', key);
}

/** A stable id for this install, sent as device_id. */
export async function deviceId(db: BeatbookDB): Promise<string> {
  let id = await getMeta<string>(db, 'deviceId');
  if (!id) {
    id = crypto.randomUUID();
    await setMeta(db, 'deviceId', id);
  }
  return id;
}
