/**
 * The four entry forms, built for thumbs: one spec per kind, big segmented
 * buttons for short lists, fields shown only when they apply, and every
 * change kept as a draft on the phone.
 */
import { getMeta, setMeta } from '../sync/db';
import { deleteDraft, DraftWriter, getDraft, rescueDraft, type DraftValues } from '../sync/drafts';
import { getEntry, listEntries, saveEntry, saveShift } from '../sync/outbox';
import { markSaveStored, markSaveTapped } from '../perf';
import type { Entry, FieldErrors, Kind, Payload } from '../sync/types';
import { app, currentOperation, hooks, KIND_LABELS, labelFor, loadReference, officerId, type Lists, type Option } from '../state';
import { announce, ask, h, localDate, nextId, timeOf, toLocalInput } from './dom';

/** The value of an explicit "Not stated" choice: sent as null. */
export const NOT_STATED = '__not_stated';
const NFA = 'A no further action disposal';

type Values = DraftValues;
interface Base {
  name: string; label: string; required?: boolean; hint?: string;
  /** Shown (and sent) only when this holds for the form's current values. */
  showIf?: (v: Values) => boolean;
}
type Spec = Base & (
  | { type: 'choice'; list: string; notStated?: boolean; codes?: boolean; notStatedValue?: string }
  | { type: 'multi'; list: string }
  | { type: 'yesno' }
  | { type: 'text'; max: number }
  | { type: 'textarea'; max: number }
  | { type: 'stopsearch' });

/** Lists this short are big buttons (one tap); longer ones a picker. */
const SEGMENT_MAX = 7;

