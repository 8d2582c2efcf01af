/**
 * The outbox: entries and shifts are written here at once and stay until the
 * server acknowledges them. Every function is one IndexedDB transaction and
 * never touches the network (a transaction would auto-commit across an await
 * on fetch, so network calls happen only between these functions).
 */
import type { BeatbookDB } from './db';
import {
  contentOf, stateForStatus, type Entry, type ItemResult, type Kind, type Payload,
  type ShiftItem, type SyncResponse,
} from './types';

export const MAX_BATCH = 500;

const nowIso = () => new Date().toISOString();

export interface SaveOptions {
  /** Server version the edit was made on; taken from the stored entry when not given. */
  baseVersion?: number | null;
}

/** Save a new entry or a change to one: it goes (back) into the outbox as "waiting". */
export async function saveEntry(db: BeatbookDB, officerId: number, kind: Kind, payload: Payload,
                                opts: SaveOptions = {}): Promise<Entry> {
  const id = String(payload.id ?? crypto.randomUUID());
  const tx = db.transaction('entries', 'readwrite');
  const old = await tx.store.get(id);
  if (old && old.officerId !== officerId) {
    tx.abort();
    throw new Error('This entry belongs to another officer.');
  }
  const now = nowIso();
  const entry: Entry = {
    id,
    officerId,
    kind,
    payload: { ...contentOf(payload), id, kind },
    state: 'waiting',
    pending: 1,
    rev: (old?.rev ?? 0) + 1,
    version: old?.version ?? null,
    baseVersion: opts.baseVersion !== undefined ? opts.baseVersion : (old?.version ?? null),
    errors: null,
    serverRecord: null,
    reviewComment: old?.reviewComment ?? null,
    createdAt: old?.createdAt ?? now,
    savedAt: now,
    sentAt: old?.sentAt ?? null,
  };
  await tx.store.put(entry);
  await tx.done;
  return entry;
}

export async function getEntry(db: BeatbookDB, id: string): Promise<Entry | undefined> {
  return db.get('entries', id);
}

export async function listEntries(db: BeatbookDB, officerId: number): Promise<Entry[]> {
  const all = await db.getAllFromIndex('entries', 'byOfficer', officerId);
  return all.sort((a, b) => String(b.payload.occurred_at).localeCompare(String(a.payload.occurred_at)));
}

export async function listShifts(db: BeatbookDB, officerId: number): Promise<ShiftItem[]> {
  const all = await db.getAllFromIndex('shifts', 'byOfficer', officerId);
  return all.sort((a, b) => b.started_at.localeCompare(a.started_at));
}

/** Start or change a shift; it is sent before the entries that point at it. */
export async function saveShift(db: BeatbookDB, officerId: number,
                                shift: { id?: string; operation_id: number; started_at: string; ended_at?: string | null }): Promise<ShiftItem> {
  const id = shift.id ?? crypto.randomUUID();
  const tx = db.transaction('shifts', 'readwrite');
  const old = await tx.store.get(id);
  if (old && old.officerId !== officerId) {
    tx.abort();
    throw new Error('This shift belongs to another officer.');
  }
  const item: ShiftItem = {
    id, officerId, operation_id: shift.operation_id, started_at: shift.started_at,
    ended_at: shift.ended_at ?? null, state: 'waiting', pending: 1, rev: (old?.rev ?? 0) + 1, errors: null,
  };
  await tx.store.put(item);
  await tx.done;
  return item;
}

/** What is waiting to send for this officer (entries and shifts). */
export async function unsentCount(db: BeatbookDB, officerId: number): Promise<number> {
  const range = IDBKeyRange.only([officerId, 1]);
  const tx = db.transaction(['entries', 'shifts']);
  const [e, s] = await Promise.all([
    tx.objectStore('entries').index('byOfficerPending').count(range),
    tx.objectStore('shifts').index('byOfficerPending').count(range),
  ]);
  await tx.done;
  return e + s;
}

/** Entries (not shifts) waiting to send: the number the officer sees. */
export async function unsentEntries(db: BeatbookDB, officerId: number): Promise<number> {
  return db.countFromIndex('entries', 'byOfficerPending', IDBKeyRange.only([officerId, 1]));
}

/** Entries that need the officer: refused, in conflict, or returned by the sergeant. */
export async function needsAttention(db: BeatbookDB, officerId: number): Promise<Entry[]> {
  const all = await db.getAllFromIndex('entries', 'byOfficer', officerId);
  return all.filter((e) => !e.pending && (e.state === 'rejected' || e.state === 'conflict' || e.state === 'returned'));
}

