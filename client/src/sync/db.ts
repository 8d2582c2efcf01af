/** The phone's database (IndexedDB through idb). Only storage here: no network calls. */
import { openDB, type DBSchema, type IDBPDatabase } from 'idb';
import type { Entry, ShiftItem } from './types';

/** A form being filled in, kept at every keystroke so nothing typed is lost. */
export interface Draft {
  /** `${officerId}:${form}`, form being `new:<kind>` or `edit:<entry id>`. */
  key: string;
  officerId: number;
  form: string;
  kind: string;
  /** Raw control values by field name (strings; arrays for check boxes). */
  values: Record<string, string | string[]>;
  updatedAt: string;
}

/** The officer's unlock PIN: a salted PBKDF2 hash, never the PIN itself. */
export interface PinRecord {
  officerId: number;
  salt: string;
  hash: string;
  iterations: number;
  failures: number;
  /** ms since the epoch before which no attempt is taken (after repeated wrong PINs). */
  waitUntil: number;
}

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
  drafts: { key: string; value: Draft; indexes: { byOfficer: number } };
  pins: { key: number; value: PinRecord };
}

export type BeatbookDB = IDBPDatabase<BeatbookSchema>;
export const DB_NAME = 'beatbook';
export const DB_VERSION = 2;

export function openBeatbookDB(name = DB_NAME): Promise<BeatbookDB> {
  return openDB<BeatbookSchema>(name, DB_VERSION, {
    // Each step upgrades from the version before it, so a phone on any old version catches up.
    upgrade(db, oldVersion) {
      if (oldVersion < 1) {
        const entries = db.createObjectStore('entries', { keyPath: 'id' });
        entries.createIndex('byOfficerPending', ['officerId', 'pending']);
        entries.createIndex('byOfficer', 'officerId');
        const shifts = db.createObjectStore('shifts', { keyPath: 'id' });
        shifts.createIndex('byOfficerPending', ['officerId', 'pending']);
        shifts.createIndex('byOfficer', 'officerId');
        db.createObjectStore('meta');
      }
      if (oldVersion < 2) {
        const drafts = db.createObjectStore('drafts', { keyPath: 'key' });
        drafts.createIndex('byOfficer', 'officerId');
        db.createObjectStore('pins', { keyPath: 'officerId' });
      }
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
