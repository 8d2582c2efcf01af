/** The navigation bar: the links of the route table the signed-in role has, the current one marked. */
import type { NAV } from '../routes';
import { app } from '../state';
import { h, replace } from './dom';

export function renderNav(el: HTMLElement, links: typeof NAV): void {
  if (!app.session) { replace(el); return; }
  const current = location.hash.split('?')[0] || '#/';
  replace(el, h('ul', null, links.filter((l) => !l.shown || l.shown()).map(({ href, label }) => h('li', null,
    h('a', { href, id: `nav-${label.toLowerCase()}`, 'aria-current': (current === href || (href !== '#/' && current.startsWith(href))) ? 'page' : null }, label)))));
}
