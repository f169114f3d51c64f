// Forecasts: for each SKU-location, the daily demand history, the stored
// forecast with its 80 % and 95 % prediction bands, the method chosen and
// its backtest error.

import uPlot from '../vendor/uPlot.esm.js';
import { api, h, table, fmtNum, ago, errorBox, notAvailable, served, flash, allPages, locationNamer, pageParams, setPageParams } from '../app.js';

const DAY = 86400;

export function mount(root) {
  const head = h('div', { class: 'toolbar' });
  const chartBox = h('section', { id: 'forecast-chart', class: 'chart-box' });
  const list = h('section', { id: 'forecast-list' }, h('p', { class: 'muted' }, 'Loading forecasts…'));
  root.append(h('h1', {}, 'Demand forecasts'), head, chartBox, list);
  let plot = null;
  let stopped = false;
  const params = pageParams();

  (async () => {
    if (!(await served('/v1/forecasts'))) {
      list.replaceChildren(notAvailable('Forecasts', 'GET /v1/forecasts'));
      return;
    }
    const name = await locationNamer();
    let items;
    try {
      items = await allPages('/v1/forecasts');
    } catch (e) {
      list.replaceChildren(errorBox(e));
      return;
    }
    if (stopped) return;
    const search = h('input', { type: 'search', id: 'forecast-search', placeholder: 'Filter SKUs…', 'aria-label': 'Filter SKUs' });
    const run = (await served('/v1/forecasts/run', 'post'))
      ? h('button', { type: 'button', id: 'forecast-run', onclick: runNow }, 'Recompute forecasts') : null;
    let current = null;
    const range = h('select', { id: 'forecast-range', 'aria-label': 'History shown' },
      h('option', { value: '182' }, 'last 6 months'), h('option', { value: '0' }, 'whole history'));
    range.value = params.get('range') === 'all' ? '0' : '182';
    range.addEventListener('change', () => { if (current) select(current); });
    head.replaceChildren(...[search, h('label', {}, 'Show ', range), h('span', { class: 'spacer' }), h('span', { class: 'muted small', id: 'forecast-run-state' }), run].filter(Boolean));
    if (run) runState();
    for (const f of items) f._units = (f.points || []).reduce((s, p) => s + (p.mean || 0), 0);
    items.sort((a, b) => b._units - a._units || a.sku.localeCompare(b.sku));
    const draw = () => {
      const q = search.value.trim().toLowerCase();
      const rows = items.filter(f => !q || f.sku.toLowerCase().includes(q)).slice(0, 300);
      list.replaceChildren(h('p', { class: 'muted small' }, `${fmtNum(items.length)} forecasts; busiest first${rows.length < items.length ? `, ${rows.length} shown` : ''}. Pick one to chart it.`),
        table([
          { title: 'SKU', cell: f => h('a', { href: '#', onclick: (ev) => { ev.preventDefault(); select(f); } }, f.sku) },
          { title: 'Location', cell: f => name(f.location_id) },
          { title: 'Method', cell: f => h('code', {}, f.method) },
          { title: `Next ${(items[0]?.points || []).length} days`, class: 'num', cell: f => fmtNum(f._units, 1) },
          { title: 'MASE', class: 'num', cell: f => fmtNum(f.mase, 2) },
          { title: 'sMAPE', class: 'num', cell: f => f.smape === undefined || f.smape === null ? '—' : `${fmtNum(f.smape, 1)} %` },
          { title: 'Computed', cell: f => ago(f.generated_at) },
        ], rows, { empty: 'No forecast yet: they are computed after the first sync and then on schedule (or press Recompute).', rowAttrs: f => ({ dataset: { sku: f.sku, location: f.location_id } }) }));
    };
    search.addEventListener('input', draw);
    draw();
    const want = items.find(f => f.sku === params.get('sku') && (!params.get('location') || f.location_id === params.get('location'))) || items[0];
    if (want) select(want);
    else chartBox.replaceChildren();

    async function select(f) {
      current = f;
      setPageParams(Object.assign({ sku: f.sku, location: f.location_id }, range.value === '0' ? { range: 'all' } : {}));
      for (const tr of list.querySelectorAll('tr.selected')) tr.classList.remove('selected');
      for (const tr of list.querySelectorAll('tr[data-sku]')) if (tr.dataset.sku === f.sku && tr.dataset.location === f.location_id) tr.classList.add('selected');
      chartBox.replaceChildren(h('p', { class: 'muted' }, `Loading ${f.sku}…`));
      let demand = null;
      try {
        const d = await api(`/v1/demand?sku=${encodeURIComponent(f.sku)}&location=${encodeURIComponent(f.location_id)}`);
        demand = (d.items || [])[0] || null;
      } catch (e) {
        if (e.status !== 404) flash(`Demand history of ${f.sku}: ${e.message}`, 'warn');
      }
      if (stopped) return;
      chart(f, demand, name(f.location_id));
    }

    function chart(f, demand, locName) {
      const hist = new Map();
      if (demand && demand.start) {
        const t0 = Date.parse(`${demand.start}T00:00:00Z`) / 1000;
        (demand.values || []).forEach((v, i) => hist.set(t0 + i * DAY, v));
      }
      const fc = new Map();
      for (const p of f.points || []) fc.set(Date.parse(`${p.date}T00:00:00Z`) / 1000, p);
      const firstFc = Math.min(...fc.keys());
      const days = Number(range.value);
      const from = days && Number.isFinite(firstFc) ? firstFc - days * DAY : Math.min(...hist.keys(), ...fc.keys());
      const xs = [...new Set([...hist.keys(), ...fc.keys()])].filter(t => t >= from).sort((a, b) => a - b);
      const band = (p, lvl, side) => {
        const iv = (p?.intervals || []).find(i => Math.round(i.level) === lvl);
        return iv ? iv[side] : null;
      };
      const data = [xs,
        xs.map(t => hist.has(t) ? hist.get(t) : null),
        xs.map(t => fc.get(t)?.mean ?? null),
        xs.map(t => band(fc.get(t), 95, 'hi')), xs.map(t => band(fc.get(t), 80, 'hi')),
        xs.map(t => band(fc.get(t), 80, 'lo')), xs.map(t => band(fc.get(t), 95, 'lo'))];
      const width = Math.max(320, chartBox.clientWidth - 24);
      const opts = {
        width, height: 320, title: '',
        scales: { x: { time: true }, y: { range: (u, lo, hi) => [0, Math.max(1, hi * 1.1)] } },
        series: [{},
          { label: 'history', stroke: '#334155', width: 1.2, spanGaps: false, points: { show: false } },
          { label: 'forecast', stroke: '#2563eb', width: 2, points: { show: false } },
          { label: '95 % hi', stroke: 'rgba(37,99,235,0.25)', width: 1, points: { show: false } },
          { label: '80 % hi', stroke: 'rgba(37,99,235,0.45)', width: 1, points: { show: false } },
          { label: '80 % lo', stroke: 'rgba(37,99,235,0.45)', width: 1, points: { show: false } },
          { label: '95 % lo', stroke: 'rgba(37,99,235,0.25)', width: 1, points: { show: false } }],
        bands: [{ series: [3, 6], fill: 'rgba(37,99,235,0.10)' }, { series: [4, 5], fill: 'rgba(37,99,235,0.18)' }],
        axes: [{}, { label: 'units / day' }],
      };
      if (plot) plot.destroy();
      const holder = h('div', { class: 'plot' });
      const stockouts = demand ? (demand.stockout || []).filter(Boolean).length : 0;
      chartBox.replaceChildren(
        h('div', { class: 'chart-head' },
          h('h2', {}, f.sku, h('span', { class: 'muted' }, ` at ${locName}`)),
          h('dl', { class: 'facts inline' },
            h('dt', {}, 'method'), h('dd', {}, h('code', { id: 'forecast-method' }, f.method)),
            h('dt', {}, 'backtest MASE'), h('dd', { id: 'forecast-mase' }, fmtNum(f.mase, 2)),
            h('dt', {}, 'sMAPE'), h('dd', {}, f.smape === undefined || f.smape === null ? '—' : `${fmtNum(f.smape, 1)} %`),
            h('dt', {}, 'history'), h('dd', {}, demand ? `${fmtNum((demand.values || []).length)} days from ${demand.start}, ${fmtNum(demand.units)} units${stockouts ? `, ${stockouts} stockout days` : ''}` : 'not available'),
            h('dt', {}, 'computed'), h('dd', {}, ago(f.generated_at)))),
        holder,
        h('p', { class: 'muted small' }, 'Grey: daily net demand (units ordered less refunded; gaps are stockout days). Blue: forecast mean with its 80 % (darker) and 95 % prediction bands.'));
      plot = new uPlot(opts, data, holder);
    }

    async function runNow() {
      try {
        await api('/v1/forecasts/run', { method: 'POST' });
        flash('Forecast run queued; the list refreshes when it ends.');
        runState(true);
      } catch (e) {
        flash(`Could not start a forecast run: ${e.message}`, 'bad');
      }
    }

    async function runState(poll) {
      const el = document.getElementById('forecast-run-state');
      try {
        const s = await api('/v1/forecasts/run');
        if (el) el.textContent = s.state === 'running' || s.state === 'queued' ? `run ${s.state}…` : (s.finished_at ? `last run ${s.state} ${ago(s.finished_at)}: ${fmtNum(s.series)} series` : '');
        if (poll && !stopped && (s.state === 'running' || s.state === 'queued')) setTimeout(() => runState(true), 2000);
        else if (poll && !stopped) mountAgain();
      } catch { /* optional */ }
    }
  })();

  function mountAgain() {
    if (plot) plot.destroy();
    plot = null;
    root.replaceChildren();
    stopped = true;
    const next = mount(root);
    cleanup = next;
  }
  let cleanup = null;
  return () => { stopped = true; if (plot) plot.destroy(); if (cleanup) cleanup(); };
}
