/// <reference lib="webworker" />
/**
 * The service worker: precaches the versioned app shell (Workbox) and serves
 * it offline. It handles GET requests for the shell only: /api/ is never
 * routed here, so API answers never enter a cache. Background Sync sends the
 * outbox with the same engine the page uses.
 */
import { cleanupOutdatedCaches, createHandlerBoundToURL, precacheAndRoute } from 'workbox-precaching';
import { clientsClaim } from 'workbox-core';
import { NavigationRoute, registerRoute } from 'workbox-routing';
import { Api } from './api';
import { deviceId, getMeta, openBeatbookDB } from './sync/db';
import { SyncEngine } from './sync/engine';
import type { Session } from './sync/types';

declare const self: ServiceWorkerGlobalScope & { __WB_MANIFEST: (string | { url: string; revision: string | null })[] };

// The first install takes over the open page at once (so it works offline straight away);
// later versions wait in "installed" until the officer taps Update (SKIP_WAITING).
clientsClaim();
precacheAndRoute(self.__WB_MANIFEST);
cleanupOutdatedCaches();
// Any app route (#-less deep links) opens the shell; the API is never touched.
registerRoute(new NavigationRoute(createHandlerBoundToURL('/index.html'), { denylist: [/^\/api\//] }));

self.addEventListener('message', (event) => {
  if (event.data?.type === 'SKIP_WAITING') void self.skipWaiting();
});

async function sendOutbox(): Promise<void> {
  const db = await openBeatbookDB();
  try {
    const session = await getMeta<Session>(db, 'session');
    if (!session) return;
    const engine = new SyncEngine({ db, api: new Api(), deviceId: await deviceId(db), officerId: () => session.officer.id });
    const result = await engine.send({ force: true });
    const clients = await self.clients.matchAll({ type: 'window' });
    clients.forEach((c) => c.postMessage({ type: 'outbox-synced', status: result.status }));
    // Let the browser retry later when there was no connection.
    if (result.status === 'offline' || result.status === 'error') throw new Error(result.message ?? result.status);
  } finally {
    db.close();
  }
}

self.addEventListener('sync', (event) => {
  const e = event as ExtendableEvent & { tag: string };
  if (e.tag === 'beatbook-outbox') e.waitUntil(sendOutbox());
});
