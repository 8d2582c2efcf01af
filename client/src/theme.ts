/** Light for daylight, dark for night shifts: follows the phone unless the officer picks one. */
import './theme.css';
import { h } from './ui/dom';

const KEY = 'beatbook-theme';
/** The browser bar and the installed app's title bar, per theme (index.html has the same two, by media query). */
const BAR_COLOUR = { light: '#0b3d91', dark: '#13284d' } as const;

function darkQuery(): MediaQueryList | null {
  return window.matchMedia?.('(prefers-color-scheme: dark)') ?? null;
}

function saved(): 'dark' | 'light' | null {
  const v = localStorage.getItem(KEY);
  return v === 'dark' || v === 'light' ? v : null;
}

function current(): 'dark' | 'light' {
  return saved() ?? (darkQuery()?.matches ? 'dark' : 'light');
}

/** A forced theme paints the bar in its colour whatever the phone's mode; otherwise the media queries decide. */
function paintBar(): void {
  const forced = saved();
  document.querySelectorAll<HTMLMetaElement>('meta[name="theme-color"]').forEach((meta) => {
    meta.dataset.colour ??= meta.content;
    meta.content = forced ? BAR_COLOUR[forced] : meta.dataset.colour;
  });
}

export function initTheme(): void {
  const forced = saved();
  if (forced) document.documentElement.dataset.theme = forced;
  paintBar();
}

export function themeToggle(): HTMLElement {
  const button = h('button', { type: 'button', class: 'theme-toggle', id: 'theme-toggle' });
  const paint = () => {
    const dark = current() === 'dark';
    // A toggle with a fixed name: "Night" pressed means the dark theme is on.
    button.textContent = 'Night';
    button.setAttribute('aria-pressed', String(dark));
    button.title = dark ? 'Dark theme for night shifts is on' : 'Switch to the dark theme for night shifts';
  };
  button.addEventListener('click', () => {
    const next = current() === 'dark' ? 'light' : 'dark';
    localStorage.setItem(KEY, next);
    document.documentElement.dataset.theme = next;
    paintBar();
    paint();
  });
  // The phone switching to dark mode at dusk is reflected at once when the officer has not picked one.
  darkQuery()?.addEventListener?.('change', paint);
  paint();
  return button;
}
