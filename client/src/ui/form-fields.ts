/**
 * The entry forms' fields: one spec per kind, and the builders that draw each field
 * for thumbs (big segmented buttons for short lists, a picker for long ones, check boxes).
 * Reading and writing the controls' raw values lives here too; what they mean is form-collect.ts.
 */
import type { DraftValues } from '../sync/drafts';
import type { FieldErrors, Kind, Payload } from '../sync/types';
import { longest, RULES, requiredWhen } from '../rules';
import { labelFor, type Lists, type Option } from '../state';
import { h, nextId, toLocalInput } from './dom';

/** The value of an explicit "Not stated" choice: sent as null. */
export const NOT_STATED = '__not_stated';
const NFA = 'A no further action disposal';

export type Values = DraftValues;
interface Base {
  name: string; label: string; required?: boolean; hint?: string;
  /** Shown (and sent) only when this holds for the form's current values. */
  showIf?: (v: Values) => boolean;
}
export type Spec = Base & (
  | { type: 'choice'; list: string; notStated?: boolean; codes?: boolean; notStatedValue?: string }
  | { type: 'multi'; list: string }
  | { type: 'yesno' }
  | { type: 'text' }
  | { type: 'textarea' }
  | { type: 'stopsearch' });

/** Lists this short are big buttons (one tap); longer ones a picker. */
const SEGMENT_MAX = 7;

export const SPECS: Record<Kind, Spec[]> = {
  stop_search: [
    { name: 'search_type', label: 'Type of search', type: 'choice', list: 'search_types', required: true },
    { name: 'legislation', label: 'Power used', type: 'choice', list: 'legislation', required: true },
    { name: 'object_of_search', label: 'Object of search', type: 'choice', list: 'objects_of_search', required: true },
    { name: 'outcome', label: 'Outcome', type: 'choice', list: 'outcomes', required: true },
    { name: 'outcome_linked_to_object_of_search', label: 'Outcome linked to the object of search', type: 'yesno', required: true,
      showIf: (v) => !!v.outcome && v.outcome !== NFA },
    { name: 'removal_of_more_than_outer_clothing', label: 'More than outer clothing removed', type: 'yesno', required: true },
    { name: 'gender', label: 'Gender', type: 'choice', list: 'genders', required: true, notStated: true },
    { name: 'age_range', label: 'Age range', type: 'choice', list: 'age_ranges', required: true, notStated: true },
    { name: 'self_defined_ethnicity', label: 'Self-defined ethnicity', type: 'choice', list: 'self_defined_ethnicities',
      required: true, notStatedValue: 'Other ethnic group - Not stated', hint: 'As the person describes it.' },
    { name: 'officer_defined_ethnicity', label: 'Officer-defined ethnicity', type: 'choice', list: 'officer_defined_ethnicities',
      required: true, notStated: true },
  ],
  arrest: [
    { name: 'offence_category', label: 'Offence', type: 'choice', list: 'offence_categories', required: true },
    { name: 'power_of_arrest', label: 'Power of arrest', type: 'choice', list: 'powers_of_arrest', required: true },
    { name: 'linked_stop_search_id', label: 'Following a stop search', type: 'stopsearch' },
    { name: 'custody_reference', label: 'Custody reference', type: 'text' },
    { name: 'arrest_outcome', label: 'Outcome, if known', type: 'choice', list: 'arrest_outcomes' },
  ],
  safeguarding_referral: [
    { name: 'subject', label: 'Who is at risk', type: 'choice', list: 'safeguarding_subjects', required: true },
    { name: 'concern_categories', label: 'Concerns', type: 'multi', list: 'concern_categories', required: true },
    { name: 'agency', label: 'Referred to', type: 'choice', list: 'agencies', required: true },
    { name: 'risk_level', label: 'Risk level', type: 'choice', list: 'risk_levels', required: true },
    { name: 'ppn_reference', label: 'PPN reference', type: 'text' },
  ],
  intelligence_log: [
    { name: 'source_evaluation', label: 'Source evaluation', type: 'choice', list: 'source_evaluations', required: true, codes: true },
    { name: 'intelligence_assessment', label: 'Intelligence assessment', type: 'choice', list: 'intelligence_assessments', required: true, codes: true },
    { name: 'handling_code', label: 'Handling code', type: 'choice', list: 'handling_codes', required: true, codes: true },
    { name: 'handling_conditions', label: 'Handling conditions', type: 'textarea', required: true,
      showIf: requiredWhen('handling_conditions') },
    { name: 'topics', label: 'Topics', type: 'multi', list: 'intelligence_topics', required: true },
    { name: 'how_obtained', label: 'How it came in', type: 'choice', list: 'how_obtained', required: true },
    { name: 'intelligence_text', label: 'Intelligence', type: 'textarea', required: true },
  ],
};

