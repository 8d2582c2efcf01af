/**
 * The server's rules the phone checks before it sends, generated from the server's own code into
 * reference-fallback.json (scripts/reference.py): never copied by hand, so the two cannot drift.
 */
import { lists, rules } from './reference-fallback.json';
import type { DraftValues } from './sync/drafts';
import type { Kind } from './sync/types';

export interface Rules {
  /** What the server takes as a postcode district (a regular expression). */
  district_pattern: string;
  /** How far ahead of the server's clock a phone's time may be. */
  clock_skew_minutes: number;
  /** A field required only when another field has a given value (the handling code C's conditions). */
  required_when: Record<string, { field: string; value: string }>;
  /** The fields a phone sends: those of every record, then each kind's own; `max`: the longest text. */
  fields: Record<'record' | Kind, Record<string, { max?: number }>>;
}

export const RULES: Rules = rules as Rules;

/** Record kinds in the users' words (the server's value list). */
export const KIND_WORDS = Object.fromEntries(lists.kinds.map((o) => [o.value, o.label])) as Record<Kind, string>;

/** A record's statuses on the server. */
export const STATUSES: string[] = lists.statuses.map((o) => o.value);

/** Whether a conditionally required field applies to what the form now holds. */
export function requiredWhen(name: string): (v: DraftValues) => boolean {
  const rule = RULES.required_when[name];
  return (v) => v[rule.field] === rule.value;
}

/** The longest text the server takes in a field (undefined: no limit of its own). */
export function longest(kind: 'record' | Kind, name: string): number | undefined {
  return RULES.fields[kind][name]?.max;
}
