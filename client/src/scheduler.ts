/**
 * When the outbox is sent and the changes feed is asked: at once after a save, when the signal
 * comes back or the app comes to the front, and on timers (the changes check every 5 s while the
 * app is in front, every 60 s when it is not: an unchanged feed costs a 304).
 */
import type { SyncEngine } from './sync/engine';
import { announce } from './ui/dom';

const SEND_EVERY_MS = 20_000;
export const PULL_VISIBLE_MS = 5_000;
export const PULL_HIDDEN_MS = 60_000;

export interface SchedulerOptions {
  engine: SyncEngine;
  /** The officer must log in again: nothing is sent or asked for. */
  needsLogin: () => boolean;
  /** Redraw the status line (the count includes what was just saved). */
  status: () => Promise<void>;
  /** Data changed in the background (the service worker sent the outbox). */
  changed: () => void;
}

export class Scheduler {
  private lastPull = 0;
  private pulling = false;

  constructor(private o: SchedulerOptions) {}

  async sendNow(force = false): Promise<void> {
    await this.o.status(); // the count includes what was just saved, before the network answers
    if (this.o.needsLogin()) return;
    const r = await this.o.engine.send({ force });
    if (r.rejected || r.conflict) {
      const n = r.rejected + r.conflict;
      announce(`${n} ${n === 1 ? 'entry was' : 'entries were'} not accepted: see Today.`);
    } else if (r.acknowledged && r.status === 'sent') {
      announce(`Sent ${r.acknowledged} ${r.acknowledged === 1 ? 'item' : 'items'}.`);
    }
    await this.o.status();
  }

  async pull(): Promise<void> {
    if (this.o.needsLogin() || !navigator.onLine || this.pulling) return;
    this.pulling = true;
    this.lastPull = Date.now();
    try { await this.o.engine.pullChanges(); } catch (err) { console.warn('changes', err); } finally { this.pulling = false; }
  }

  start(): void {
    window.addEventListener('online', () => { void this.o.status(); void this.sendNow(true).then(() => this.pull()); });
    window.addEventListener('offline', () => void this.o.status());
    window.setInterval(() => { if (navigator.onLine && this.o.engine.due()) void this.sendNow(); }, SEND_EVERY_MS);
    // Returned entries reach an open phone within seconds (Page Visibility: rarely in the background).
    window.setInterval(() => {
      const every = document.visibilityState === 'visible' ? PULL_VISIBLE_MS : PULL_HIDDEN_MS;
      if (Date.now() - this.lastPull >= every - 250) void this.pull();
    }, PULL_VISIBLE_MS);
    document.addEventListener('visibilitychange', () => {
      if (document.visibilityState === 'visible') { void this.sendNow(true).then(() => this.pull()); }
    });
    navigator.serviceWorker?.addEventListener('message', (ev) => {
      if (ev.data?.type === 'outbox-synced') this.o.changed();
    });
  }
}