/** When the oldest unsent entry was saved (ISO), or null. */
export async function oldestUnsent(db: BeatbookDB, officerId: number): Promise<string | null> {
  const pending = await db.getAllFromIndex('entries', 'byOfficerPending', IDBKeyRange.only([officerId, 1]));
  if (!pending.length) return null;
  return pending.map((e) => e.savedAt).sort()[0];
}

export interface Batch {
  shifts: { id: string; rev: number; body: Payload }[];
  records: { id: string; rev: number; body: Payload }[];
}

/** A snapshot of up to `limit` waiting items of this officer: shifts first, oldest first. */
export async function takeBatch(db: BeatbookDB, officerId: number, limit = MAX_BATCH): Promise<Batch> {
  const range = IDBKeyRange.only([officerId, 1]);
  const tx = db.transaction(['entries', 'shifts']);
  const [shifts, entries] = await Promise.all([
    tx.objectStore('shifts').index('byOfficerPending').getAll(range),
    tx.objectStore('entries').index('byOfficerPending').getAll(range),
  ]);
  await tx.done;
  shifts.sort((a, b) => a.started_at.localeCompare(b.started_at));
  entries.sort((a, b) => a.savedAt.localeCompare(b.savedAt));
  const batch: Batch = { shifts: [], records: [] };
  for (const s of shifts.slice(0, limit)) {
    batch.shifts.push({ id: s.id, rev: s.rev,
      body: { id: s.id, operation_id: s.operation_id, started_at: s.started_at, ended_at: s.ended_at } });
  }
  for (const e of entries.slice(0, Math.max(0, limit - batch.shifts.length))) {
    const body: Payload = { ...e.payload };
    if (e.baseVersion != null) body.base_version = e.baseVersion;
    batch.records.push({ id: e.id, rev: e.rev, body });
  }
  return batch;
}

export interface ApplySummary { acknowledged: number; rejected: number; conflict: number; }

const ACKED = new Set(['created', 'unchanged', 'updated']);

/**
 * Write the server's per-item answers (results are in the order sent). An
 * item leaves the outbox only on an acknowledgement of the revision that was
 * sent; an item edited while the batch was in flight stays waiting.
 */
export async function applyResults(db: BeatbookDB, batch: Batch, response: SyncResponse): Promise<ApplySummary> {
  const summary: ApplySummary = { acknowledged: 0, rejected: 0, conflict: 0 };
  const now = nowIso();
  const tx = db.transaction(['entries', 'shifts'], 'readwrite');
  const shifts = tx.objectStore('shifts');
  const entries = tx.objectStore('entries');
  for (let i = 0; i < batch.shifts.length; i++) {
    const sent = batch.shifts[i];
    const result: ItemResult | undefined = response.shifts?.[i];
    const item = await shifts.get(sent.id);
    if (!item || !result || item.rev !== sent.rev) continue;
    if (ACKED.has(result.status)) {
      Object.assign(item, { state: 'sent', pending: 0, errors: null });
      summary.acknowledged++;
    } else {
      Object.assign(item, { state: 'rejected', pending: 0, errors: result.errors ?? null });
      summary.rejected++;
    }
    await shifts.put(item);
  }
  for (let i = 0; i < batch.records.length; i++) {
    const sent = batch.records[i];
    const result: ItemResult | undefined = response.records?.[i];
    const entry = await entries.get(sent.id);
    if (!entry || !result) continue;
    if (ACKED.has(result.status)) {
      if (result.version != null) entry.version = result.version;
      summary.acknowledged++;
      if (entry.rev === sent.rev) {
        entry.pending = 0;
        entry.errors = null;
        entry.serverRecord = null;
        entry.sentAt = now;
        entry.baseVersion = null;
        // An edit of a returned entry goes back to the sergeant: it is "sent" again.
        entry.state = 'sent';
      } else {
        // Edited while in flight: the newer revision builds on what just landed.
        entry.baseVersion = entry.version;
      }
    } else if (result.status === 'conflict') {
      summary.conflict++;
      if (entry.rev !== sent.rev) continue;
      Object.assign(entry, {
        state: 'conflict', pending: 0, errors: null,
        serverRecord: result.record ?? null,
        version: result.version ?? entry.version,
      });
    } else {
      summary.rejected++;
      if (entry.rev !== sent.rev) continue;
      Object.assign(entry, { state: 'rejected', pending: 0, errors: result.errors ?? { _schema: ['Refused.'] } });
    }
    await entries.put(entry);
  }
  await tx.done;
  return summary;
}