export const HEADINGS: Record<Kind, string> = {
  stop_search: 'Log a stop search',
  arrest: 'Log an arrest',
  safeguarding_referral: 'Log a safeguarding referral',
  intelligence_log: 'Log intelligence',
};

const COMMON_LABELS: Record<string, string> = {
  occurred_at: 'Time', area: 'Area', place: 'Place', latitude: 'Location', longitude: 'Location', notes: 'Notes',
  operation_id: 'Operation', shift_id: 'Shift', kind: 'Kind of entry', base_version: 'Version', _schema: 'Entry',
};

/** A field's name in the officer's words, for any message that names a field. */
export function fieldLabel(name: string): string {
  if (COMMON_LABELS[name]) return COMMON_LABELS[name];
  for (const specs of Object.values(SPECS)) {
    const s = specs.find((x) => x.name === name);
    if (s) return s.label;
  }
  const words = name.replace(/_/g, ' ');
  return words.charAt(0).toUpperCase() + words.slice(1);
}

/** A stored value as the officer reads it (with the list's label, and the code for 3x5x2). */
export function valueText(name: string, v: unknown): string {
  if (v == null || v === '') return 'not given';
  if (typeof v === 'boolean') return v ? 'Yes' : 'No';
  for (const specs of Object.values(SPECS)) {
    const s = specs.find((x) => x.name === name);
    if (s && (s.type === 'choice' || s.type === 'multi')) {
      const one = (x: unknown) => (s.type === 'choice' && s.codes ? `${x} – ${labelFor(s.list, x)}` : labelFor(s.list, x));
      return Array.isArray(v) ? v.map(one).join(', ') : one(v);
    }
  }
  if (name === 'occurred_at' && typeof v === 'string') return new Date(v).toLocaleString('en-GB');
  return Array.isArray(v) ? v.join(', ') : String(v);
}

export interface FieldBox { el: HTMLElement; error: HTMLElement; focus: () => HTMLElement | null; spec?: Spec }

export function labelText(text: string, required: boolean): (string | HTMLElement)[] {
  return [text, ' ', h('span', { class: required ? 'req' : 'opt' }, required ? '(required)' : '(optional)')];
}

export function errorBox(id: string, messages: string[]): HTMLElement {
  return h('p', { class: 'field-error', id, hidden: messages.length ? null : true }, messages.join(' '));
}

/** A label, a hint, a control and its error line. */
export function field(text: string, required: boolean, control: HTMLElement, messages: string[], hint?: string): FieldBox {
  const id = control.id;
  const errId = `${id}-error`;
  const hintId = hint ? `${id}-hint` : null;
  const error = errorBox(errId, messages);
  control.setAttribute('aria-describedby', [hintId, errId].filter(Boolean).join(' '));
  if (messages.length) control.setAttribute('aria-invalid', 'true');
  const el = h('div', { class: ['field', messages.length && 'has-error'] },
    h('label', { htmlFor: id }, labelText(text, required)), hint ? h('p', { class: 'hint', id: hintId }, hint) : null, control, error);
  return { el, error, focus: () => control };
}

