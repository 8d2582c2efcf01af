/**
 * User Timing marks for "tap save -> entry stored on this phone" (target < 50 ms).
 * The benchmark (bench/savetime.py) reads the measures; a maintainer can read them in
 * DevTools' Performance panel. Marks cost next to nothing, so they stay in production.
 */
export const SAVE_TAPPED = 'beatbook:save-tapped';
export const SAVE_STORED = 'beatbook:save-stored';
export const SAVE_TO_STORED = 'beatbook:save-to-stored';

/** The officer tapped save (start of the form's submit handler). */
export function markSaveTapped(): void {
  performance.mark(SAVE_TAPPED);
}

/** The outbox transaction is done: measure from the last tap; the duration in ms, or null. */
export function markSaveStored(): number | null {
  try {
    performance.mark(SAVE_STORED);
    const m = performance.measure(SAVE_TO_STORED, SAVE_TAPPED, SAVE_STORED);
    // One measure per save is kept; the marks are not needed once measured.
    performance.clearMarks(SAVE_TAPPED);
    performance.clearMarks(SAVE_STORED);
    return m?.duration ?? null;
  } catch {
    return null; // no tap mark (or no User Timing): timing must never break a save
  }
}
