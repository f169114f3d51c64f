// Replenishment: the suggestion table (what to order or transfer, by when,
// why), each SKU-location's ABC/XYZ class and expected stockout date, and a
// CSV export of the same rows.

import { api, h, table, fmtNum, money, ago, errorBox, notAvailable, served, every, flash, locationNamer, pageParams, setPageParams } from '../app.js';

const CLASSES = ['AX', 'AY', 'AZ', 'BX', 'BY', 'BZ', 'CX', 'CY', 'CZ'];

export function mount(root) {
  const params = pageParams();
  let location = params.get('location') || '';
  let klass = params.get('class') || '';
  const bar = h('form', { class: 'toolbar', id: 'replenishment-filters' });
  const list = h('section', { id: 'replenishment-list' }, h('p', { class: 'muted' }, 'Loading suggestions…'));
  root.append(h('h1', {}, 'Replenishment'), bar, list);
  let stop = () => {};
  let name = Object.assign((id) => id, { text: (t) => t });

  (async () => {
    if (!(await served('/v1/replenishment'))) {
      list.replaceChildren(notAvailable('Replenishment suggestions', 'GET /v1/replenishment'));
      return;
    }
    name = await locationNamer();
    const locSel = h('select', { id: 'replenishment-location', 'aria-label': 'Location' }, h('option', { value: '' }, 'all locations'));
    const classSel = h('select', { id: 'replenishment-class', 'aria-label': 'ABC/XYZ class' }, h('option', { value: '' }, 'all classes'),
      CLASSES.map(c => h('option', { value: c, selected: c === klass }, c)));
    const csv = (await served('/v1/replenishment.csv'))
      ? h('button', { type: 'button', id: 'replenishment-csv', onclick: exportCSV }, 'Export CSV') : null;
    const rerun = (await served('/v1/replenishment/run', 'post'))
      ? h('button', { type: 'button', id: 'replenishment-run', onclick: runNow }, 'Recompute plan') : null;
    const runState = h('span', { class: 'muted small', id: 'replenishment-run-state' });
    bar.replaceChildren(...[h('label', {}, 'Location ', locSel), h('label', {}, 'Class ', classSel), h('span', { class: 'spacer' }), runState, rerun, csv].filter(Boolean));
    const seen = new Set();
    const change = () => { location = locSel.value; klass = classSel.value; setPageParams(Object.fromEntries(Object.entries({ location, class: klass }).filter(([, v]) => v))); refresh(); };
    locSel.addEventListener('change', change);
    classSel.addEventListener('change', change);

    async function refresh() {
      const q = new URLSearchParams();
      if (location) q.set('location', location);
      if (klass) q.set('class', klass);
      let res;
      try {
        res = await api(`/v1/replenishment${q.toString() ? `?${q}` : ''}`);
      } catch (e) {
        list.replaceChildren(errorBox(e));
        return;
      }
      const rows = Array.isArray(res) ? res : (res.items || res.suggestions || []);
      for (const r of rows) {
        const id = r.location_id;
        if (id && !seen.has(id)) {
          seen.add(id);
          locSel.append(h('option', { value: id, selected: id === location }, name(id)));
        }
      }
      const run = res.run || {};
      runState.textContent = run.state === 'running' ? 'plan being recomputed…'
        : run.finished_at ? `plan ${run.state} ${ago(run.finished_at)}: ${fmtNum(run.items)} SKU-locations, ${fmtNum(run.suggestions)} suggestions${run.errors && run.errors.length ? `, ${run.errors.length} errors` : ''}` : '';
      list.replaceChildren(h('p', { class: 'muted small' }, `${fmtNum(rows.length)} suggestions, soonest order-by date first.`),
        table([
          { title: 'SKU', class: 'nowrap', cell: r => h('strong', {}, r.sku) },
          { title: 'Location', cell: r => h('div', {}, name(r.location_id), r.from_location_id ? h('div', { class: 'small muted' }, `from ${name(r.from_location_id)}`) : null) },
          { title: 'Action', cell: r => `${r.type || 'purchase'}${r.supplier ? ` from ${r.supplier}` : ''}` },
          { title: 'Quantity', class: 'num', cell: r => fmtNum(r.quantity) },
          { title: 'Order by', class: 'nowrap', cell: r => r.order_by || '—' },
          { title: 'Expected stockout', class: 'nowrap', cell: r => r.expected_stockout ? h('span', { class: urgent(r.expected_stockout) ? 'bad-text' : '' }, r.expected_stockout) : '—' },
          { title: 'Class', cell: r => h('div', {}, r.class ? h('span', { class: `class c-${r.class}` }, r.class) : '—', r.policy ? h('div', { class: 'small muted' }, r.policy) : null) },
          { title: 'On hand', class: 'num', cell: r => fmtNum(r.on_hand) },
          { title: 'Incoming', class: 'num', cell: r => fmtNum(r.incoming) },
          { title: 'ROP', class: 'num', cell: r => fmtNum(r.reorder_point, 1) },
          { title: 'Safety stock', class: 'num', cell: r => fmtNum(r.safety_stock, 1) },
          { title: 'Cost', class: 'num', cell: r => money(r.total_cost) },
          { title: 'Reason', cell: r => h('span', { class: 'reason' }, name.text(r.reason) || '—') },
        ], rows, { empty: 'No suggestions: every SKU-location has enough stock for its forecast, or no forecast exists yet.', rowAttrs: r => ({ dataset: { sku: r.sku } }) }));
    }
    stop = every(15000, refresh);

    async function runNow() {
      rerun.disabled = true;
      try {
        const st = await api('/v1/replenishment/run', { method: 'POST' });
        flash(`Plan recomputed: ${fmtNum(st.suggestions)} suggestions for ${fmtNum(st.items)} SKU-locations`);
        await refresh();
      } catch (e) {
        flash(`Could not recompute the plan: ${e.message}`, 'bad');
      } finally {
        rerun.disabled = false;
      }
    }
  })();

  async function exportCSV() {
    const q = new URLSearchParams();
    if (location) q.set('location', location);
    if (klass) q.set('class', klass);
    try {
      const resp = await api(`/v1/replenishment.csv${q.toString() ? `?${q}` : ''}`, { raw: true });
      const blob = await resp.blob();
      const a = h('a', { href: URL.createObjectURL(blob), download: `replenishment-${new Date().toISOString().slice(0, 10)}.csv` });
      document.body.append(a);
      a.click();
      setTimeout(() => { URL.revokeObjectURL(a.href); a.remove(); }, 1000);
      flash('CSV downloaded');
    } catch (e) {
      flash(`Could not export: ${e.message}`, 'bad');
    }
  }

  return () => stop();
}

function urgent(date) {
  return Date.parse(`${date}T00:00:00Z`) - Date.now() < 14 * 86400 * 1000;
}