/** Radio buttons drawn as big buttons: one tap, every option visible, wraps at any text size. */
export function segmented(name: string, text: string, required: boolean, options: Option[], messages: string[], hint?: string): FieldBox {
  const id = nextId();
  const errId = `${id}-error`;
  const hintId = hint ? `${id}-hint` : null;
  const error = errorBox(errId, messages);
  const inputs = options.map((o) => {
    const oid = nextId();
    return h('label', { class: ['seg-opt', o.value === NOT_STATED && 'seg-not-stated'], htmlFor: oid },
      h('input', { type: 'radio', id: oid, name, value: o.value }), h('span', null, o.label));
  });
  const long = options.some((o) => o.label.length > 14) || options.length > 4;
  const el = h('fieldset', { class: ['field', 'seg', long && 'seg-stack', messages.length && 'has-error'], id,
    'aria-describedby': [hintId, errId].filter(Boolean).join(' ') },
    h('legend', null, labelText(text, required)), hint ? h('p', { class: 'hint', id: hintId }, hint) : null,
    h('div', { class: 'seg-options' }, inputs), error);
  return { el, error, focus: () => el.querySelector<HTMLInputElement>('input:checked') ?? el.querySelector('input') };
}

export function picker(name: string, text: string, required: boolean, options: Option[], messages: string[], hint?: string, empty = 'Choose…'): FieldBox {
  const c = h('select', { id: nextId(), name, required: required || null },
    h('option', { value: '' }, empty), options.map((o) => h('option', { value: o.value }, o.label)));
  const box = field(text, required, c, messages, hint);
  // A closed picker cuts long choices short at 360 px: the whole choice is written under it.
  const picked = h('p', { class: 'hint picked', 'aria-hidden': 'true', hidden: true });
  const show = () => {
    const label = c.selectedOptions[0]?.textContent ?? '';
    picked.textContent = c.value ? label : '';
    picked.hidden = !c.value || label.length < 26;
  };
  c.addEventListener('change', show);
  c.addEventListener('input', show);
  (box as FieldBox & { sync?: () => void }).sync = show;
  box.el.insertBefore(picked, box.error);
  return box;
}

export function optionsFor(spec: Spec & { type: 'choice' }, lists: Lists): Option[] {
  let opts = (lists[spec.list] ?? []).map((o) => ({ value: o.value, label: spec.codes ? `${o.value} – ${o.label}` : o.label }));
  if (spec.notStatedValue) {
    // The list's own "not stated" value goes first, in plain words.
    const ns = opts.find((o) => o.value === spec.notStatedValue);
    if (ns) opts = [{ value: ns.value, label: 'Not stated' }, ...opts.filter((o) => o !== ns)];
  }
  if (spec.notStated) opts = [...opts, { value: NOT_STATED, label: 'Not stated' }];
  return opts;
}

/** Every named control's raw value: what a draft keeps. */
export function readValues(form: HTMLFormElement): Values {
  const out: Values = {};
  for (const el of Array.from(form.elements) as (HTMLInputElement | HTMLSelectElement | HTMLTextAreaElement)[]) {
    if (!el.name) continue;
    if (el instanceof HTMLInputElement && el.type === 'radio') { if (el.checked) out[el.name] = el.value; else out[el.name] ??= ''; }
    else if (el instanceof HTMLInputElement && el.type === 'checkbox') {
      const list = (out[el.name] as string[] | undefined) ?? [];
      if (el.checked) list.push(el.value);
      out[el.name] = list;
    } else out[el.name] = el.value;
  }
  return out;
}

export function applyValues(form: HTMLFormElement, values: Values): void {
  for (const el of Array.from(form.elements) as (HTMLInputElement | HTMLSelectElement | HTMLTextAreaElement)[]) {
    if (!el.name || !(el.name in values)) continue;
    const v = values[el.name];
    if (el instanceof HTMLInputElement && (el.type === 'radio' || el.type === 'checkbox')) {
      el.checked = Array.isArray(v) ? v.includes(el.value) : v === el.value;
    } else if (typeof v === 'string') el.value = v;
  }
}

/** A stored entry's payload as raw control values. */
export function rawFrom(kind: Kind, data: Payload, existing: boolean): Values {
  const out: Values = {};
  for (const spec of SPECS[kind]) {
    const v = data[spec.name];
    if (spec.type === 'yesno') out[spec.name] = v === true ? 'yes' : v === false ? 'no' : '';
    else if (spec.type === 'multi') out[spec.name] = (v as string[] | undefined) ?? [];
    else if (spec.type === 'choice' && spec.notStated && v == null) out[spec.name] = existing ? NOT_STATED : '';
    else out[spec.name] = v == null ? '' : String(v);
  }
  return out;
}


