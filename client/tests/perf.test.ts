import 'fake-indexeddb/auto';
import { IDBFactory } from 'fake-indexeddb';
import { beforeEach, describe, expect, it } from 'vitest';
import { markSaveStored, markSaveTapped, SAVE_TAPPED, SAVE_TO_STORED } from '../src/perf';
import { openBeatbookDB } from '../src/sync/db';
import { getEntry, saveEntry } from '../src/sync/outbox';

beforeEach(() => {
  performance.clearMarks();
  performance.clearMeasures();
});

describe('save timing marks', () => {
  it('measures from the tap to the stored entry, one measure per save', async () => {
    globalThis.indexedDB = new IDBFactory();
    const db = await openBeatbookDB();
    for (let i = 0; i < 2; i++) {
      markSaveTapped();
      const saved = await saveEntry(db, 7, 'stop_search', { kind: 'stop_search', operation_id: 1, area: 'NN3' });
      const ms = markSaveStored();
      expect(ms).not.toBeNull();
      expect(ms!).toBeGreaterThanOrEqual(0);
      expect((await getEntry(db, saved.id))?.state).toBe('waiting');
    }
    const measures = performance.getEntriesByName(SAVE_TO_STORED, 'measure');
    expect(measures).toHaveLength(2);
    expect(performance.getEntriesByName(SAVE_TAPPED, 'mark')).toHaveLength(0);
    db.close();
  });

  it('gives null, not an exception, when there was no tap mark', () => {
    expect(markSaveStored()).toBeNull();
    expect(performance.getEntriesByName(SAVE_TO_STORED, 'measure')).toHaveLength(0);
  });
});
