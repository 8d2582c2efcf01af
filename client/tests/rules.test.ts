import { describe, expect, it } from 'vitest';
import { KIND_WORDS, RULES, STATUSES } from '../src/rules';
import { KINDS, stateForStatus } from '../src/sync/types';
import { SPECS } from '../src/ui/form-fields';

describe("the server's rules bundled with the app", () => {
  it('names every kind the app logs, in the same order', () => {
    expect(Object.keys(KIND_WORDS)).toEqual(KINDS);
    expect(KIND_WORDS.intelligence_log).toBe('Intelligence log');
  });

  it('gives every status the server can send a state on the phone', () => {
    expect(STATUSES).toContain('submitted');
    for (const status of STATUSES) {
      expect(stateForStatus(status)).toBe(status === 'submitted' ? 'sent' : status);
    }
  });

  it('says which handling code needs conditions', () => {
    expect(RULES.required_when.handling_conditions).toEqual({ field: 'handling_code', value: 'C' });
  });

  it("asks, for each kind, for exactly the fields the server's record of that kind has", () => {
    for (const kind of KINDS) {
      expect(SPECS[kind].map((s) => s.name).sort()).toEqual(Object.keys(RULES.fields[kind]).sort());
    }
  });

  it('caps every text field at the length the server takes', () => {
    expect(RULES.fields.intelligence_log.intelligence_text.max).toBe(8000);
    expect(RULES.fields.record.notes.max).toBe(4000);
    for (const kind of KINDS) {
      for (const spec of SPECS[kind]) {
        if (spec.type === 'text' || spec.type === 'textarea') expect(RULES.fields[kind][spec.name].max, spec.name).toBeGreaterThan(0);
      }
    }
  });
});
