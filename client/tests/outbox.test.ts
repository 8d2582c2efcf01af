import 'fake-indexeddb/auto';
import { IDBFactory } from 'fake-indexeddb';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { Api } from '../src/api';
import { openBeatbookDB, type BeatbookDB } from '../src/sync/db';
import { SyncEngine } from '../src/sync/engine';
import {
  acceptServerCopy, clearOfficer, getEntry, listEntries, resendMine, saveEntry, saveShift, takeBatch, unsentCount,
} from '../src/sync/outbox';
import type { Kind, Payload } from '../src/sync/types';
import { FakeServer } from './fakeServer';

const OFFICER = 7;
let db: BeatbookDB;
let server: FakeServer;
let clock: number;

function payload(kind: Kind, extra: Payload = {}): Payload {
  return { id: crypto.randomUUID(), kind, operation_id: 1, occurred_at: new Date().toISOString(), area: 'NN3', notes: '', ...extra };
}

function engine(opts: Partial<ConstructorParameters<typeof SyncEngine>[0]> = {}) {
  return new SyncEngine({
    db, api: new Api(server.fetch), deviceId: 'test-device', officerId: () => OFFICER,
    now: () => clock, random: () => 0.5, lock: (fn) => fn(), ...opts,
  });
}

beforeEach(async () => {
  // A fresh IndexedDB for every test.
  globalThis.indexedDB = new IDBFactory();
  db = await openBeatbookDB();
  server = new FakeServer();
  server.officerId = OFFICER;
  clock = 1_000_000;
});

