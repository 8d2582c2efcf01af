/** What a screen is to the router, and what a screen may ask of the app. */
import type { Session } from '../sync/types';

export interface Screen {
  el: HTMLElement;
  /** Whether new data (a sync, a change of shift) may redraw it now; absent: always. */
  live?: () => boolean;
  /** An entry form: present on form screens, true while it holds input that is not saved. */
  unsaved?: () => boolean;
  /** Something is typed into it (the login form): a late answer from the server must not redraw it. */
  typing?: () => boolean;
}

/** The app's actions a screen may call: injected by the router, so screens import nothing above them. */
export interface ScreenContext {
  /** Redraw the current screen if new data may redraw it (never a form). */
  refresh(): void;
  /** Build the current screen again (after the officer asked for it, e.g. discarding a draft). */
  rerender(): void;
  /** Send the outbox now. */
  sendNow(): Promise<void>;
  /** Redraw the status line (unsent count). */
  status(): void;
  session: {
    onLogin(session: Session, pin?: string): Promise<void>;
    lock(): Promise<void>;
    logOut(): Promise<void>;
    changePin(): Promise<boolean>;
  };
}

/** A screen that any new data may redraw. */
export function page(el: HTMLElement): Screen {
  return { el };
}

/** A screen that holds what the user typed or asked the server: never redrawn under them. */
export function still(el: HTMLElement): Screen {
  return { el, live: () => false };
}
