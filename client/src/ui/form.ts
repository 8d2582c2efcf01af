/**
 * An entry form: its fields (form-fields.ts), a draft kept at every change so nothing typed is
 * lost, and on Save the collect-and-check step (form-collect.ts), then the outbox.
 */
import { getMeta, setMeta } from '../sync/db';
import { deleteDraft, DraftWriter, getDraft, rescueDraft } from '../sync/drafts';
import { getEntry, listEntries, saveEntry, saveShift } from '../sync/outbox';
import { markSaveStored, markSaveTapped } from '../perf';
import { longest } from '../rules';
import type { Entry, FieldErrors, Kind, Operation, Payload } from '../sync/types';
import { app, currentOperation, KIND_LABELS, labelFor, loadReference, officerId, type Lists } from '../state';
import { ask } from './dialog';
import { announce, h, localDate, nextId, timeOf } from './dom';
import { collectEntry } from './form-collect';
import { applyValues, errorSummary, field, type FieldBox, rawFrom, readValues, showFieldError, SPECS, specField, whenAndWhere } from './form-fields';
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
  const where = whenAndWhere(data, errors, initialTime, String(data.area ?? lastArea ?? op?.target_areas[0] ?? ''),
    op?.target_areas ?? [], () => form.dispatchEvent(new Event('input', { bubbles: true })));
  Object.assign(boxes, where.boxes);

  // --- the kind's own fields
  const own = h('fieldset', null, h('legend', null, KIND_LABELS[kind]));
  // An arrest may follow one of today's stop searches (or the one it already names).
  const today = localDate(new Date());
  const stopSearches = kind !== 'arrest' ? [] : (await listEntries(app.db, me))
    .filter((e) => e.kind === 'stop_search' && e.id !== existing?.id)
    .filter((e) => localDate(new Date(String(e.payload.occurred_at))) === today || e.id === data.linked_stop_search_id)
    .map((e) => ({ value: e.id, label: `${timeOf(e.payload.occurred_at)} ${e.payload.area} – ${labelFor('objects_of_search', e.payload.object_of_search)}` }));
  for (const spec of SPECS[kind]) {
    const box = specField(kind, spec, lists, errors[spec.name] ?? [], stopSearches);
    boxes[spec.name] = box;
    own.append(box.el);
  }
  const notes = h('textarea', { id: nextId(), name: 'notes', rows: 3, maxlength: longest('record', 'notes') });
  boxes.notes = field('Notes', false, notes, errors.notes ?? []);

  const summary = errorSummary(boxes);

  const draftNote = h('div', { class: 'draft-note', hidden: true });
  const save = h('button', { type: 'submit', class: 'primary big' }, existing ? 'Save and resend' : 'Save');
  form.append(draftNote, summary.el, where.el, own, boxes.notes.el,
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
  if (Object.keys(errors).length) summary.show(errors);
  where.showCoords();
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
      summary.say('No operation is running for you today; nothing can be logged.');
      return;
    }
    for (const [name, box] of Object.entries(boxes)) showFieldError(box, problems[name] ?? []);
    if (Object.keys(problems).length) {
      summary.show(problems);
      summary.el.focus();
      summary.el.scrollIntoView({ block: 'start' });
      return;
    }
    summary.el.hidden = true;
    if (saving) return; // a double tap: the first one is storing it
    saving = true;
    try {
      if (!existing && !payload.shift_id) {
        const shift = await offerShift(me, op);
        if (shift === undefined) return;
        payload.shift_id = shift;
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

/** A new entry and no shift: start one now (the shift's id), save without (null), or back to the form (undefined). */
async function offerShift(me: number, op: Operation | null): Promise<string | null | undefined> {
  const choice = await ask('You are not on shift', 'Entries belong to a shift. Start one now (from the time you tap) and save?',
    [{ value: 'start', label: 'Start shift and save', cls: 'primary' }, { value: 'without', label: 'Save without a shift', cls: 'secondary' }],
    'Back to the form');
  if (!choice) return undefined;
  if (choice !== 'start' || !op) return null;
  const s = await saveShift(app.db, me, { operation_id: op.id, started_at: new Date().toISOString() });
  await setMeta(app.db, `activeShift:${me}`, s.id);
  return s.id;
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