describe('outbox', () => {
  it('keeps a saved entry waiting until the server acknowledges it, then sends nothing again', async () => {
    const kinds: Kind[] = ['stop_search', 'arrest', 'safeguarding_referral', 'intelligence_log', 'arrest'];
    for (const k of kinds) await saveEntry(db, OFFICER, k, payload(k));
    expect(await unsentCount(db, OFFICER)).toBe(5);
    expect((await listEntries(db, OFFICER)).every((e) => e.state === 'waiting')).toBe(true);

    const r = await engine().send();
    expect(r).toMatchObject({ status: 'sent', acknowledged: 5, rejected: 0, batches: 1 });
    expect(await unsentCount(db, OFFICER)).toBe(0);
    expect((await listEntries(db, OFFICER)).map((e) => e.state)).toEqual(Array(5).fill('sent'));
    expect(server.records.size).toBe(5);

    const again = await engine().send();
    expect(again.status).toBe('nothing');
    expect(server.syncRequests()).toHaveLength(1);
  });

  it('sends shifts before the entries that point at them, in the same batch', async () => {
    const shift = await saveShift(db, OFFICER, { operation_id: 1, started_at: new Date().toISOString() });
    await saveEntry(db, OFFICER, 'arrest', payload('arrest', { shift_id: shift.id }));
    await engine().send();
    const [req] = server.syncRequests();
    expect(req.body.shifts.map((s: Payload) => s.id)).toEqual([shift.id]);
    expect(req.body.records).toHaveLength(1);
    expect(req.body.device_id).toBe('test-device');
    expect(await unsentCount(db, OFFICER)).toBe(0);
  });

  it('retries with exponential backoff and jitter, and Send now skips the wait', async () => {
    await saveEntry(db, OFFICER, 'arrest', payload('arrest'));
    server.failures = ['network', 503, 'network'];
    const e = engine({ baseDelayMs: 1000, maxDelayMs: 60_000 });

    const r1 = await e.send();
    expect(r1.status).toBe('offline');
    expect(e.failures).toBe(1);
    expect(e.nextAttemptAt - clock).toBe(750); // half of 1000 fixed + 0.5 * half random

    // Inside the wait a scheduled attempt does nothing.
    expect((await e.send()).status).toBe('waiting');
    expect(server.syncRequests()).toHaveLength(1);

    clock += 750;
    const r2 = await e.send();
    expect(r2.status).toBe('error'); // 503
    expect(e.nextAttemptAt - clock).toBe(1500); // 2000 exp

    const r3 = await e.send({ force: true });
    expect(r3.status).toBe('offline');
    expect(e.nextAttemptAt - clock).toBe(3000); // 4000 exp
    expect(await unsentCount(db, OFFICER)).toBe(1);

    const r4 = await e.send({ force: true });
    expect(r4).toMatchObject({ status: 'sent', acknowledged: 1 });
    expect(e.failures).toBe(0);
    expect(e.nextAttemptAt).toBe(0);
    expect(server.creates).toBe(1);
  });

  it('caps the backoff and spreads retries with jitter', () => {
    const lo = engine({ baseDelayMs: 1000, maxDelayMs: 8000, random: () => 0 });
    const hi = engine({ baseDelayMs: 1000, maxDelayMs: 8000, random: () => 0.999999 });
    expect([1, 2, 3, 4, 5, 10].map((n) => lo.backoffDelay(n))).toEqual([500, 1000, 2000, 4000, 4000, 4000]);
    expect([1, 2, 3, 4, 5, 10].map((n) => hi.backoffDelay(n))).toEqual([1000, 2000, 4000, 8000, 8000, 8000]);
  });

  it('keeps a rejected entry with the server reason while the rest are sent; fixed, it is sent', async () => {
    const good = [payload('arrest'), payload('stop_search'), payload('intelligence_log')];
    const bad = payload('safeguarding_referral', { area: 'XX1' });
    for (const p of [good[0], bad, good[1], good[2]]) await saveEntry(db, OFFICER, p.kind as Kind, p);

    const r = await engine().send();
    expect(r).toMatchObject({ acknowledged: 3, rejected: 1 });
    const rejected = (await getEntry(db, String(bad.id)))!;
    expect(rejected).toMatchObject({ state: 'rejected', pending: 0, errors: { area: ['Not a postcode district.'] } });
    expect(await unsentCount(db, OFFICER)).toBe(0);
    for (const g of good) expect((await getEntry(db, String(g.id)))!.state).toBe('sent');

    // Not resent by itself: it needs a fix.
    expect((await engine().send()).status).toBe('nothing');

    await saveEntry(db, OFFICER, 'safeguarding_referral', { ...rejected.payload, area: 'NN5' });
    const r2 = await engine().send();
    expect(r2).toMatchObject({ acknowledged: 1, rejected: 0 });
    expect((await getEntry(db, String(bad.id)))!).toMatchObject({ state: 'sent', errors: null });
    expect(server.records.size).toBe(4);
  });

  it('keeps a conflict with the server copy; the officer keeps theirs or takes the server copy', async () => {
    const a = payload('arrest', { notes: 'first' });
    const b = payload('stop_search', { notes: 'first' });
    await saveEntry(db, OFFICER, 'arrest', a);
    await saveEntry(db, OFFICER, 'stop_search', b);
    await engine().send();
    server.amendOnServer(String(a.id), { notes: 'changed on another phone' });
    server.amendOnServer(String(b.id), { notes: 'changed on another phone' });

    // Edits made on version 1 while the server moved to version 2.
    await saveEntry(db, OFFICER, 'arrest', { ...a, notes: 'mine' });
    await saveEntry(db, OFFICER, 'stop_search', { ...b, notes: 'mine' });
    expect((await takeBatch(db, OFFICER)).records.map((r) => r.body.base_version)).toEqual([1, 1]);
    const r = await engine().send();
    expect(r).toMatchObject({ conflict: 2, acknowledged: 0 });
    const ea = (await getEntry(db, String(a.id)))!;
    expect(ea).toMatchObject({ state: 'conflict', pending: 0, version: 2 });
    expect(ea.serverRecord?.notes).toBe('changed on another phone');

    await resendMine(db, String(a.id));
    await acceptServerCopy(db, String(b.id));
    const r2 = await engine().send();
    expect(r2).toMatchObject({ acknowledged: 1, conflict: 0 });
    expect(server.records.get(String(a.id))!.rec.notes).toBe('mine');
    expect((await getEntry(db, String(a.id)))!).toMatchObject({ state: 'sent', version: 3 });
    expect((await getEntry(db, String(b.id)))!).toMatchObject({ state: 'sent', version: 2, pending: 0 });
    expect((await getEntry(db, String(b.id)))!.payload.notes).toBe('changed on another phone');
  });

  it('never stores an entry twice after a crash mid-send (answer lost, app restarted)', async () => {
    const ps = [payload('arrest'), payload('stop_search'), payload('intelligence_log')];
    for (const p of ps) await saveEntry(db, OFFICER, p.kind as Kind, p);
    server.failures = ['lost'];
    const r = await engine().send();
    expect(r.status).toBe('offline');
    expect(server.creates).toBe(3); // the server has them...
    expect(await unsentCount(db, OFFICER)).toBe(3); // ...but the phone never heard, so they stay

    // The app is killed and opened again: a new connection and a new engine.
    db.close();
    db = await openBeatbookDB();
    const r2 = await engine().send();
    expect(r2).toMatchObject({ status: 'sent', acknowledged: 3 });
    expect(server.creates).toBe(3);
    expect(server.records.size).toBe(3);
    expect(await unsentCount(db, OFFICER)).toBe(0);
    // And once acknowledged, nothing goes again.
    await engine().send();
    expect(server.sentIds().filter((id) => id === String(ps[0].id))).toHaveLength(2);
  });

  it('keeps an entry edited while its batch was in flight waiting, on top of the stored version', async () => {
    const p = payload('arrest', { notes: 'v1' });
    await saveEntry(db, OFFICER, 'arrest', p);
    const realFetch = server.fetch;
    let edited = false;
    const api = new Api(async (url, init) => {
      const resp = await realFetch(url, init);
      if (url.endsWith('/api/sync') && !edited) {
        edited = true;
        await saveEntry(db, OFFICER, 'arrest', { ...p, notes: 'v2' });
      }
      return resp;
    });
    const e = engine({ api });
    await e.send();
    const entry = (await getEntry(db, String(p.id)))!;
    expect(entry).toMatchObject({ state: 'sent', pending: 0, version: 2 });
    expect(server.records.get(String(p.id))!.rec.notes).toBe('v2');
    expect(server.syncRequests()).toHaveLength(2);
    expect(server.syncRequests()[1].body.records[0].base_version).toBe(1);
  });

  it('on 403 csrf_failed fetches a fresh token and resends once', async () => {
    await saveEntry(db, OFFICER, 'arrest', payload('arrest'));
    const e = engine();
    e['o'].api.csrf = 'stale';
    (e as any).confirmedOfficer = OFFICER;
    const r = await e.send();
    expect(r).toMatchObject({ status: 'sent', acknowledged: 1 });
    const paths = server.requests.map((q) => q.path);
    expect(paths).toEqual(['/api/sync', '/api/auth/me', '/api/sync']);
    expect(server.syncRequests()[1].csrf).toBe('token-1');
  });

  it('on 401 asks for a login and keeps the queue', async () => {
    await saveEntry(db, OFFICER, 'arrest', payload('arrest'));
    const onAuthRequired = vi.fn();
    server.failures = [401];
    const e = engine({ onAuthRequired });
    e['o'].api.csrf = 'token-1';
    (e as any).confirmedOfficer = OFFICER;
    const r = await e.send();
    expect(r.status).toBe('auth');
    expect(onAuthRequired).toHaveBeenCalledOnce();
    expect(await unsentCount(db, OFFICER)).toBe(1);
  });

  it("never sends one officer's queue under another officer's session", async () => {
    await saveEntry(db, OFFICER, 'arrest', payload('arrest'));
    server.officerId = 99; // the cookie on this phone now belongs to officer 99
    const r = await engine().send();
    expect(r.status).toBe('wrong-officer');
    expect(server.syncRequests()).toHaveLength(0);
    expect(await unsentCount(db, OFFICER)).toBe(1);
    // Officer 99's own (empty) outbox sends nothing either.
    expect((await engine({ officerId: () => 99 }).send()).status).toBe('nothing');
  });

  it('sends a big queue in batches of at most 500', async () => {
    const tx = db.transaction('entries', 'readwrite');
    for (let i = 0; i < 1203; i++) {
      const p = payload('arrest');
      const t = new Date(Date.UTC(2026, 0, 1, 0, 0, i)).toISOString();
      await tx.store.put({ id: String(p.id), officerId: OFFICER, kind: 'arrest', payload: p, state: 'waiting', pending: 1,
        rev: 1, version: null, baseVersion: null, errors: null, serverRecord: null, reviewComment: null,
        createdAt: t, savedAt: t, sentAt: null });
    }
    await tx.done;
    const r = await engine().send();
    expect(r).toMatchObject({ status: 'sent', acknowledged: 1203, batches: 3 });
    expect(server.syncRequests().map((q) => q.body.records.length)).toEqual([500, 500, 203]);
    expect(server.creates).toBe(1203);
  });

  it('picks up an entry the sergeant returned; fixed, it goes back and is sent', async () => {
    const p = payload('stop_search', { notes: '' });
    await saveEntry(db, OFFICER, 'stop_search', p);
    const e = engine();
    await e.send();
    await e.pullChanges();
    server.returnRecord(String(p.id), 'Add the place of the search.');
    expect(await e.pullChanges()).toBe(1);
    const returned = (await getEntry(db, String(p.id)))!;
    expect(returned).toMatchObject({ state: 'returned', reviewComment: 'Add the place of the search.', version: 2 });

    await saveEntry(db, OFFICER, 'stop_search', { ...returned.payload, place: 'Lings Way' });
    expect((await takeBatch(db, OFFICER)).records[0].body.base_version).toBe(2);
    const r = await e.send();
    expect(r).toMatchObject({ acknowledged: 1 });
    expect(server.records.get(String(p.id))).toMatchObject({ status: 'submitted', version: 3 });
    await e.pullChanges();
    expect((await getEntry(db, String(p.id)))!).toMatchObject({ state: 'sent', pending: 0, version: 3 });
  });

  it('logging out clears what was sent and keeps only unsent entries, tagged with their officer', async () => {
    const sent = payload('arrest');
    await saveEntry(db, OFFICER, 'arrest', sent);
    await engine().send();
    const unsent = payload('stop_search');
    await saveEntry(db, OFFICER, 'stop_search', unsent);
    await saveEntry(db, 8, 'arrest', payload('arrest'));
    await clearOfficer(db, OFFICER, true);
    expect((await listEntries(db, OFFICER)).map((e) => e.id)).toEqual([String(unsent.id)]);
    await clearOfficer(db, OFFICER, false);
    expect(await listEntries(db, OFFICER)).toEqual([]);
    expect(await listEntries(db, 8)).toHaveLength(1);
  });

  it("keeps the officer's unsent edit when the sergeant's change arrives, and the server decides on send", async () => {
    const p = payload('arrest', { notes: 'v1' });
    await saveEntry(db, OFFICER, 'arrest', p);
    const e = engine();
    await e.send();
    server.returnRecord(String(p.id), 'Which custody suite?');
    await saveEntry(db, OFFICER, 'arrest', { ...p, notes: 'edited before seeing the return' });
    await e.pullChanges();
    const entry = (await getEntry(db, String(p.id)))!;
    expect(entry).toMatchObject({ state: 'waiting', pending: 1, reviewComment: 'Which custody suite?' });
    expect(entry.payload.notes).toBe('edited before seeing the return');
    // Made on version 1 while the server is at 2: a conflict, kept for the officer to settle.
    const r = await e.send();
    expect(r.conflict).toBe(1);
    expect((await getEntry(db, String(p.id)))!).toMatchObject({ state: 'conflict', version: 2 });
  });

  it('adds entries this officer logged on another phone and ignores other officers', async () => {
    server.records.set('a0000000-0000-4000-8000-000000000001', { rec: payload('stop_search', { id: 'a0000000-0000-4000-8000-000000000001' }), version: 1, status: 'verified', officerId: OFFICER, review_comment: null });
    server.records.set('b0000000-0000-4000-8000-000000000002', { rec: payload('stop_search', { id: 'b0000000-0000-4000-8000-000000000002' }), version: 1, status: 'submitted', officerId: 99, review_comment: null });
    server.audit.push({ id: 1, recordId: 'a0000000-0000-4000-8000-000000000001' }, { id: 2, recordId: 'b0000000-0000-4000-8000-000000000002' });
    expect(await engine().pullChanges()).toBe(1);
    const mine = await listEntries(db, OFFICER);
    expect(mine.map((e) => [e.id, e.state, e.pending])).toEqual([['a0000000-0000-4000-8000-000000000001', 'verified', 0]]);
    expect(await listEntries(db, 99)).toEqual([]);
    // The cursor moved on: nothing is fetched twice.
    expect(await engine().pullChanges()).toBe(0);
    const changeCalls = server.requests.filter((q) => q.path.startsWith('/api/sync/changes')).map((q) => q.path);
    expect(changeCalls).toEqual(['/api/sync/changes?since=0', '/api/sync/changes?since=2']);
  });

  it('does not pull changes under another officer\'s session', async () => {
    server.officerId = 99;
    expect(await engine().pullChanges()).toBe(0);
    expect(server.requests.map((q) => q.path)).toEqual(['/api/auth/me']);
  });

  it('runs one send at a time: a second call joins the first', async () => {
    await saveEntry(db, OFFICER, 'arrest', payload('arrest'));
    const e = engine();
    const [a, b] = await Promise.all([e.send(), e.send({ force: true })]);
    expect(a).toBe(b);
    expect(server.syncRequests()).toHaveLength(1);
  });
});
