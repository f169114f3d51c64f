// Routing: the latest order-routing decisions with their explanation, the
// carrier rates that were shopped and the landed cost of cross-border
// shipments.

import { api, h, ago, money, errorBox, notAvailable, served, every, locationNamer } from '../app.js';

export function mount(root) {
  const list = h('section', { id: 'routing-decisions' }, h('p', { class: 'muted' }, 'Loading routing decisions…'));
  root.append(h('h1', {}, 'Routing decisions'), list);
  let stop = () => {};
  const open = new Set();

  (async () => {
    if (!(await served('/v1/route/decisions'))) {
      list.replaceChildren(notAvailable('Routing decisions', 'GET /v1/route/decisions'));
      return;
    }
    const name = await locationNamer();
    stop = every(10000, async () => {
      let res;
      try {
        res = await api('/v1/route/decisions?limit=50');
      } catch (e) {
        list.replaceChildren(errorBox(e));
        return;
      }
      const items = Array.isArray(res) ? res : (res.items || res.decisions || []);
      if (!items.length) {
        list.replaceChildren(h('p', { class: 'muted empty' }, 'No routing decision yet: they are made as orders arrive.'));
        return;
      }
      list.replaceChildren(...items.map((d, i) => decision(d, i, name, open)));
    });
  })();
  return () => stop();
}

function pick(o, ...keys) {
  for (const k of keys) if (o && o[k] !== undefined && o[k] !== null && o[k] !== '') return o[k];
  return undefined;
}

function decision(d, i, name, open) {
  const key = pick(d, 'id', 'order_id', 'order') || String(i);
  const order = pick(d, 'order_id', 'order', 'order_external_id') || key;
  const when = pick(d, 'decided_at', 'created_at', 'at');
  const shipments = pick(d, 'shipments', 'assignments', 'plan') || [];
  const explanation = pick(d, 'explanation', 'reason', 'reasons');
  const total = pick(d, 'total_cost', 'cost', 'landed_cost');
  const details = h('details', { class: 'decision', open: open.has(key), dataset: { decision: key } },
    h('summary', {},
      h('strong', {}, `Order ${typeof order === 'object' ? (order.external_id || JSON.stringify(order)) : order}`), ' ',
      h('span', { class: 'muted' }, ago(when)), ' · ',
      `${Array.isArray(shipments) ? shipments.length : 0} shipment(s)`, total ? ` · ${money(total)}` : '',
      pick(d, 'split') ? h('span', { class: 'badge warn' }, 'split') : null),
    explain(explanation),
    Array.isArray(shipments) ? shipments.map(s => shipment(s, name)) : null,
    h('details', { class: 'raw' }, h('summary', {}, 'Full decision (JSON)'), h('pre', { class: 'code' }, JSON.stringify(d, null, 2))));
  details.addEventListener('toggle', () => { if (details.open) open.add(key); else open.delete(key); });
  return details;
}

function explain(e) {
  if (!e) return null;
  const lines = Array.isArray(e) ? e : String(e).split('\n');
  return h('ul', { class: 'explanation' }, lines.map(l => h('li', {}, typeof l === 'string' ? l : (l.text || l.message || JSON.stringify(l)))));
}

function shipment(s, name) {
  const from = pick(s, 'location_id', 'from', 'location');
  const lines = pick(s, 'lines', 'items') || [];
  const chosen = pick(s, 'rate', 'chosen_rate', 'chosen');
  const rates = pick(s, 'rates', 'quotes', 'alternatives') || [];
  const landed = pick(s, 'landed_cost', 'landed');
  return h('div', { class: 'shipment' },
    h('h4', {}, `From ${name(typeof from === 'object' ? from.id || from.external_id : from)}`,
      lines.length ? h('span', { class: 'muted' }, ` — ${lines.map(l => `${l.quantity ?? l.qty ?? ''}× ${l.sku}`).join(', ')}`) : null),
    chosen ? h('p', {}, 'Chosen: ', h('strong', {}, `${pick(chosen, 'carrier') || ''} ${pick(chosen, 'service') || ''}`), ` ${money(pick(chosen, 'amount', 'price', 'total'))}`,
      pick(chosen, 'transit_days', 'days') !== undefined ? `, ${pick(chosen, 'transit_days', 'days')} days` : '') : null,
    rates.length ? h('table', { class: 'grid compact' },
      h('thead', {}, h('tr', {}, ['Carrier', 'Service', 'Price', 'Transit', ''].map(t => h('th', {}, t)))),
      h('tbody', {}, rates.map(r => h('tr', { class: r === chosen || r.chosen ? 'selected' : '' },
        h('td', {}, pick(r, 'carrier') || '—'), h('td', {}, pick(r, 'service') || '—'),
        h('td', { class: 'num' }, money(pick(r, 'amount', 'price', 'total'))),
        h('td', { class: 'num' }, pick(r, 'transit_days', 'days') !== undefined ? `${pick(r, 'transit_days', 'days')} d` : '—'),
        h('td', {}, r.chosen ? 'chosen' : (r.error || '')))))) : null,
    landed ? h('p', { class: 'landed' }, 'Landed cost: ',
      h('strong', {}, money(pick(landed.totals || landed, 'landed_cost', 'total'))),
      landed.totals ? ` (duties ${money(landed.totals.duties)}, taxes ${money(landed.totals.taxes)}${landed.incoterm ? `, ${landed.incoterm}` : ''})` : '') : null);
}
