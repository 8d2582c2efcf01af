/**
 * The collect-and-check step of an entry form: the controls' raw values in, the record's
 * fields and the problems to show out. No DOM here, so every rule can be tested alone;
 * the rules shared with the server (district, clock allowance, handling code) come from rules.ts.
 */
import { RULES } from '../rules';
import type { FieldErrors, Kind, Payload } from '../sync/types';
import { toLocalInput } from './dom';
import { DISTRICT, districtOf, NOT_STATED, SPECS, type Values } from './form-fields';

export interface Collected {
  /** occurred_at (when valid), area, place, latitude, longitude, notes, then the kind's own fields. */
  fields: Payload;
  problems: FieldErrors;
}

/**
 * `initialTime` is the exact time the form opened with: the input holds minutes only, so while the
 * officer leaves it alone the exact time is kept.
 */
export function collectEntry(kind: Kind, values: Values, initialTime: Date, now = Date.now()): Collected {
  const fields: Payload = {};
  const problems: FieldErrors = {};
  const when = String(values.occurred_at ?? '');
  const whenDate = new Date(when);
  if (!when || Number.isNaN(whenDate.getTime())) problems.occurred_at = ['Give the time.'];
  else if (whenDate.getTime() > now + RULES.clock_skew_minutes * 60_000) problems.occurred_at = ['That time is in the future.'];
  else fields.occurred_at = when === toLocalInput(initialTime) ? initialTime.toISOString() : whenDate.toISOString();
  const area = districtOf(String(values.area ?? ''));
  if (!DISTRICT.test(area)) problems.area = ['Give a postcode district, for example NN3.'];
  fields.area = area;
  fields.place = String(values.place ?? '').trim() || null;
  const lat = String(values.__lat ?? ''), lng = String(values.__lng ?? '');
  const located = !!(lat && lng);
  fields.latitude = located ? Number(lat) : null;
  fields.longitude = located ? Number(lng) : null;
  fields.notes = String(values.notes ?? '').trim();
  for (const spec of SPECS[kind]) {
    const raw = values[spec.name];
    const shown = !spec.showIf || spec.showIf(values);
    let v: unknown;
    if (spec.type === 'multi') v = shown ? (raw as string[]) ?? [] : [];
    else if (spec.type === 'yesno') v = raw === 'yes' ? true : raw === 'no' ? false : null;
    else if (spec.type === 'text' || spec.type === 'textarea') v = String(raw ?? '').trim() || null;
    else v = raw && raw !== NOT_STATED ? raw : null;
    if (!shown) v = spec.type === 'multi' ? [] : null;
    fields[spec.name] = v;
    const missing = spec.type === 'multi' ? !(v as string[]).length : !raw;
    if (shown && spec.required && missing) {
      problems[spec.name] = [spec.type === 'multi' ? 'Choose at least one.'
        : spec.type === 'text' || spec.type === 'textarea' ? 'Fill this in.'
        : spec.type === 'choice' && spec.notStated ? 'Choose one, or Not stated.' : 'Choose one.'];
    }
  }
  return { fields, problems };
}
