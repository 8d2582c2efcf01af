/**
 * Boot: open the phone's database, restore the session, and wire the parts together: the router
 * (routes.ts), the session (session.ts), the scheduler that sends and asks for changes
 * (scheduler.ts) and the status line (ui/status-bar.ts).
 */
import './styles.css';
import { Api } from './api';
import { initPwa } from './pwa';
import { Router } from './router';
import { Scheduler } from './scheduler';
import { Session } from './session';
import { app, officerId } from './state';
import { deviceId, getMeta, openBeatbookDB } from './sync/db';
import { restoreRescuedDraft } from './sync/drafts';
import { SyncEngine } from './sync/engine';
import type { Session as SignedIn } from './sync/types';
import { statusBar } from './ui/status-bar';
import { initTheme, themeToggle } from './theme';

async function boot(): Promise<void> {
  initTheme();
  document.getElementById('theme-slot')?.replaceWith(themeToggle());
  app.db = await openBeatbookDB();
  await restoreRescuedDraft(app.db);
  app.api = new Api();
  app.needsLogin = false;
  app.locked = false;
  app.session = (await getMeta<SignedIn>(app.db, 'session')) ?? null;
  app.persisted = (await getMeta<boolean>(app.db, 'persisted')) ?? null;

  const status = statusBar(document.getElementById('status')!, () => scheduler.sendNow(true));
  const engine = new SyncEngine({
    db: app.db, api: app.api, deviceId: await deviceId(app.db), officerId,
    onAuthRequired: () => { app.needsLogin = true; void status.render(); },
    onChange: () => router.refresh(),
  });
  app.engine = engine;
  const scheduler = new Scheduler({ engine, needsLogin: () => app.needsLogin, status: () => status.render(),
    changed: () => router.refresh() });
  const session: Session = new Session({ router: () => router, scheduler: () => scheduler, status: () => status.render() });
  session.takeProviderReturn();
  const router: Router = new Router({
    main: document.getElementById('main')!,
    nav: document.getElementById('nav')!,
    context: {
      sendNow: () => scheduler.sendNow(true),
      status: () => void status.render(),
      session: {
        onLogin: (s, pin) => session.onLogin(s, pin),
        lock: () => session.lock(),
        logOut: () => session.logOut(),
        changePin: () => session.changePin(),
      },
    },
  });

  window.addEventListener('hashchange', () => void router.route());
  initPwa(() => router.unsaved());
  scheduler.start();
  // Reloading or closing with unsaved input: the browser asks (the draft is kept either way).
  window.addEventListener('beforeunload', (ev) => {
    if (router.unsaved()) { ev.preventDefault(); ev.returnValue = ''; }
  });
  await session.lockIfLocked();
  await router.route();
  await status.render();
  await session.confirm();
}

void boot();
