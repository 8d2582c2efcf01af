import 'fake-indexeddb/auto';
import { IDBFactory } from 'fake-indexeddb';
import { beforeEach, describe, expect, it } from 'vitest';
import { openBeatbookDB, type BeatbookDB } from '../src/sync/db';
import { checkPin, FREE_ATTEMPTS, hasPin, setPin, validPin } from '../src/sync/pin';

let db: BeatbookDB;
const FAST = 1000; // iterations: the real count is slow by design

beforeEach(async () => {
  globalThis.indexedDB = new IDBFactory();
  db = await openBeatbookDB();
});

describe('PIN lock', () => {
  it('unlocks with the right PIN and refuses a wrong one', async () => {
    await setPin(db, 7, '2468', FAST);
    expect(await hasPin(db, 7)).toBe(true);
    expect(await checkPin(db, 7, '2468')).toEqual({ ok: true });
    const wrong = await checkPin(db, 7, '1357');
    expect(wrong.ok).toBe(false);
  });

  it('stores a salted hash, never the PIN', async () => {
    await setPin(db, 7, '2468', FAST);
    await setPin(db, 8, '2468', FAST);
    const a = await db.get('pins', 7);
    const b = await db.get('pins', 8);
    expect(JSON.stringify(a)).not.toContain('2468');
    expect(a!.salt).not.toBe(b!.salt);
    expect(a!.hash).not.toBe(b!.hash); // same PIN, different salt
    expect(a!.hash).toMatch(/^[0-9a-f]{64}$/);
  });

  it('is per officer: another officer\u2019s PIN does not open this officer\u2019s lock', async () => {
    await setPin(db, 7, '2468', FAST);
    await setPin(db, 8, '1111', FAST);
    expect((await checkPin(db, 7, '1111')).ok).toBe(false);
    expect((await checkPin(db, 9, '2468'))).toMatchObject({ ok: false, reason: 'none' });
  });

  it('makes the officer wait after repeated wrong PINs, and counts down the free attempts', async () => {
    await setPin(db, 7, '2468', FAST);
    const now = 1_000_000;
    for (let i = 1; i < FREE_ATTEMPTS; i++) {
      expect(await checkPin(db, 7, '0000', now)).toMatchObject({ ok: false, reason: 'wrong', left: FREE_ATTEMPTS - i, waitMs: 0 });
    }
    const last = await checkPin(db, 7, '0000', now);
    expect(last).toMatchObject({ ok: false, reason: 'wrong', left: 0 });
    expect(!last.ok && last.waitMs).toBeGreaterThan(0);
    // Even the right PIN waits until the time is up; then it opens and the count resets.
    expect(await checkPin(db, 7, '2468', now + 1000)).toMatchObject({ ok: false, reason: 'wait' });
    expect(await checkPin(db, 7, '2468', now + 10 * 60_000)).toEqual({ ok: true });
    expect((await db.get('pins', 7))!.failures).toBe(0);
  });

  it('accepts only 4 to 8 digits', async () => {
    expect(validPin('1234')).toBe(true);
    expect(validPin('12')).toBe(false);
    expect(validPin('12ab')).toBe(false);
    await expect(setPin(db, 7, '12', FAST)).rejects.toThrow();
    expect(await hasPin(db, 7)).toBe(false);
  });
});
