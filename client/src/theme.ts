/** Light for daylight, dark for night shifts: follows the phone unless the officer picks one. */
import { h } from './ui/dom';

const KEY = 'beatbook-theme';

function systemDark(): boolean {
  return window.matchMedia?.('(prefers-color-scheme: dark)').matches ?? false;
}

function current(): 'dark' | 'light' {
  const saved = localStorage.getItem(KEY);
  return saved === 'dark' || saved === 'light' ? saved : systemDark() ? 'dark' : 'light';
}

export function initTheme(): void {
  const saved = localStorage.getItem(KEY);
  if (saved === 'dark' || saved === 'light') document.documentElement.dataset.theme = saved;
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
    paint();
  });
  paint();
  return button;
}
