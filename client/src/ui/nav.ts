/** The navigation bar: the screens the signed-in role has, the current one marked. */
import { app, canLog, canReview, canSeeTally } from '../state';
import { h, replace } from './dom';

export function renderNav(el: HTMLElement): void {
  if (!app.session) { replace(el); return; }
  const links: [string, string][] = [];
  if (canLog()) links.push(['#/', 'Home'], ['#/today', 'Today']);
  if (canReview()) links.push(['#/review', 'Review']);
  if (canSeeTally()) links.push(['#/tally', 'Tally']);
  links.push(['#/more', 'More']);
  const current = location.hash.split('?')[0] || '#/';
  replace(el, h('ul', null, links.map(([href, text]) => h('li', null,
    h('a', { href, id: `nav-${text.toLowerCase()}`, 'aria-current': (current === href || (href !== '#/' && current.startsWith(href))) ? 'page' : null }, text)))));
}