/** Records from GET /api/sync/changes: what the sergeant (or another device) did. */
export async function applyServerRecords(db: BeatbookDB, officerId: number, records: Payload[]): Promise<number> {
  let changed = 0;
  const tx = db.transaction('entries', 'readwrite');
  for (const rec of records) {
    const id = String(rec.id);
    const owner = (rec.officer as { id?: number } | undefined)?.id;
    const version = Number(rec.version ?? 0);
    const entry = await tx.store.get(id);
    if (!entry) {
      if (owner !== officerId) continue;
      await tx.store.put({
        id, officerId, kind: rec.kind as Kind, payload: contentOf(rec), state: stateForStatus(rec.status),
        pending: 0, rev: 0, version, baseVersion: null, errors: null, serverRecord: null,
        reviewComment: (rec.review_comment as string | null) ?? null,
        createdAt: String(rec.received_at ?? nowIso()), savedAt: String(rec.updated_at ?? nowIso()),
        sentAt: String(rec.received_at ?? nowIso()),
      });
      changed++;
      continue;
    }
    if (entry.officerId !== officerId) continue;
    if (entry.version != null && version < entry.version) continue; // an older copy
    entry.reviewComment = (rec.review_comment as string | null) ?? null;
    if (entry.pending || entry.state === 'rejected') {
      // The officer's own unsent change wins locally; the server decides on send.
      await tx.store.put(entry);
      continue;
    }
    if (entry.state === 'conflict') {
      entry.serverRecord = rec;
      entry.version = version;
    } else {
      entry.version = version;
      entry.payload = contentOf(rec);
      entry.state = stateForStatus(rec.status);
    }
    await tx.store.put(entry);
    changed++;
  }
  await tx.done;
  return changed;
}

/** Conflict, keep theirs: take the server copy and leave the outbox. */
export async function acceptServerCopy(db: BeatbookDB, id: string): Promise<void> {
  const tx = db.transaction('entries', 'readwrite');
  const entry = await tx.store.get(id);
  if (entry?.serverRecord) {
    entry.payload = contentOf(entry.serverRecord);
    entry.state = stateForStatus(entry.serverRecord.status);
    entry.version = Number(entry.serverRecord.version ?? entry.version);
    entry.reviewComment = (entry.serverRecord.review_comment as string | null) ?? entry.reviewComment;
    Object.assign(entry, { pending: 0, serverRecord: null, errors: null, baseVersion: null });
    await tx.store.put(entry);
  }
  await tx.done;
}

/** Conflict, keep mine: resend this copy on top of the server's current version. */
export async function resendMine(db: BeatbookDB, id: string): Promise<void> {
  const tx = db.transaction('entries', 'readwrite');
  const entry = await tx.store.get(id);
  if (entry) {
    const base = Number(entry.serverRecord?.version ?? entry.version ?? 0) || null;
    Object.assign(entry, { pending: 1, state: 'waiting', rev: entry.rev + 1, baseVersion: base, version: base,
      serverRecord: null, errors: null, savedAt: nowIso() });
    await tx.store.put(entry);
  }
  await tx.done;
}

/**
 * Logging out: remove this officer's data from the phone. With keepUnsent,
 * entries and shifts still waiting (or needing a fix) stay, tagged with the
 * officer, until they log in again and they are sent.
 */
export async function clearOfficer(db: BeatbookDB, officerId: number, keepUnsent: boolean): Promise<void> {
  const tx = db.transaction(['entries', 'shifts', 'meta'], 'readwrite');
  const keep = (pending: number, state: string) =>
    keepUnsent && (pending === 1 || state === 'rejected' || state === 'conflict');
  for (const e of await tx.objectStore('entries').index('byOfficer').getAll(officerId)) {
    if (!keep(e.pending, e.state)) await tx.objectStore('entries').delete(e.id);
  }
  for (const s of await tx.objectStore('shifts').index('byOfficer').getAll(officerId)) {
    if (!keep(s.pending, s.state)) await tx.objectStore('shifts').delete(s.id);
  }
  const meta = tx.objectStore('meta');
  for (const key of [`cursor:${officerId}`, `lastArea:${officerId}`, `activeShift:${officerId}`]) {
    if (!keepUnsent || key !== `activeShift:${officerId}`) await meta.delete(key);
  }
  await tx.done;
}
