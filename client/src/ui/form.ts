/** The four entry forms: one spec per kind, built from the reference lists. */
import { getMeta, setMeta } from '../sync/db';
import { getEntry, listEntries, saveEntry } from '../sync/outbox';
import { markSaveStored, markSaveTapped } from '../perf';
import type { Entry, FieldErrors, Kind, Payload } from '../sync/types';
import { app, currentOperation, hooks, KIND_LABELS, labelFor, loadReference, officerId, type Lists } from '../state';
import { announce, h, localDate, nextId, timeOf, toLocalInput } from './dom';

type Spec =
  | { name: string; label: string; type: 'select'; list: string; required?: boolean }
  | { name: string; label: string; type: 'multi'; list: string; required?: boolean }
  | { name: string; label: string; type: 'yesno' }
  | { name: string; label: string; type: 'text'; max: number; required?: boolean }
  | { name: string; label: string; type: 'textarea'; max: number; required?: boolean }
  | { name: string; label: string; type: 'stopsearch' };

const SPECS: Record<Kind, Spec[]> = {
  stop_search: [
    { name: 'search_type', label: 'Type of search', type: 'select', list: 'search_types', required: true },
    { name: 'legislation', label: 'Power used', type: 'select', list: 'legislation', required: true },
    { name: 'object_of_search', label: 'Object of search', type: 'select', list: 'objects_of_search', required: true },
    { name: 'outcome', label: 'Outcome', type: 'select', list: 'outcomes', required: true },
    { name: 'outcome_linked_to_object_of_search', label: 'Outcome linked to object of search', type: 'yesno' },
    { name: 'removal_of_more_than_outer_clothing', label: 'More than outer clothing removed', type: 'yesno' },
    { name: 'gender', label: 'Gender', type: 'select', list: 'genders' },
    { name: 'age_range', label: 'Age range', type: 'select', list: 'age_ranges' },
    { name: 'self_defined_ethnicity', label: 'Self-defined ethnicity', type: 'select', list: 'self_defined_ethnicities' },
    { name: 'officer_defined_ethnicity', label: 'Officer-defined ethnicity', type: 'select', list: 'officer_defined_ethnicities' },
  ],
  arrest: [
    { name: 'offence_category', label: 'Offence', type: 'select', list: 'offence_categories', required: true },
    { name: 'power_of_arrest', label: 'Power of arrest', type: 'select', list: 'powers_of_arrest', required: true },
    { name: 'linked_stop_search_id', label: 'Following a stop search', type: 'stopsearch' },
    { name: 'custody_reference', label: 'Custody reference', type: 'text', max: 40 },
    { name: 'arrest_outcome', label: 'Outcome (if known)', type: 'select', list: 'arrest_outcomes' },
  ],
  safeguarding_referral: [
    { name: 'subject', label: 'Who is at risk', type: 'select', list: 'safeguarding_subjects', required: true },
    { name: 'concern_categories', label: 'Concerns', type: 'multi', list: 'concern_categories', required: true },
    { name: 'agency', label: 'Referred to', type: 'select', list: 'agencies', required: true },
    { name: 'risk_level', label: 'Risk level', type: 'select', list: 'risk_levels', required: true },
    { name: 'ppn_reference', label: 'PPN reference', type: 'text', max: 40 },
  ],
  intelligence_log: [
    { name: 'source_evaluation', label: 'Source evaluation', type: 'select', list: 'source_evaluations', required: true },
    { name: 'intelligence_assessment', label: 'Intelligence assessment', type: 'select', list: 'intelligence_assessments', required: true },
    { name: 'handling_code', label: 'Handling code', type: 'select', list: 'handling_codes', required: true },
    { name: 'handling_conditions', label: 'Handling conditions (needed for code C)', type: 'textarea', max: 1000 },
    { name: 'topics', label: 'Topics', type: 'multi', list: 'intelligence_topics', required: true },
    { name: 'how_obtained', label: 'How it came in', type: 'select', list: 'how_obtained', required: true },
    { name: 'intelligence_text', label: 'Intelligence', type: 'textarea', max: 8000, required: true },
  ],
};

/** Field names the server may name in errors that the form shows in one place. */
const COMMON_FIELDS = ['occurred_at', 'area', 'place', 'latitude', 'longitude', 'notes'];