/** One field of a kind, drawn from its spec (choices from the value lists; a linked stop search from `stopSearches`). */
export function specField(kind: Kind, spec: Spec, lists: Lists, msgs: string[], stopSearches: Option[]): FieldBox {
  const req = !!spec.required;
  let box: FieldBox;
  if (spec.type === 'choice') {
    const opts = optionsFor(spec, lists);
    box = opts.length <= SEGMENT_MAX ? segmented(spec.name, spec.label, req, opts, msgs, spec.hint)
      : picker(spec.name, spec.label, req, opts, msgs, spec.hint);
  } else if (spec.type === 'yesno') {
    box = segmented(spec.name, spec.label, req, [{ value: 'yes', label: 'Yes' }, { value: 'no', label: 'No' }], msgs, spec.hint);
  } else if (spec.type === 'stopsearch') {
    box = picker(spec.name, spec.label, false, stopSearches, msgs, undefined, 'None');
  } else if (spec.type === 'multi') {
    box = checkBoxes(spec.name, spec.label, req, lists[spec.list] ?? [], msgs);
  } else {
    const c = spec.type === 'text'
      ? h('input', { id: nextId(), name: spec.name, type: 'text', maxlength: longest(kind, spec.name) })
      : h('textarea', { id: nextId(), name: spec.name, maxlength: longest(kind, spec.name), rows: 4 });
    box = field(spec.label, req, c, msgs, spec.hint);
  }
  box.spec = spec;
  return box;
}

/** Several choices at once: a check box each. */
export function checkBoxes(name: string, text: string, required: boolean, options: Option[], messages: string[]): FieldBox {
  const id = nextId();
  const errId = `${id}-error`;
  const checks = options.map((o) => {
    const cid = nextId();
    return h('div', { class: 'check' }, h('input', { type: 'checkbox', id: cid, name, value: o.value }),
      h('label', { htmlFor: cid }, o.label));
  });
  const error = errorBox(errId, messages);
  const el = h('fieldset', { class: ['field', 'checks', messages.length && 'has-error'], id, 'aria-describedby': errId },
    h('legend', null, labelText(text, required), required ? ' Choose at least one.' : ''), checks, error);
  return { el, error, focus: () => el.querySelector('input') };
}

/** A district as the server takes it: trimmed, in capitals. */
export function districtOf(raw: string): string {
  return raw.trim().toUpperCase();
}

export const DISTRICT = new RegExp(RULES.district_pattern);

