/** The app's one modal dialog: a question with choices, and optionally a text to type and check. */
import { h, nextId } from './dom';

let open = 0;

/** A question is on screen: nothing redraws the page under it. */
export function dialogOpen(): boolean {
  return open > 0;
}

export interface Choice { value: string; label: string; cls?: string }

export interface AskInput {
  label: string; type?: string; inputmode?: string; autocomplete?: string;
  /** A message when the text typed will not do, or null. */
  valid?: (v: string) => string | null;
}

/** A modal question. Resolves with the chosen value, or null for the cancel button / Escape. */
export function ask(heading: string, text: string | Node, choices: Choice[], cancel: string): Promise<string | null> {
  return askWith(heading, text, choices, cancel).then((r) => r && r.value);
}

/** A modal question with an optional text input, checked by `valid` before it closes. */
export function askWith(heading: string, text: string | Node, choices: Choice[], cancel: string,
                        input?: AskInput): Promise<{ value: string; text: string } | null> {
  return new Promise((resolve) => {
    const inputId = nextId('dlg');
    const field = input ? (input.type === 'textarea'
      ? h('textarea', { id: inputId, rows: 3, 'aria-describedby': `${inputId}-error` })
      : h('input', { id: inputId, type: input.type ?? 'text', inputmode: input.inputmode ?? null,
        autocomplete: input.autocomplete ?? 'off', 'aria-describedby': `${inputId}-error` })) : null;
    const error = h('p', { class: 'field-error', id: `${inputId}-error`, role: 'alert' });
    const noB = h('button', { type: 'button', class: 'secondary', value: '' }, cancel);
    const buttons = choices.map((c) => h('button', { type: 'button', class: c.cls ?? 'primary', value: c.value }, c.label));
    const dlg = h('dialog', { 'aria-labelledby': 'dlg-title', class: 'dialog' },
      h('h2', { id: 'dlg-title' }, heading), typeof text === 'string' ? h('p', null, text) : text,
      field ? h('div', { class: 'field' }, h('label', { htmlFor: inputId }, input!.label), field, error) : null,
      h('div', { class: 'actions' }, buttons, noB));
    const done = (v: { value: string; text: string } | null) => { open -= 1; dlg.close(); dlg.remove(); resolve(v); };
    buttons.forEach((b) => b.addEventListener('click', () => {
      const typed = (field as HTMLInputElement | null)?.value ?? '';
      const problem = field && input?.valid ? input.valid(typed) : null;
      if (problem) { error.textContent = problem; field!.setAttribute('aria-invalid', 'true'); field!.focus(); return; }
      done({ value: b.value, text: typed });
    }));
    noB.addEventListener('click', () => done(null));
    dlg.addEventListener('cancel', (ev) => { ev.preventDefault(); done(null); });
    document.body.append(dlg);
    open += 1;
    dlg.showModal();
    (field ?? noB).focus();
  });
}
