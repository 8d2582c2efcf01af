/**
 * Sends the outbox through POST /api/sync and picks up the sergeant's
 * changes from GET /api/sync/changes. Plain TypeScript: the page and the
 * service worker (Background Sync) both run it.
 *
 * - Only the officer whose session the server confirms is ever sent for.
 * - Batches of at most 500 items; shifts before the entries that point at them.
 * - Failures back off exponentially with jitter; "Send now" skips the wait.
 * - 403 csrf_failed: fetch /api/auth/me for a fresh token and resend once.
 * - 401: tell the UI to ask for a login; the queue stays.
 */
import { Api, ApiError, NetworkError } from '../api';
import { getMeta, setMeta, type BeatbookDB } from './db';
import { applyResults, applyServerRecords, MAX_BATCH, takeBatch } from './outbox';

export type SyncStatus = 'idle' | 'sent' | 'nothing' | 'offline' | 'error' | 'auth' | 'wrong-officer' | 'waiting';

export interface SyncResult {
  status: SyncStatus;
  acknowledged: number;
  rejected: number;
  conflict: number;
  batches: number;
  message?: string;
}

export interface EngineOptions {
  db: BeatbookDB;
  api: Api;
  deviceId: string;
  /** The officer whose outbox this is (the one logged in on this phone), or null. */
  officerId: () => number | null;
  now?: () => number;
  random?: () => number;
  baseDelayMs?: number;
  maxDelayMs?: number;
  batchSize?: number;
  /** Runs fn with other senders (tabs, the service worker) kept out. */
  lock?: <T>(fn: () => Promise<T>) => Promise<T>;
  onAuthRequired?: () => void;
  onChange?: () => void;
}

export function webLock<T>(fn: () => Promise<T>): Promise<T> {
  const locks = (globalThis.navigator as Navigator | undefined)?.locks;
  return locks ? (locks.request('beatbook-sync', fn) as unknown as Promise<T>) : fn();
}

export class SyncEngine {
  failures = 0;
  nextAttemptAt = 0;
  lastResult: SyncResult | null = null;
  private running: Promise<SyncResult> | null = null;
  private confirmedOfficer: number | null = null;

  constructor(private o: EngineOptions) {}

  private now() { return (this.o.now ?? Date.now)(); }

  /** Exponential backoff with "equal jitter": half fixed, half random, capped. */
  backoffDelay(failures: number): number {
    const base = this.o.baseDelayMs ?? 2000;
    const cap = this.o.maxDelayMs ?? 5 * 60_000;
    const exp = Math.min(cap, base * 2 ** Math.max(0, failures - 1));
    return Math.round(exp / 2 + (this.o.random ?? Math.random)() * (exp / 2));
  }

  /** Whether a scheduled attempt may run now (not inside a backoff wait). */
  due(): boolean { return this.now() >= this.nextAttemptAt; }

  /** Send everything waiting. force: ignore the backoff wait (Send now, back online). */
  send(opts: { force?: boolean } = {}): Promise<SyncResult> {
    if (this.running) return this.running;
    if (!opts.force && !this.due()) {
      return Promise.resolve(this.result('waiting'));
    }
    const lock = this.o.lock ?? webLock;
    this.running = lock(() => this.sendAll()).finally(() => { this.running = null; });
    return this.running;
  }

  private result(status: SyncStatus, extra: Partial<SyncResult> = {}): SyncResult {
    return { status, acknowledged: 0, rejected: 0, conflict: 0, batches: 0, ...extra };
  }

  /** The server's session must be this officer's before anything is sent. */
  private async confirmOfficer(officerId: number, refresh = false): Promise<boolean> {
    if (!refresh && this.confirmedOfficer === officerId && this.o.api.csrf) return true;
    const me = await this.o.api.me();
    this.confirmedOfficer = me.officer.id;
    return me.officer.id === officerId;
  }

  private failed(status: SyncStatus, message: string, totals: SyncResult): SyncResult {
    this.failures++;
    this.nextAttemptAt = this.now() + this.backoffDelay(this.failures);
    return { ...totals, status, message };
  }

  private async sendAll(): Promise<SyncResult> {
    const officerId = this.o.officerId();
    const totals = this.result('nothing');
    if (officerId == null) return (this.lastResult = totals);
    let limit = Math.min(this.o.batchSize ?? MAX_BATCH, MAX_BATCH);
    try {
      for (let round = 0; round < 1000; round++) {
        const batch = await takeBatch(this.o.db, officerId, limit);
        if (!batch.shifts.length && !batch.records.length) break;
        if (!(await this.confirmOfficer(officerId))) {
          return (this.lastResult = { ...totals, status: 'wrong-officer',
            message: 'Another officer is logged in on this phone; these entries wait for their own officer.' });
        }
        let response;
        try {
          response = await this.o.api.sync(this.o.deviceId, batch.shifts.map((s) => s.body), batch.records.map((r) => r.body));
        } catch (err) {
          if (err instanceof ApiError && err.status === 403 && err.code === 'csrf_failed') {
            if (!(await this.confirmOfficer(officerId, true))) {
              return (this.lastResult = { ...totals, status: 'wrong-officer', message: 'Another officer is logged in.' });
            }
            response = await this.o.api.sync(this.o.deviceId, batch.shifts.map((s) => s.body), batch.records.map((r) => r.body));
          } else if (err instanceof ApiError && err.status === 413 && limit > 1) {
            limit = Math.max(1, Math.floor(limit / 2));
            continue;
          } else {
            throw err;
          }
        }
        // The network call is over; now one transaction writes the answers.
        const s = await applyResults(this.o.db, batch, response);
        totals.acknowledged += s.acknowledged;
        totals.rejected += s.rejected;
        totals.conflict += s.conflict;
        totals.batches++;
        totals.status = 'sent';
        this.o.onChange?.();
      }
    } catch (err) {
      this.o.onChange?.();
      if (err instanceof ApiError && err.status === 401) {
        this.confirmedOfficer = null;
        this.o.onAuthRequired?.();
        return (this.lastResult = { ...totals, status: 'auth', message: 'Log in again to send.' });
      }
      if (err instanceof NetworkError) return (this.lastResult = this.failed('offline', err.message, totals));
      return (this.lastResult = this.failed('error', err instanceof Error ? err.message : String(err), totals));
    }
    this.failures = 0;
    this.nextAttemptAt = 0;
    return (this.lastResult = totals);
  }

  /** Pick up returned/verified/voided entries. Returns how many local entries changed. */
  async pullChanges(): Promise<number> {
    const officerId = this.o.officerId();
    if (officerId == null) return 0;
    const key = `cursor:${officerId}`;
    let cursor = (await getMeta<string>(this.o.db, key)) ?? '0';
    let changed = 0;
    try {
      // The changes feed follows the server session: it must be this officer's.
      if (!(await this.confirmOfficer(officerId))) return 0;
      for (let page = 0; page < 100; page++) {
        const r = await this.o.api.changes(cursor);
        if (r.records.length) changed += await applyServerRecords(this.o.db, officerId, r.records);
        cursor = r.cursor;
        await setMeta(this.o.db, key, cursor);
        if (!r.has_more) break;
      }
    } catch (err) {
      if (err instanceof ApiError && err.status === 401) this.o.onAuthRequired?.();
      else if (!(err instanceof NetworkError)) throw err;
    }
    if (changed) this.o.onChange?.();
    return changed;
  }
}
