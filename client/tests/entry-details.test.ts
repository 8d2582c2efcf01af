import { describe, expect, it } from 'vitest';
import { entryDetails, whenOf, WITHHELD_TEXT } from '../src/ui/entry-details';
import type { Payload } from '../src/sync/types';

// An intelligence log as the server sends it to a viewer not cleared for it (records/schemas.py dump_record).
const withheldLog: Payload = {
  id: '7d3c0a52-1b1e-4f51-9b0a-2f3f6c1d9e01', kind: 'intelligence_log', operation_id: 1, occurred_on: '2026-11-30',
  area: 'NN3', status: 'returned', version: 3, source_evaluation: '2', intelligence_assessment: 'B', handling_code: 'C',
  topics: ['drugs_supply'], how_obtained: 'anonymous_community_member', officer: { id: 4, display_name: 'PC Able' },
  withheld: ['handling_conditions', 'intelligence_text', 'latitude', 'longitude', 'notes', 'occurred_at', 'place',
    'received_at', 'review_comment', 'shift_id', 'updated_at', 'void_reason'],
};

const wholeLog: Payload = {
  ...withheldLog, withheld: undefined, occurred_at: '2026-11-30T10:05:00Z', place: 'Lings Way', notes: 'Seen twice',
  intelligence_text: 'Grey moped at the flats', review_comment: 'Grade it again',
};

describe('a supervisor card of an intelligence log', () => {
  it('says what was withheld instead of showing blanks, "undefined" or an empty time', () => {
    const rows = Object.fromEntries(entryDetails(withheldLog));
    expect(rows).toEqual({
      Where: 'NN3', Place: WITHHELD_TEXT, Grading: '2BC', Intelligence: WITHHELD_TEXT, Notes: WITHHELD_TEXT,
      'Returned with': WITHHELD_TEXT,
    });
    const when = whenOf(withheldLog);
    expect(when).toBe('Mon 30 Nov, time withheld (not cleared for intelligence)');
    const text = entryDetails(withheldLog).flat().join(' ') + when;
    expect(text).not.toMatch(/undefined|null|NaN/);
  });

  it('shows everything to a viewer who is cleared', () => {
    const rows = Object.fromEntries(entryDetails(wholeLog));
    expect(rows).toEqual({
      Where: 'NN3, Lings Way', Grading: '2BC', Intelligence: 'Grey moped at the flats', Notes: 'Seen twice',
      'Returned with': 'Grade it again',
    });
    expect(whenOf(wholeLog)).toMatch(/^\d\d:\d\d$/);
    expect(entryDetails(wholeLog).flat().join(' ')).not.toContain('Withheld');
  });
});
