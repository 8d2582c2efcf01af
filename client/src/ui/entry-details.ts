/** What a supervisor's card says about one entry. An intelligence log the viewer is not cleared for
 * arrives without what could identify its source, naming those fields in `withheld`: the card says so
 * rather than show a blank, "undefined" or an empty time. */
import type { Kind, Payload } from '../sync/types';
import { labelFor } from '../state';
import { timeOf } from './dom';

export const WITHHELD_TEXT = 'Withheld (not cleared for intelligence)';

export function withheld(rec: Payload): Set<string> {
  return new Set(Array.isArray(rec.withheld) ? rec.withheld.map(String) : []);
}

/** When it happened: the time, or (time withheld) the day and the reason there is no time. */
export function whenOf(rec: Payload): string {
  if (!withheld(rec).has('occurred_at')) return timeOf(rec.occurred_at);
  const day = typeof rec.occurred_on === 'string'
    ? new Date(`${rec.occurred_on}T12:00:00Z`).toLocaleDateString('en-GB', { weekday: 'short', day: 'numeric', month: 'short', timeZone: 'UTC' })
    : '';
  return [day, `time ${WITHHELD_TEXT.charAt(0).toLowerCase()}${WITHHELD_TEXT.slice(1)}`].filter(Boolean).join(', ');
}

/** Label and value pairs, in reading order; a withheld field the card would show is named, never left blank. */
export function entryDetails(rec: Payload): [string, string][] {
  const kind = rec.kind as Kind;
  const hidden = withheld(rec);
  const out: [string, string][] = [];
  const add = (label: string, v: unknown) => { if (v != null && v !== '' && !(Array.isArray(v) && !v.length)) out.push([label, Array.isArray(v) ? v.join(', ') : String(v)]); };
  const field = (label: string, name: string, v: unknown = rec[name]) => (hidden.has(name) ? out.push([label, WITHHELD_TEXT]) : add(label, v));
  add('Where', `${rec.area}${rec.place && !hidden.has('place') ? `, ${rec.place}` : ''}`);
  if (hidden.has('place')) field('Place', 'place');
  if (kind === 'stop_search') { add('Power', rec.legislation); add('Object', rec.object_of_search); add('Outcome', rec.outcome); }
  if (kind === 'arrest') { add('Offence', labelFor('offence_categories', rec.offence_category)); add('Power', labelFor('powers_of_arrest', rec.power_of_arrest)); add('Custody ref', rec.custody_reference); }
  if (kind === 'safeguarding_referral') { add('Subject', labelFor('safeguarding_subjects', rec.subject)); add('Concerns', ((rec.concern_categories as string[]) ?? []).map((c) => labelFor('concern_categories', c))); add('Risk', labelFor('risk_levels', rec.risk_level)); }
  if (kind === 'intelligence_log') { add('Grading', `${rec.source_evaluation}${rec.intelligence_assessment}${rec.handling_code}`); field('Intelligence', 'intelligence_text'); }
  field('Notes', 'notes');
  if (rec.status === 'returned') field('Returned with', 'review_comment');
  return out;
}
