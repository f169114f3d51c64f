// Routing: the latest order-routing decisions with their explanation, the
// carrier rates that were shopped for each shipment, and the landed cost
// (DDP against DAP) of cross-border shipments.

import { api, h, ago, money, fmtNum, badge, errorBox, notAvailable, served, every, locationNamer } from '../app.js';

export function mount(root) {
  const list = h('section', { id: 'routing-decisions' }, h('p', { class: 'muted' }, 'Loading routing decisions…'));
  const info = h('p', { class: 'muted small' });
  root.append(h('h1', {}, 'Routing decisions'), info, list);
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
      const items = res.items || [];
      info.textContent = items.length ? `The ${items.length} latest decisions, newest first. New orders are routed as they arrive.` : '';
      if (!items.length) {
        list.replaceChildren(h('p', { class: 'muted empty' }, 'No routing decision yet: orders are routed as they arrive.'));
        return;
      }
      list.replaceChildren(...items.map(d => decision(d, name, open)));
    });
  })();
  return () => stop();
}

function decision(d, name, open) {
  const key = d.id || d.order_ref || d.order_id;
  const ships = d.shipments || [];
  const cross = ships.some(s => s.cross_border);
  const details = h('details', { class: 'decision', open: open.has(key), dataset: { decision: key, outcome: d.outcome || '' } },
    h('summary', {},
      h('strong', {}, d.order_number ? `Order ${d.order_number}` : `Order ${d.order_id || d.order_ref}`), ' ',
      badge(d.outcome || 'routed', d.outcome && d.outcome !== 'routed' ? 'error' : 'ok'), ' ',
      h('span', { class: 'muted' }, [d.channel, ago(d.decided_at || d.recorded_at)].filter(Boolean).join(' · ')), ' · ',
      ships.length ? `${ships.length} shipment${ships.length > 1 ? 's' : ''} from ${ships.map(s => s.location_name || name(s.location_id)).join(' + ')}`
        : h('span', { class: 'muted' }, short(d.explanation || d.error || 'no shipment')),
      d.total && d.total.currency && ships.length ? ` · ${money(d.total)}` : '',
      cross ? h('span', { class: 'badge warn' }, 'cross-border') : null,
      ships.length > 1 ? h('span', { class: 'badge warn' }, 'split') : null),
    d.explanation ? h('p', { class: 'explanation' }, name.text(d.explanation)) : null,
    d.error ? h('p', { class: 'error' }, d.error) : null,
    ships.map(s => shipment(s, name)),
    ships.length ? costs(d.cost) : null,
    bullets('Other plans considered', d.alternatives, a => `${(a.locations || []).map(name).join(' + ')}: ${a.total ? money(a.total) + ', ' : ''}${a.rejected}`),
    bullets('Locations excluded', d.excluded, x => `${x.name || name(x.location_id)}: ${x.reason}`),
    bullets('Rate sources that failed', d.source_errors, e => `${e.source}: ${e.message}`),
    bullets('Lines not routed', d.skipped, l => `${l.sku || l.line_id}: ${l.reason}`),
    h('p', { class: 'muted small' }, `${fmtNum(d.plans_considered)} plans considered, ${fmtNum(d.plans_priced)} priced; objective ${d.objective || '—'}${d.ranking && d.ranking.length ? `, criteria ${d.ranking.join(' › ')}` : ''}.`),
    h('details', { class: 'raw' }, h('summary', {}, 'Full decision (JSON)'), h('pre', { class: 'code' }, JSON.stringify(d, null, 2))));
  details.addEventListener('toggle', () => { if (details.open) open.add(key); else open.delete(key); });
  return details;
}