/** Time, district, place and an optional GPS fix: the part every kind shares. */
export function whenAndWhere(data: Payload, errors: FieldErrors, initialTime: Date, areaValue: string, targetAreas: string[],
                             changed: () => void): { el: HTMLElement; boxes: Record<string, FieldBox>; showCoords: () => void } {
  const boxes: Record<string, FieldBox> = {};
  const when = h('input', { id: nextId(), name: 'occurred_at', type: 'datetime-local', required: true, value: toLocalInput(initialTime) });
  boxes.occurred_at = field('Time', true, when, errors.occurred_at ?? []);
  const areaListId = nextId('areas');
  const area = h('input', { id: nextId(), name: 'area', type: 'text', required: true, autocomplete: 'off',
    autocapitalize: 'characters', inputmode: 'text', list: areaListId, maxlength: 4, spellcheck: 'false',
    value: areaValue });
  boxes.area = field('Area (postcode district)', true, area, errors.area ?? [], 'For example NN3.');
  const place = h('input', { id: nextId(), name: 'place', type: 'text', maxlength: longest('record', 'place'), value: String(data.place ?? '') });
  boxes.place = field('Place', false, place, errors.place ?? []);
  const lat = h('input', { type: 'hidden', name: '__lat', value: data.latitude != null ? String(data.latitude) : '' });
  const lng = h('input', { type: 'hidden', name: '__lng', value: data.longitude != null ? String(data.longitude) : '' });
  const tKeep = h('input', { type: 'hidden', name: '__t', value: initialTime.toISOString() });
  const coords = () => (lat.value && lng.value ? { lat: Number(lat.value), lng: Number(lng.value) } : null);

  const gpsStatus = h('p', { class: 'hint', id: nextId(), 'aria-live': 'polite' });
  const gpsButton = h('button', { type: 'button', class: 'secondary' });
  const gpsRemove = h('button', { type: 'button', class: 'link' }, 'Remove location');
  const showCoords = () => {
    const c = coords();
    gpsStatus.textContent = c ? `Location added: ${c.lat.toFixed(5)}, ${c.lng.toFixed(5)}` : 'No location (optional).';
    gpsButton.textContent = c ? 'Update location' : 'Add my location (GPS)';
    gpsRemove.hidden = !c;
  };
  const setCoords = (c: { lat: number; lng: number } | null) => {
    lat.value = c ? String(c.lat) : '';
    lng.value = c ? String(c.lng) : '';
    showCoords();
    changed();
  };
  gpsButton.addEventListener('click', () => {
    if (!('geolocation' in navigator)) { gpsStatus.textContent = 'This phone cannot give a location.'; return; }
    gpsStatus.textContent = 'Finding your location…';
    navigator.geolocation.getCurrentPosition(
      (pos) => setCoords({ lat: pos.coords.latitude, lng: pos.coords.longitude }),
      (err) => { gpsStatus.textContent = `No location: ${err.message || 'not allowed'}. You can save without it.`; },
      { enableHighAccuracy: true, timeout: 15000, maximumAge: 60000 });
  });
  gpsRemove.addEventListener('click', () => setCoords(null));

  const el = h('fieldset', null, h('legend', null, 'When and where'), boxes.occurred_at.el, boxes.area.el,
    h('datalist', { id: areaListId }, targetAreas.map((a) => h('option', { value: a }))),
    boxes.place.el, h('div', { class: 'gps' }, gpsButton, gpsRemove, gpsStatus), lat, lng, tKeep,
    errorBox(nextId(), [...(errors.latitude ?? []), ...(errors.longitude ?? [])]));

  return { el, boxes, showCoords };
}

/** The list of problems at the top of the form, each a link to its field. */
export function errorSummary(boxes: Record<string, FieldBox>): { el: HTMLElement; show: (p: FieldErrors) => void; say: (t: string) => void } {
  const el = h('div', { class: 'error-summary', role: 'alert', tabindex: '-1', hidden: true });
  const show = (problems: FieldErrors) => {
    const items = Object.entries(problems).map(([name, msgs]) => {
      const box = boxes[name] ?? (name === 'latitude' || name === 'longitude' ? boxes.place : undefined);
      const text = `${fieldLabel(name)}: ${msgs.join(' ')}`;
      if (!box) return h('li', null, text);
      const a = h('a', { href: `#${box.el.id || box.focus()?.id || ''}` }, text);
      // A plain link would change the route (the app routes on the hash): move focus instead.
      a.addEventListener('click', (ev) => { ev.preventDefault(); box.focus()?.focus(); box.el.scrollIntoView({ block: 'center' }); });
      return h('li', null, a);
    });
    el.replaceChildren(h('h2', null, 'There is a problem'), h('ul', null, items));
    el.hidden = !items.length;
  };
  const say = (text: string) => {
    el.hidden = false;
    el.replaceChildren(h('p', null, text));
    el.focus();
  };
  return { el, show, say };
}

/** A field's own error line, and aria-invalid on its control (radios carry it on the group). */
export function showFieldError(box: FieldBox, msgs: string[]): void {
  box.error.textContent = msgs.join(' ');
  box.error.hidden = !msgs.length;
  box.el.classList.toggle('has-error', msgs.length > 0);
  const c = box.el.querySelector('input:not([type=hidden]), select, textarea');
  if (c && !(c instanceof HTMLInputElement && c.type === 'radio')) {
    if (msgs.length) c.setAttribute('aria-invalid', 'true'); else c.removeAttribute('aria-invalid');
  }
}