interface FieldBox { el: HTMLElement; error: HTMLElement; control?: HTMLElement; }

function errorBox(id: string, messages: string[]): HTMLElement {
  return h('p', { class: 'field-error', id, hidden: messages.length ? null : true }, messages.join(' '));
}

function field(labelText: string, control: HTMLElement, id: string, messages: string[], hint?: string): FieldBox {
  const errId = `${id}-error`;
  const hintId = hint ? `${id}-hint` : null;
  const error = errorBox(errId, messages);
  control.setAttribute('aria-describedby', [hintId, errId].filter(Boolean).join(' '));
  if (messages.length) control.setAttribute('aria-invalid', 'true');
  const el = h('div', { class: ['field', messages.length && 'has-error'] },
    h('label', { htmlFor: id }, labelText), hint ? h('p', { class: 'hint', id: hintId }, hint) : null, control, error);
  return { el, error, control };
}

function selectControl(id: string, name: string, options: { value: string; label: string }[], value: unknown, required: boolean) {
  return h('select', { id, name, required: required || null },
    h('option', { value: '' }, required ? 'Choose…' : 'Not recorded'),
    options.map((o) => h('option', { value: o.value, selected: o.value === value || null }, o.label)));
}

export async function entryForm(kind: Kind, existing?: Entry): Promise<HTMLElement> {
  const lists: Lists = await loadReference();
  const op = await currentOperation();
  const me = officerId()!;
  const data: Payload = existing ? { ...existing.payload } : {};
  const errors: FieldErrors = existing?.state === 'rejected' ? existing.errors ?? {} : {};
  const lastArea = await getMeta<string>(app.db, `lastArea:${me}`);
  const shiftId = await getMeta<string>(app.db, `activeShift:${me}`);
  const boxes: Record<string, FieldBox> = {};
  const form = h('form', { class: 'entry-form', novalidate: true, 'aria-labelledby': 'view-title' });

  // --- when and where
  // The input holds minutes; while the officer leaves it alone the exact time is kept.
  const initialTime = data.occurred_at ? new Date(String(data.occurred_at)) : new Date();
  const when = h('input', { id: nextId(), name: 'occurred_at', type: 'datetime-local', required: true,
    value: toLocalInput(initialTime) });
  boxes.occurred_at = field('Time', when, when.id, errors.occurred_at ?? []);
  const areaListId = nextId('areas');
  const area = h('input', { id: nextId(), name: 'area', type: 'text', required: true, autocomplete: 'off',
    autocapitalize: 'characters', inputmode: 'text', list: areaListId, maxlength: 4, spellcheck: 'false',
    value: String(data.area ?? lastArea ?? op?.target_areas[0] ?? '') });
  boxes.area = field('Area (postcode district)', area, area.id, errors.area ?? [], 'For example NN3.');
  const place = h('input', { id: nextId(), name: 'place', type: 'text', maxlength: 200, value: String(data.place ?? '') });
  boxes.place = field('Place (optional)', place, place.id, errors.place ?? []);

  let coords: { lat: number; lng: number } | null =
    data.latitude != null && data.longitude != null ? { lat: Number(data.latitude), lng: Number(data.longitude) } : null;
  const gpsStatus = h('p', { class: 'hint', id: nextId(), 'aria-live': 'polite' });
  const gpsButton = h('button', { type: 'button', class: 'secondary' });
  const gpsRemove = h('button', { type: 'button', class: 'link' }, 'Remove location');
  const showCoords = () => {
    gpsStatus.textContent = coords ? `Location added: ${coords.lat.toFixed(5)}, ${coords.lng.toFixed(5)}` : 'No location (optional).';
    gpsButton.textContent = coords ? 'Update location' : 'Add my location (GPS)';
    gpsRemove.hidden = !coords;
  };
  gpsButton.addEventListener('click', () => {
    if (!('geolocation' in navigator)) { gpsStatus.textContent = 'This phone cannot give a location.'; return; }
    gpsStatus.textContent = 'Finding your location…';
    navigator.geolocation.getCurrentPosition(
      (pos) => { coords = { lat: pos.coords.latitude, lng: pos.coords.longitude }; app.formDirty = true; showCoords(); },
      (err) => { gpsStatus.textContent = `No location: ${err.message || 'not allowed'}. You can save without it.`; },
      { enableHighAccuracy: true, timeout: 15000, maximumAge: 60000 });
  });
  gpsRemove.addEventListener('click', () => { coords = null; showCoords(); });
  showCoords();

  const common = h('fieldset', null, h('legend', null, 'When and where'), boxes.occurred_at.el, boxes.area.el,
    h('datalist', { id: areaListId }, (op?.target_areas ?? []).map((a) => h('option', { value: a }))),
    boxes.place.el, h('div', { class: 'gps' }, gpsButton, gpsRemove, gpsStatus),
    errorBox(nextId(), [...(errors.latitude ?? []), ...(errors.longitude ?? [])]));

  // --- the kind's own fields
  const own = h('fieldset', null, h('legend', null, KIND_LABELS[kind]));
  const getters: Record<string, () => unknown> = {};
  const stopSearches = kind === 'arrest'
    ? (await listEntries(app.db, me)).filter((e) => e.kind === 'stop_search' && e.id !== existing?.id) : [];
  for (const spec of SPECS[kind]) {
    const id = nextId();
    const msgs = errors[spec.name] ?? [];
    if (spec.type === 'select') {
      const c = selectControl(id, spec.name, lists[spec.list] ?? [], data[spec.name], !!spec.required);
      boxes[spec.name] = field(spec.label, c, id, msgs);
      getters[spec.name] = () => c.value || null;
    } else if (spec.type === 'stopsearch') {
      const today = localDate(new Date());
      const opts = stopSearches.filter((e) => localDate(new Date(String(e.payload.occurred_at))) === today || e.id === data[spec.name])
        .map((e) => ({ value: e.id, label: `${timeOf(e.payload.occurred_at)} ${e.payload.area} – ${labelFor('objects_of_search', e.payload.object_of_search)}` }));
      const c = selectControl(id, spec.name, opts, data[spec.name], false);
      (c.firstElementChild as HTMLOptionElement).textContent = 'None';
      boxes[spec.name] = field(spec.label, c, id, msgs);
      getters[spec.name] = () => c.value || null;
    } else if (spec.type === 'yesno') {
      const v = data[spec.name];
      const c = selectControl(id, spec.name, [{ value: 'yes', label: 'Yes' }, { value: 'no', label: 'No' }],
        v === true ? 'yes' : v === false ? 'no' : '', false);
      boxes[spec.name] = field(spec.label, c, id, msgs);
      getters[spec.name] = () => (c.value === 'yes' ? true : c.value === 'no' ? false : null);
    } else if (spec.type === 'multi') {
      const chosen = new Set((data[spec.name] as string[] | undefined) ?? []);
      const errId = `${id}-error`;
      const boxesEl = (lists[spec.list] ?? []).map((o) => {
        const cid = nextId();
        return h('div', { class: 'check' },
          h('input', { type: 'checkbox', id: cid, name: spec.name, value: o.value, checked: chosen.has(o.value) || null }),
          h('label', { htmlFor: cid }, o.label));
      });
      const error = errorBox(errId, msgs);
      const el = h('fieldset', { class: ['field', 'checks', msgs.length && 'has-error'], id, 'aria-describedby': errId },
        h('legend', null, spec.label + (spec.required ? ' (choose at least one)' : '')), boxesEl, error);
      boxes[spec.name] = { el, error };
      getters[spec.name] = () => [...el.querySelectorAll<HTMLInputElement>('input:checked')].map((i) => i.value);
    } else {
      const c = spec.type === 'text'
        ? h('input', { id, name: spec.name, type: 'text', maxlength: spec.max, required: spec.required || null, value: String(data[spec.name] ?? '') })
        : h('textarea', { id, name: spec.name, maxlength: spec.max, required: spec.required || null, rows: 4 }, String(data[spec.name] ?? ''));
      boxes[spec.name] = field(spec.label, c, id, msgs);
      getters[spec.name] = () => { const v = (c as HTMLInputElement).value.trim(); return v || (spec.required ? '' : null); };
    }
    own.append(boxes[spec.name].el);
  }
  const notes = h('textarea', { id: nextId(), name: 'notes', rows: 3, maxlength: 4000 }, String(data.notes ?? ''));
  boxes.notes = field('Notes (optional)', notes, notes.id, errors.notes ?? []);

  // Errors the server gave for fields not on this form.
  const shown = new Set([...COMMON_FIELDS, ...SPECS[kind].map((s) => s.name)]);
  const other = Object.entries(errors).filter(([k]) => !shown.has(k)).map(([k, v]) => `${k}: ${v.join(' ')}`);
  const summary = h('div', { class: 'error-summary', role: 'alert', tabindex: '-1', hidden: other.length ? null : true },
    other.length ? h('p', null, other.join(' ')) : null);

  const save = h('button', { type: 'submit', class: 'primary big' }, existing ? 'Save and resend' : 'Save');
  form.append(summary, common, own, boxes.notes.el,
    h('p', { class: 'hint' }, 'Saving keeps the entry on this phone at once; it is sent when there is signal.'),
    save);
  form.addEventListener('input', () => { app.formDirty = true; });

  const setError = (name: string, msgs: string[]) => {
    const box = boxes[name];
    if (!box) return;
    box.error.textContent = msgs.join(' ');
    box.error.hidden = !msgs.length;
    box.el.classList.toggle('has-error', msgs.length > 0);
    if (box.control) {
      if (msgs.length) box.control.setAttribute('aria-invalid', 'true');
      else box.control.removeAttribute('aria-invalid');
    }
  };

  let saving = false;
  form.addEventListener('submit', async (ev) => {
    markSaveTapped();
    ev.preventDefault();
    const payload: Payload = { id: existing?.id ?? crypto.randomUUID(), kind, operation_id: Number(data.operation_id ?? op?.id),
      shift_id: existing ? data.shift_id ?? null : shiftId ?? null };
    const problems: FieldErrors = {};
    const whenDate = new Date(when.value);
    if (!when.value || Number.isNaN(whenDate.getTime())) problems.occurred_at = ['Give the time.'];
    else if (whenDate.getTime() > Date.now() + 15 * 60_000) problems.occurred_at = ['That time is in the future.'];
    else payload.occurred_at = when.value === toLocalInput(initialTime) ? initialTime.toISOString() : whenDate.toISOString();
    const areaValue = area.value.trim().toUpperCase();
    if (!/^[A-Z]{1,2}[0-9][A-Z0-9]?$/.test(areaValue)) problems.area = ['Give a postcode district, e.g. NN3.'];
    payload.area = areaValue;
    payload.place = place.value.trim() || null;
    payload.latitude = coords?.lat ?? null;
    payload.longitude = coords?.lng ?? null;
    payload.notes = notes.value.trim();
    for (const spec of SPECS[kind]) {
      const v = getters[spec.name]();
      payload[spec.name] = v;
      const required = 'required' in spec && spec.required;
      if (required && (v == null || v === '' || (Array.isArray(v) && !v.length))) {
        problems[spec.name] = [spec.type === 'multi' ? 'Choose at least one.' : 'This is needed.'];
      }
    }
    if (kind === 'intelligence_log' && payload.handling_code === 'C' && !payload.handling_conditions) {
      problems.handling_conditions = ['State the conditions when the handling code is C.'];
    }
    if (!payload.operation_id) {
      summary.hidden = false;
      summary.replaceChildren(h('p', null, 'No operation is running for you today; nothing can be logged.'));
      summary.focus();
      return;
    }
    const firstBad = Object.keys(problems)[0];
    if (firstBad) {
      for (const name of Object.keys(boxes)) setError(name, problems[name] ?? []);
      const box = boxes[firstBad];
      (box.control ?? box.el.querySelector('input') ?? box.el).focus();
      announce('Check the highlighted fields.');
      return;
    }
    if (saving) return; // a double tap: the first one is storing it
    saving = true;
    // Store before touching the page: a change to the page here makes the browser redraw
    // before it hands back IndexedDB's answer, which on a slow phone doubled the wait.
    try {
      await saveEntry(app.db, me, kind, payload); // resolves once the outbox transaction is done
    } finally {
      saving = false;
    }
    markSaveStored();
    save.disabled = true;
    await setMeta(app.db, `lastArea:${me}`, areaValue);
    app.formDirty = false;
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