function shipment(s, name) {
  const r = s.rate || {};
  const chosen = (o) => o.carrier === r.carrier && o.service === r.service && (o.source === s.source || !o.source);
  return h('div', { class: 'shipment' },
    h('h4', {}, `From ${s.location_name || name(s.location_id)}`,
      s.cross_border ? h('span', { class: 'badge warn' }, 'cross-border') : null,
      s.distance_km ? h('span', { class: 'muted' }, ` · ${fmtNum(s.distance_km)} km`) : null,
      h('span', { class: 'muted' }, ` — ${(s.lines || []).map(l => `${l.quantity}× ${l.sku}`).join(', ')}`)),
    r.carrier ? h('p', {}, 'Chosen: ', h('strong', {}, `${r.carrier} ${r.service}`), ` ${money(r.amount)}`,
      s.shipping_cost && s.shipping_cost.currency !== (r.amount || {}).currency ? ` (${money(s.shipping_cost)})` : '',
      s.delivery_days ? `, ${s.delivery_days} business days` : '', s.meets_promise === false ? h('span', { class: 'warn' }, ', misses the promise') : '',
      s.source ? h('span', { class: 'muted small' }, ` via ${s.source}`) : null) : null,
    (s.options || []).length ? h('table', { class: 'grid compact rates' },
      h('thead', {}, h('tr', {}, ['Source', 'Carrier', 'Service', 'Price', 'Cost', 'Days', ''].map(t => h('th', {}, t)))),
      h('tbody', {}, s.options.map(o => h('tr', { class: chosen(o) ? 'selected' : '' },
        h('td', {}, o.source || '—'), h('td', {}, o.carrier), h('td', {}, o.service),
        h('td', { class: 'num' }, money(o.amount)), h('td', { class: 'num' }, money(o.cost)),
        h('td', { class: 'num' }, o.days ? String(o.days) : '—'),
        h('td', { class: 'small' }, chosen(o) ? 'chosen' : (o.dropped || (o.meets_promise === false ? 'misses the promise' : ''))))))) : null,
    s.landed ? landed(s.landed) : null);
}

function landed(l) {
  if (l.error) return h('p', { class: 'landed warn' }, `Landed cost: no quote (${l.error})`);
  const dueDAP = l.dap_due_at_delivery ? `, the buyer would pay ${money(l.dap_due_at_delivery)} on delivery under DAP` : '';
  const ddp = l.ddp_cost ? `; DDP would cost the merchant ${money(l.ddp_cost)}` : '';
  const q = l.incoterm === 'DDP' ? l.ddp : l.dap;
  const t = q && q.totals;
  return h('div', { class: 'landed' },
    h('p', {}, 'Landed cost: ', h('strong', {}, l.incoterm), ` — the merchant pays ${money(l.merchant_cost)}${ddp}${dueDAP}.`),
    t ? h('p', { class: 'small muted' }, `duties ${money(t.duties)}, taxes ${money(t.taxes)}${t.fees && Number(t.fees.amount) ? `, fees ${money(t.fees)}` : ''}, landed ${money(t.landed_cost)}`) : null,
    l.reason ? h('p', { class: 'small' }, l.reason) : null);
}

function costs(c) {
  if (!c) return null;
  const parts = [['shipping', c.shipping], ['duties and taxes', c.duties], ['split penalty', c.split_penalty], ['late penalty', c.late_penalty], ['distance penalty', c.distance_penalty]]
    .filter(([, m]) => m && m.amount && Number(m.amount) !== 0).map(([k, m]) => `${k} ${money(m)}`);
  return h('p', { class: 'small' }, 'Cost: ', h('strong', {}, money(c.total)), parts.length ? ` (${parts.join(', ')})` : '');
}

function bullets(title, items, line) {
  if (!items || !items.length) return null;
  return h('div', { class: 'small' }, h('strong', {}, `${title}: `), h('ul', { class: 'explanation' }, items.map(i => h('li', {}, line(i)))));
}

function short(s) {
  s = String(s).replace(/^Cannot route: /, '');
  return s.length > 90 ? `${s.slice(0, 88)}…` : s;
}
