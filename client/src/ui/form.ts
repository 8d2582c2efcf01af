/**
 * An entry form: its fields (form-fields.ts), a draft kept at every change so nothing typed is
 * lost, and on Save the collect-and-check step (form-collect.ts), then the outbox.
 */
import { getMeta, setMeta } from '../sync/db';
import { deleteDraft, DraftWriter, getDraft, rescueDraft } from '../sync/drafts';
import { getEntry, listEntries, saveEntry, saveShift } from '../sync/outbox';
import { markSaveStored, markSaveTapped } from '../perf';
import type { Entry, FieldErrors, Kind, Payload } from '../sync/types';
import { app, currentOperation, KIND_LABELS, labelFor, loadReference, officerId, type Lists } from '../state';
import { ask } from './dialog';
import { announce, h, localDate, nextId, timeOf, toLocalInput } from './dom';
import { collectEntry } from './form-collect';
import { applyValues, errorBox, field, type FieldBox, fieldLabel, rawFrom, readValues, SPECS, specField } from './form-fields';
import type { Screen, ScreenContext } from './screen';

export { fieldLabel, HEADINGS, NOT_STATED, readValues, valueText } from './form-fields';

export function formKeyFor(kind: Kind, existing?: Entry): string {
  return existing ? `edit:${existing.id}` : `new:${kind}`;
}

/** The form's screen: never redrawn under the officer; `unsaved` while it holds input not yet saved. */
export async function entryForm(kind: Kind, ctx: ScreenContext, existing?: Entry): Promise<Screen> {
  const lists: Lists = await loadReference();
  const op = await currentOperation();
  const me = officerId()!;
  const formKey = formKeyFor(kind, existing);
  const data: Payload = existing ? { ...existing.payload } : {};
  const errors: FieldErrors = existing?.state === 'rejected' ? existing.errors ?? {} : {};
  const [lastArea, draft] = await Promise.all([getMeta<string>(app.db, `lastArea:${me}`), getDraft(app.db, me, formKey)]);
  const boxes: Record<string, FieldBox> = {};
  /** Input not yet saved: a restored draft counts, until it is saved or discarded. */
  let dirty = false;
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
  // An arrest may follow one of today's stop searches (or the one it already names).
  const today = localDate(new Date());
  const stopSearches = kind !== 'arrest' ? [] : (await listEntries(app.db, me))
    .filter((e) => e.kind === 'stop_search' && e.id !== existing?.id)
    .filter((e) => localDate(new Date(String(e.payload.occurred_at))) === today || e.id === data.linked_stop_search_id)
    .map((e) => ({ value: e.id, label: `${timeOf(e.payload.occurred_at)} ${e.payload.area} – ${labelFor('objects_of_search', e.payload.object_of_search)}` }));
  for (const spec of SPECS[kind]) {
    const box = specField(spec, lists, errors[spec.name] ?? [], stopSearches);
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
    dirty = true;
    const discard = h('button', { type: 'button', class: 'link' }, 'Discard draft');
    discard.addEventListener('click', async () => {
      const ok = await ask('Discard this draft?', 'What you typed in this form is deleted from the phone.',
        [{ value: 'discard', label: 'Discard draft', cls: 'danger' }], 'Keep it');
      if (ok !== 'discard') return;
      await writer.flush();
      await deleteDraft(app.db, me, formKey);
      dirty = false;
      ctx.rerender();
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
  const keep = () => { dirty = true; void writer.write(readValues(form)); };
  form.addEventListener('input', () => { applies(); keep(); });
  form.addEventListener('change', keep);
  // The phone may kill a tab in the background without warning: write once more on the way out.
  const onHide = (ev: Event) => {
    if (!form.isConnected) {
      document.removeEventListener('visibilitychange', onHide);
      window.removeEventListener('pagehide', onHide);
      window.removeEventListener('beforeunload', onHide);
    } else if (dirty) {
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
    const { fields, problems } = collectEntry(kind, values, initialTime);
    const payload: Payload = { id: existing?.id ?? crypto.randomUUID(), kind, operation_id: Number(data.operation_id ?? op?.id),
      shift_id: existing ? data.shift_id ?? null : shiftId ?? null, ...fields };
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
    dirty = false;
    await writer.flush();
    await Promise.all([setMeta(app.db, `lastArea:${me}`, payload.area), deleteDraft(app.db, me, formKey)]);
    announce(`${KIND_LABELS[kind]} saved on this phone: waiting to send.`);
    location.hash = '#/today';
    void ctx.sendNow();
    registerBackgroundSync();
  });
  return { el: form, live: () => false, unsaved: () => dirty };
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
