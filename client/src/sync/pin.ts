/**
 * The unlock PIN: stored per officer as a salted PBKDF2-SHA-256 hash (WebCrypto).
 * It only unlocks this phone's screen; the server never sees it.
 */
import type { BeatbookDB, PinRecord } from './db';

export const PIN_ITERATIONS = 150_000;
/** Wrong PINs allowed before each wait, and how the wait grows. */
export const FREE_ATTEMPTS = 5;
const WAIT_MS = 30_000;

export function validPin(pin: string): boolean {
  return /^[0-9]{4,8}$/.test(pin);
}

const hex = (buf: ArrayBuffer | Uint8Array) =>
  [...new Uint8Array(buf)].map((b) => b.toString(16).padStart(2, '0')).join('');
const unhex = (s: string) => new Uint8Array((s.match(/../g) ?? []).map((b) => parseInt(b, 16)));

async function derive(pin: string, salt: Uint8Array, iterations: number): Promise<string> {
  const key = await crypto.subtle.importKey('raw', new TextEncoder().encode(pin), 'PBKDF2', false, ['deriveBits']);
  const bits = await crypto.subtle.deriveBits({ name: 'PBKDF2', hash: 'SHA-256', salt: salt as BufferSource, iterations }, key, 256);
  return hex(bits);
}

export async function setPin(db: BeatbookDB, officerId: number, pin: string, iterations = PIN_ITERATIONS): Promise<void> {
  if (!validPin(pin)) throw new Error('A PIN is 4 to 8 digits.');
  const salt = crypto.getRandomValues(new Uint8Array(16));
  const record: PinRecord = { officerId, salt: hex(salt), hash: await derive(pin, salt, iterations), iterations,
    failures: 0, waitUntil: 0 };
  await db.put('pins', record);
}

export async function hasPin(db: BeatbookDB, officerId: number): Promise<boolean> {
  return !!(await db.get('pins', officerId));
}

export async function removePin(db: BeatbookDB, officerId: number): Promise<void> {
  await db.delete('pins', officerId);
}

export type PinCheck = { ok: true } | { ok: false; reason: 'wrong' | 'wait' | 'none'; waitMs: number; left: number };

/** Check a PIN; after FREE_ATTEMPTS wrong ones each further try waits (30 s, then doubling). */
export async function checkPin(db: BeatbookDB, officerId: number, pin: string, now = Date.now()): Promise<PinCheck> {
  const rec = await db.get('pins', officerId);
  if (!rec) return { ok: false, reason: 'none', waitMs: 0, left: 0 };
  if (rec.waitUntil > now) return { ok: false, reason: 'wait', waitMs: rec.waitUntil - now, left: 0 };
  // Constant-time enough for a local hash compare: the cost is the PBKDF2 work, not the compare.
  if ((await derive(pin, unhex(rec.salt), rec.iterations)) === rec.hash) {
    await db.put('pins', { ...rec, failures: 0, waitUntil: 0 });
    return { ok: true };
  }
  const failures = rec.failures + 1;
  const over = failures - FREE_ATTEMPTS;
  const waitMs = over >= 0 ? WAIT_MS * 2 ** Math.min(over, 6) : 0;
  await db.put('pins', { ...rec, failures, waitUntil: waitMs ? now + waitMs : 0 });
  return { ok: false, reason: 'wrong', waitMs, left: Math.max(0, FREE_ATTEMPTS - failures) };
}
