import { describe, expect, it } from 'vitest';
import { toLocalInput } from '../src/ui/dom';
import { collectEntry } from '../src/ui/form-collect';
import { NOT_STATED } from '../src/ui/form-fields';

const opened = new Date('2026-11-30T10:05:17.250Z');
const intel = {
  occurred_at: toLocalInput(opened), area: ' nn3 ', place: '', notes: ' seen twice ', __lat: '', __lng: '',
  source_evaluation: '2', intelligence_assessment: 'B', handling_code: 'P', handling_conditions: '',
  topics: ['drugs_supply'], how_obtained: 'anonymous_community_member', intelligence_text: 'Grey moped at the flats',
};

describe('collecting an entry form', () => {
  it('keeps the exact opening time while the officer leaves the time alone, and tidies the district', () => {
    const { fields, problems } = collectEntry('intelligence_log', intel, opened, opened.getTime());
    expect(problems).toEqual({});
    expect(fields.occurred_at).toBe(opened.toISOString());
    expect(fields.area).toBe('NN3');
    expect(fields.place).toBeNull();
    expect(fields.notes).toBe('seen twice');
    expect(fields.latitude).toBeNull();
  });

  it('refuses what is not a postcode district', () => {
    for (const area of ['NN', '3NN', 'NN3 5AB', '']) {
      expect(collectEntry('intelligence_log', { ...intel, area }, opened, opened.getTime()).problems.area).toBeDefined();
    }
  });

  it('allows a phone clock up to 15 minutes ahead, no more', () => {
    const at = (minutes: number) => toLocalInput(new Date(opened.getTime() + minutes * 60_000));
    expect(collectEntry('intelligence_log', { ...intel, occurred_at: at(14) }, opened, opened.getTime()).problems.occurred_at).toBeUndefined();
    expect(collectEntry('intelligence_log', { ...intel, occurred_at: at(17) }, opened, opened.getTime()).problems.occurred_at)
      .toEqual(['That time is in the future.']);
  });

  it('asks for handling conditions under code C only, and sends none otherwise', () => {
    const c = collectEntry('intelligence_log', { ...intel, handling_code: 'C' }, opened, opened.getTime());
    expect(c.problems.handling_conditions).toEqual(['Fill this in.']);
    const p = collectEntry('intelligence_log', { ...intel, handling_conditions: 'typed before choosing P' }, opened, opened.getTime());
    expect(p.problems.handling_conditions).toBeUndefined();
    expect(p.fields.handling_conditions).toBeNull();
  });

  it('sends "Not stated" as null and names every missing required choice', () => {
    const { fields, problems } = collectEntry('stop_search', {
      occurred_at: toLocalInput(opened), area: 'NN5', gender: NOT_STATED, search_type: '', outcome: '',
    }, opened, opened.getTime());
    expect(fields.gender).toBeNull();
    expect(problems.gender).toBeUndefined();
    expect(problems.search_type).toEqual(['Choose one.']);
    expect(problems.age_range).toEqual(['Choose one, or Not stated.']);
  });
});
