/**
 * Shows the screen the hash names (routes.ts) and keeps it: the router holds the screen it drew,
 * so redrawing after new data asks the screen whether it may be redrawn, and leaving an entry
 * form with unsaved input asks the officer first.
 */
import { findRoute, NAV } from './routes';
import { app } from './state';
import { ask, dialogOpen } from './ui/dialog';
import { replace } from './ui/dom';
import { renderNav } from './ui/nav';
import type { Screen, ScreenContext } from './ui/screen';
import { landingHash } from './ui/supervisor';
import { loginView } from './ui/views';

export interface RouterOptions {
  main: HTMLElement;
  nav: HTMLElement;
  /** The app's actions for the screens (the router adds refresh and rerender). */
  context: Omit<ScreenContext, 'refresh' | 'rerender'>;
}

export class Router {
  private token = 0;
  /** The screen on show and the hash it was drawn for. */
  private current: Screen | null = null;
  private shownHash: string | null = null;
  private asking = false;
  private ctx: ScreenContext;

  constructor(private o: RouterOptions) {
    this.ctx = { ...o.context, refresh: () => this.refresh(), rerender: () => void this.route(true) };
  }

  /** An entry form on screen holds input that is not saved. */
  unsaved(): boolean {
    return !!this.current?.unsaved?.();
  }

  /** Something is typed into the screen on show (the login form). */
  typing(): boolean {
    return !!this.current?.typing?.();
  }

  renderNav(): void {
    renderNav(this.o.nav, NAV);
  }

  async route(force = false): Promise<void> {
    // The app opened with no screen named (the installed icon, a fresh login): each role starts on its own.
    if (!location.hash && app.session) history.replaceState(null, '', landingHash(app.session.officer.role));
    const hash = location.hash || '#/';
    const before = this.current;
    if (before?.unsaved && !force) {
      const unsaved = before.unsaved();
      // Back to the form that is open with input in it (the officer chose to stay): nothing to rebuild.
      // A form just saved is not that: the same address again is a new entry, and it must win over the
      // screen the save was still drawing.
      if (hash === this.shownHash && unsaved) { this.renderNav(); return; }
      if (unsaved) {
        if (this.asking) return;
        this.asking = true;
        const choice = await ask('Leave this entry?',
          'It is not saved yet. What you typed stays on this phone as a draft: Home offers it back ("Resume draft").',
          [{ value: 'leave', label: 'Leave, keep the draft', cls: 'secondary' }], 'Stay on the form');
        this.asking = false;
        if (choice !== 'leave') {
          if (this.shownHash) location.hash = this.shownHash;
          return;
        }
      }
    }
    const token = ++this.token;
    const [path, query] = (hash.slice(1) || '/').split('?');
    const parts = path.split('/').filter(Boolean);
    this.renderNav();
    const args = { rest: parts.slice(1), params: new URLSearchParams(query ?? '') };
    const screen = !app.session || parts[0] === 'login'
      ? loginView(this.ctx.session.onLogin, app.session?.officer.shoulder_number ?? '')
      : await findRoute(parts[0] ?? '', args).screen(this.ctx, args);
    if (token !== this.token) return; // a newer navigation won
    // Last check: never replace a form the officer has started typing into since.
    if (this.current !== before && this.current?.unsaved?.() && !force) return;
    replace(this.o.main, screen.el);
    this.current = screen;
    this.shownHash = hash;
    if (document.activeElement === document.body || !this.o.main.contains(document.activeElement)) {
      (document.getElementById('view-title') as HTMLElement | null)?.focus({ preventScroll: false });
    }
  }

  /** Redraw the status line, and the screen if it may be redrawn now (never a form, nor under a question). */
  refresh(): void {
    void this.ctx.status();
    if (dialogOpen() || (this.current?.live && !this.current.live())) return;
    void this.route();
  }
}