const SPECS: Record<Kind, Spec[]> = {
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
    { name: 'custody_reference', label: 'Custody reference', type: 'text', max: 40 },
    { name: 'arrest_outcome', label: 'Outcome, if known', type: 'choice', list: 'arrest_outcomes' },
  ],
  safeguarding_referral: [
    { name: 'subject', label: 'Who is at risk', type: 'choice', list: 'safeguarding_subjects', required: true },
    { name: 'concern_categories', label: 'Concerns', type: 'multi', list: 'concern_categories', required: true },
    { name: 'agency', label: 'Referred to', type: 'choice', list: 'agencies', required: true },
    { name: 'risk_level', label: 'Risk level', type: 'choice', list: 'risk_levels', required: true },
    { name: 'ppn_reference', label: 'PPN reference', type: 'text', max: 40 },
  ],
  intelligence_log: [
    { name: 'source_evaluation', label: 'Source evaluation', type: 'choice', list: 'source_evaluations', required: true, codes: true },
    { name: 'intelligence_assessment', label: 'Intelligence assessment', type: 'choice', list: 'intelligence_assessments', required: true, codes: true },
    { name: 'handling_code', label: 'Handling code', type: 'choice', list: 'handling_codes', required: true, codes: true },
    { name: 'handling_conditions', label: 'Handling conditions', type: 'textarea', max: 1000, required: true,
      showIf: (v) => v.handling_code === 'C' },
    { name: 'topics', label: 'Topics', type: 'multi', list: 'intelligence_topics', required: true },
    { name: 'how_obtained', label: 'How it came in', type: 'choice', list: 'how_obtained', required: true },
    { name: 'intelligence_text', label: 'Intelligence', type: 'textarea', max: 8000, required: true },
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

interface FieldBox { el: HTMLElement; error: HTMLElement; focus: () => HTMLElement | null; spec?: Spec }

function labelText(text: string, required: boolean): (string | HTMLElement)[] {
  return [text, ' ', h('span', { class: required ? 'req' : 'opt' }, required ? '(required)' : '(optional)')];
}

function errorBox(id: string, messages: string[]): HTMLElement {
  return h('p', { class: 'field-error', id, hidden: messages.length ? null : true }, messages.join(' '));
}

/** A label, a hint, a control and its error line. */
function field(text: string, required: boolean, control: HTMLElement, messages: string[], hint?: string): FieldBox {
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
function segmented(name: string, text: string, required: boolean, options: Option[], messages: string[], hint?: string): FieldBox {
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

function picker(name: string, text: string, required: boolean, options: Option[], messages: string[], hint?: string, empty = 'Choose…'): FieldBox {
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

function optionsFor(spec: Spec & { type: 'choice' }, lists: Lists): Option[] {
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

function applyValues(form: HTMLFormElement, values: Values): void {
  for (const el of Array.from(form.elements) as (HTMLInputElement | HTMLSelectElement | HTMLTextAreaElement)[]) {
    if (!el.name || !(el.name in values)) continue;
    const v = values[el.name];
    if (el instanceof HTMLInputElement && (el.type === 'radio' || el.type === 'checkbox')) {
      el.checked = Array.isArray(v) ? v.includes(el.value) : v === el.value;
    } else if (typeof v === 'string') el.value = v;
  }
}

/** A stored entry's payload as raw control values. */
function rawFrom(kind: Kind, data: Payload, existing: boolean): Values {
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

export function formKeyFor(kind: Kind, existing?: Entry): string {
  return existing ? `edit:${existing.id}` : `new:${kind}`;
}

export async function entryForm(kind: Kind, existing?: Entry): Promise<HTMLElement> {
  const lists: Lists = await loadReference();
  const op = await currentOperation();
  const me = officerId()!;
  const formKey = formKeyFor(kind, existing);
  const data: Payload = existing ? { ...existing.payload } : {};
  const errors: FieldErrors = existing?.state === 'rejected' ? existing.errors ?? {} : {};
  const [lastArea, draft] = await Promise.all([getMeta<string>(app.db, `lastArea:${me}`), getDraft(app.db, me, formKey)]);
  const boxes: Record<string, FieldBox> = {};
  const form = h('form', { class: 'entry-form', novalidate: true, 'aria-labelledby': 'view-title', 'data-form': formKey });

  // --- when and where
  // The input holds minutes; while the officer leaves it alone the exact time is kept.
  let initialTime = data.occurred_at ? new Date(String(data.occurred_at)) : new Date();
  if (typeof draft?.values.__t === 'string' && !Number.isNaN(new Date(draft.values.__t).getTime())) initialTime = new Date(draft.values.__t);
  const when = h('input', { id: nextId(), name: 'occurred_at', type: 'datetime-local', required: true, value: toLocalInput(initialTime) });
  boxes.occurred_at = field('Time', true, when, errors.occurred_at ?? []);
  const areaListId = nextId('areas');
  const area = h('input', { id: nextId(), name: 'area', type: 'text', required: true, autocomplete: 'off',
    autocapitalize: 'characters', inputmode: 'text', list: areaListId, maxlength: 4, spellcheck: 'false',
    value: String(data.area ?? lastArea ?? op?.target_areas[0] ?? '') });
  boxes.area = field('Area (postcode district)', true, area, errors.area ?? [], 'For example NN3.');
  const place = h('input', { id: nextId(), name: 'place', type: 'text', maxlength: 200, value: String(data.place ?? '') });
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
    form.dispatchEvent(new Event('input', { bubbles: true }));
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

  const common = h('fieldset', null, h('legend', null, 'When and where'), boxes.occurred_at.el, boxes.area.el,
    h('datalist', { id: areaListId }, (op?.target_areas ?? []).map((a) => h('option', { value: a }))),
    boxes.place.el, h('div', { class: 'gps' }, gpsButton, gpsRemove, gpsStatus), lat, lng, tKeep,
    errorBox(nextId(), [...(errors.latitude ?? []), ...(errors.longitude ?? [])]));

  // --- the kind's own fields
  const own = h('fieldset', null, h('legend', null, KIND_LABELS[kind]));
  const stopSearches = kind === 'arrest'
    ? (await listEntries(app.db, me)).filter((e) => e.kind === 'stop_search' && e.id !== existing?.id) : [];
  for (const spec of SPECS[kind]) {
    const msgs = errors[spec.name] ?? [];
    const req = !!spec.required;
    let box: FieldBox;
    if (spec.type === 'choice') {
      const opts = optionsFor(spec, lists);
      box = opts.length <= SEGMENT_MAX ? segmented(spec.name, spec.label, req, opts, msgs, spec.hint)
        : picker(spec.name, spec.label, req, opts, msgs, spec.hint);
    } else if (spec.type === 'yesno') {
      box = segmented(spec.name, spec.label, req, [{ value: 'yes', label: 'Yes' }, { value: 'no', label: 'No' }], msgs, spec.hint);
    } else if (spec.type === 'stopsearch') {
      const today = localDate(new Date());
      const opts = stopSearches.filter((e) => localDate(new Date(String(e.payload.occurred_at))) === today || e.id === data[spec.name])
        .map((e) => ({ value: e.id, label: `${timeOf(e.payload.occurred_at)} ${e.payload.area} – ${labelFor('objects_of_search', e.payload.object_of_search)}` }));
      box = picker(spec.name, spec.label, false, opts, msgs, undefined, 'None');
    } else if (spec.type === 'multi') {
      const id = nextId();
      const errId = `${id}-error`;
      const checks = (lists[spec.list] ?? []).map((o) => {
        const cid = nextId();
        return h('div', { class: 'check' }, h('input', { type: 'checkbox', id: cid, name: spec.name, value: o.value }),
          h('label', { htmlFor: cid }, o.label));
      });
      const error = errorBox(errId, msgs);
      const el = h('fieldset', { class: ['field', 'checks', msgs.length && 'has-error'], id, 'aria-describedby': errId },
        h('legend', null, labelText(spec.label, req), req ? ' Choose at least one.' : ''), checks, error);
      box = { el, error, focus: () => el.querySelector('input') };
    } else {
      const c = spec.type === 'text'
        ? h('input', { id: nextId(), name: spec.name, type: 'text', maxlength: spec.max })
        : h('textarea', { id: nextId(), name: spec.name, maxlength: spec.max, rows: 4 });
      box = field(spec.label, req, c, msgs, spec.hint);
    }
    box.spec = spec;
    boxes[spec.name] = box;
    own.append(box.el);
  }
  const notes = h('textarea', { id: nextId(), name: 'notes', rows: 3, maxlength: 4000 });
  boxes.notes = field('Notes', false, notes, errors.notes ?? []);

  const summary = h('div', { class: 'error-summary', role: 'alert', tabindex: '-1', hidden: true });
  const showSummary = (problems: FieldErrors) => {
    const items = Object.entries(problems).map(([name, msgs]) => {
      const box = boxes[name] ?? (name === 'latitude' || name === 'longitude' ? boxes.place : undefined);
      const text = `${fieldLabel(name)}: ${msgs.join(' ')}`;
      if (!box) return h('li', null, text);
      const a = h('a', { href: `#${box.el.id || box.focus()?.id || ''}` }, text);
      // A plain link would change the route (the app routes on the hash): move focus instead.
      a.addEventListener('click', (ev) => { ev.preventDefault(); box.focus()?.focus(); box.el.scrollIntoView({ block: 'center' }); });
      return h('li', null, a);
    });
    summary.replaceChildren(h('h2', null, 'There is a problem'), h('ul', null, items));
    summary.hidden = !items.length;
  };

  const draftNote = h('div', { class: 'draft-note', hidden: true });
  const save = h('button', { type: 'submit', class: 'primary big' }, existing ? 'Save and resend' : 'Save');
  form.append(draftNote, summary, common, own, boxes.notes.el,
    h('p', { class: 'hint' }, 'Saving keeps the entry on this phone at once; it is sent when there is signal.'), save);

  // Starting values: the stored entry, then the draft over it.
  applyValues(form, { ...rawFrom(kind, data, !!existing), notes: String(data.notes ?? '') });
  if (draft) {
    applyValues(form, draft.values);
    app.formDirty = true;
    const discard = h('button', { type: 'button', class: 'link' }, 'Discard draft');
    discard.addEventListener('click', async () => {
      const ok = await ask('Discard this draft?', 'What you typed in this form is deleted from the phone.',
        [{ value: 'discard', label: 'Discard draft', cls: 'danger' }], 'Keep it');
      if (ok !== 'discard') return;
      await writer.flush();
      await deleteDraft(app.db, me, formKey);
      app.formDirty = false;
      hooks.rerender();
    });
    draftNote.hidden = false;
    draftNote.replaceChildren(h('p', null, `Draft restored (last changed ${timeOf(draft.updatedAt)}).`), discard);
  }
  if (Object.keys(errors).length) showSummary(errors);
  showCoords();
  for (const box of Object.values(boxes)) (box as FieldBox & { sync?: () => void }).sync?.();

  const applies = () => {
    const v = readValues(form);
    for (const spec of SPECS[kind]) {
      if (!spec.showIf) continue;
      boxes[spec.name].el.hidden = !spec.showIf(v);
    }
  };
  applies();

  const writer = new DraftWriter(app.db, me, formKey, kind);
  const keep = () => { app.formDirty = true; void writer.write(readValues(form)); };
  form.addEventListener('input', () => { applies(); keep(); });
  form.addEventListener('change', keep);
  // The phone may kill a tab in the background without warning: write once more on the way out.
  const onHide = (ev: Event) => {
    if (!form.isConnected) {
      document.removeEventListener('visibilitychange', onHide);
      window.removeEventListener('pagehide', onHide);
      window.removeEventListener('beforeunload', onHide);
    } else if (app.formDirty) {
      const v = readValues(form);
      void writer.write(v);
      if (ev.type !== 'visibilitychange') rescueDraft(me, formKey, kind, v);
    }
  };
  document.addEventListener('visibilitychange', onHide);
  window.addEventListener('pagehide', onHide);
  window.addEventListener('beforeunload', onHide);

  const setError = (name: string, msgs: string[]) => {
    const box = boxes[name];
    if (!box) return;
    box.error.textContent = msgs.join(' ');
    box.error.hidden = !msgs.length;
    box.el.classList.toggle('has-error', msgs.length > 0);
    const c = box.el.querySelector('input:not([type=hidden]), select, textarea');
    if (c && !(c instanceof HTMLInputElement && c.type === 'radio')) {
      if (msgs.length) c.setAttribute('aria-invalid', 'true'); else c.removeAttribute('aria-invalid');
    }
  };

  let saving = false;
  form.addEventListener('submit', async (ev) => {
    markSaveTapped();
    ev.preventDefault();
    const values = readValues(form);
    const shiftId = await getMeta<string>(app.db, `activeShift:${me}`);
    const payload: Payload = { id: existing?.id ?? crypto.randomUUID(), kind, operation_id: Number(data.operation_id ?? op?.id),
      shift_id: existing ? data.shift_id ?? null : shiftId ?? null };
    const problems: FieldErrors = {};
    const whenDate = new Date(when.value);
    if (!when.value || Number.isNaN(whenDate.getTime())) problems.occurred_at = ['Give the time.'];
    else if (whenDate.getTime() > Date.now() + 15 * 60_000) problems.occurred_at = ['That time is in the future.'];
    else payload.occurred_at = when.value === toLocalInput(initialTime) ? initialTime.toISOString() : whenDate.toISOString();
    const areaValue = area.value.trim().toUpperCase();
    if (!/^[A-Z]{1,2}[0-9][A-Z0-9]?$/.test(areaValue)) problems.area = ['Give a postcode district, for example NN3.'];
    payload.area = areaValue;
    payload.place = place.value.trim() || null;
    const c = coords();
    payload.latitude = c?.lat ?? null;
    payload.longitude = c?.lng ?? null;
    payload.notes = notes.value.trim();
    for (const spec of SPECS[kind]) {
      const raw = values[spec.name];
      const shown = !spec.showIf || spec.showIf(values);
      let v: unknown;
      if (spec.type === 'multi') v = shown ? (raw as string[]) ?? [] : [];
      else if (spec.type === 'yesno') v = raw === 'yes' ? true : raw === 'no' ? false : null;
      else if (spec.type === 'text' || spec.type === 'textarea') v = String(raw ?? '').trim() || null;
      else v = raw && raw !== NOT_STATED ? raw : null;
      if (!shown) v = spec.type === 'multi' ? [] : null;
      payload[spec.name] = v;
      const missing = spec.type === 'multi' ? !(v as string[]).length : !raw;
      if (shown && spec.required && missing) {
        problems[spec.name] = [spec.type === 'multi' ? 'Choose at least one.'
          : spec.type === 'text' || spec.type === 'textarea' ? 'Fill this in.'
          : spec.type === 'choice' && spec.notStated ? 'Choose one, or Not stated.' : 'Choose one.'];
      }
    }
    if (!payload.operation_id) {
      summary.hidden = false;
      summary.replaceChildren(h('p', null, 'No operation is running for you today; nothing can be logged.'));
      summary.focus();
      return;
    }
    for (const name of Object.keys(boxes)) setError(name, problems[name] ?? []);
    if (Object.keys(problems).length) {
      showSummary(problems);
      summary.focus();
      summary.scrollIntoView({ block: 'start' });
      return;
    }
    summary.hidden = true;
    if (saving) return; // a double tap: the first one is storing it
    saving = true;
    try {
      if (!existing && !payload.shift_id) {
        const choice = await ask('You are not on shift', 'Entries belong to a shift. Start one now (from the time you tap) and save?',
          [{ value: 'start', label: 'Start shift and save', cls: 'primary' }, { value: 'without', label: 'Save without a shift', cls: 'secondary' }],
          'Back to the form');
        if (!choice) return;
        if (choice === 'start' && op) {
          const s = await saveShift(app.db, me, { operation_id: op.id, started_at: new Date().toISOString() });
          await setMeta(app.db, `activeShift:${me}`, s.id);
          payload.shift_id = s.id;
        }
      }
      // Store before touching the page: a change to the page here makes the browser redraw
      // before it hands back IndexedDB's answer, which on a slow phone doubled the wait.
      await saveEntry(app.db, me, kind, payload); // resolves once the outbox transaction is done
    } finally {
      saving = false;
    }
    markSaveStored();
    save.disabled = true;
    app.formDirty = false;
    await writer.flush();
    await Promise.all([setMeta(app.db, `lastArea:${me}`, areaValue), deleteDraft(app.db, me, formKey)]);
    announce(`${KIND_LABELS[kind]} saved on this phone: waiting to send.`);
    location.hash = '#/today';
    void hooks.sendNow();
    registerBackgroundSync();
  });
  return form;
}

/** Ask the service worker to send when the connection comes back (Chromium only). */
export function registerBackgroundSync(): void {
  navigator.serviceWorker?.ready.then((reg) => {
    const sync = (reg as ServiceWorkerRegistration & { sync?: { register(tag: string): Promise<void> } }).sync;
    return sync?.register('beatbook-outbox');
  }).catch(() => { /* not supported: the online event and the timer cover it */ });
}

export async function loadEntryForEdit(id: string): Promise<Entry | undefined> {
  const e = await getEntry(app.db, id);
  return e && e.officerId === officerId() ? e : undefined;
}
