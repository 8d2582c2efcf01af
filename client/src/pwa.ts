/**
 * Service worker registration. A new version waits until the officer taps
 * "Update": an open form is never reloaded from under them.
 */
import { h } from './ui/dom';

export function initPwa(unsaved: () => boolean): void {
  if (!('serviceWorker' in navigator)) return;
  let userAsked = false;
  navigator.serviceWorker.addEventListener('controllerchange', () => {
    if (userAsked) window.location.reload();
  });
  const offer = (worker: ServiceWorker) => {
    const slot = document.getElementById('update');
    if (!slot || slot.childElementCount) return;
    const button = h('button', { type: 'button', class: 'primary' }, 'Update');
    button.addEventListener('click', () => {
      if (unsaved() && !window.confirm('You have an entry open. Reloading now loses what is not saved. Update anyway?')) return;
      userAsked = true;
      worker.postMessage({ type: 'SKIP_WAITING' });
    });
    slot.append(h('div', { class: 'banner info', role: 'status' }, h('p', null, 'Update available.'), button));
  };
  navigator.serviceWorker.register('/sw.js', { scope: '/' }).then((reg) => {
    if (reg.waiting && navigator.serviceWorker.controller) offer(reg.waiting);
    reg.addEventListener('updatefound', () => {
      const nw = reg.installing;
      nw?.addEventListener('statechange', () => {
        if (nw.state === 'installed' && navigator.serviceWorker.controller) offer(nw);
      });
    });
    // Look for a new version now and then (and whenever the app comes back to the front).
    window.setInterval(() => void reg.update().catch(() => {}), 30 * 60_000);
    document.addEventListener('visibilitychange', () => {
      if (document.visibilityState === 'visible') void reg.update().catch(() => {});
    });
  }).catch((err) => console.warn('service worker', err));
}
