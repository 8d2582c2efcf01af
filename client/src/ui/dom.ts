/** A tiny DOM builder: no framework, no inline styles (the CSP forbids them). */
type Child = Node | string | number | null | undefined | false | Child[];
type Props = Record<string, unknown> | null;

function append(el: Element, child: Child): void {
  if (child == null || child === false) return;
  if (Array.isArray(child)) { child.forEach((c) => append(el, c)); return; }
  el.append(child instanceof Node ? child : String(child));
}

function applyProps(el: Element, props: Props): void {
  if (!props) return;
  for (const [key, value] of Object.entries(props)) {
    if (value == null || value === false) continue;
    if (key.startsWith('on') && typeof value === 'function') {
      el.addEventListener(key.slice(2).toLowerCase(), value as EventListener);
    } else if (key === 'value' || key === 'checked' || key === 'selected' || key === 'disabled') {
      (el as unknown as Record<string, unknown>)[key] = value;
      if (key !== 'value') el.setAttribute(key, '');
    } else if (key === 'class') {
      el.setAttribute('class', Array.isArray(value) ? value.filter(Boolean).join(' ') : String(value));
    } else {
      el.setAttribute(key === 'htmlFor' ? 'for' : key, value === true ? '' : String(value));
    }
  }
}

export function h<K extends keyof HTMLElementTagNameMap>(tag: K, props?: Props, ...children: Child[]): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  applyProps(el, props ?? null);
  children.forEach((c) => append(el, c));
  return el;
}

const SVG_NS = 'http://www.w3.org/2000/svg';
export function s(tag: string, props?: Props, ...children: Child[]): SVGElement {
  const el = document.createElementNS(SVG_NS, tag);
  applyProps(el, props ?? null);
  children.forEach((c) => append(el, c));
  return el;
}

export function replace(el: Element, ...children: Child[]): void {
  el.replaceChildren();
  children.forEach((c) => append(el, c));
}

let uid = 0;
export const nextId = (prefix = 'f') => `${prefix}-${++uid}`;

/** Say something to screen readers (and show it) without moving focus. */
export function announce(message: string): void {
  const region = document.getElementById('toast');
  if (!region) return;
  region.textContent = message;
  region.classList.add('show');
  window.clearTimeout((region as HTMLElement & { timer?: number }).timer);
  (region as HTMLElement & { timer?: number }).timer = window.setTimeout(() => region.classList.remove('show'), 4000);
}

export function pad(n: number): string { return String(n).padStart(2, '0'); }

/** Value for <input type="datetime-local"> in the phone's local time. */
export function toLocalInput(d: Date): string {
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

export function localDate(d: Date): string {
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
}

export function timeOf(iso: unknown): string {
  const d = new Date(String(iso));
  return Number.isNaN(d.getTime()) ? '' : `${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

export function dateTimeOf(iso: unknown): string {
  const d = new Date(String(iso));
  return Number.isNaN(d.getTime()) ? '' : `${localDate(d)} ${timeOf(iso)}`;
}
