// Connections and plugins: each connection's health, its plugin's version
// and state, its last sync, its webhook rate over the last five minutes,
// and its errors.

import { api, h, table, badge, ago, fmtNum, errorBox, every } from '../app.js';

const WINDOW_S = 300;

export function mount(root) {
  const conns = h('section', { id: 'connections' }, h('p', { class: 'muted' }, 'Loading connections…'));
  const plugins = h('section', { id: 'plugins' });
  root.append(h('h1', {}, 'Connections and plugins'), conns, h('h2', {}, 'Plugin processes'), plugins);
  return every(5000, async () => {
    let list, pl;
    try {
      [list, pl] = await Promise.all([api('/v1/connections'), api('/v1/plugins')]);
    } catch (e) {
      conns.replaceChildren(errorBox(e));
      return;
    }
    const byName = Object.fromEntries((pl.items || []).map(p => [p.name, p]));
    const rates = Object.fromEntries(await Promise.all((list.items || []).map(async c => [c.id, await webhookRate(c).catch(() => null)])));
    conns.replaceChildren(table([
      { title: 'Connection', cell: c => h('div', {}, h('strong', {}, c.name || c.id), h('div', { class: 'muted small' }, c.id)) },
      { title: 'Connector', cell: c => h('div', {}, c.connector, h('div', { class: 'muted small' }, (c.capabilities || []).join(', '))) },
      { title: 'Health', cell: c => badge(c.health?.status || c.status) },
      { title: 'Plugin', cell: c => plugin(byName[c.connector], c.health?.plugin) },
      { title: 'Last sync', cell: c => lastSync(c.health?.last_sync) },
      { title: 'Webhooks /min', class: 'num', cell: c => rateCell(rates[c.id]) },
      { title: 'Inbox', cell: c => inbox(c.health?.webhooks, c.id) },
      { title: 'Errors', cell: c => errors(c) },
    ], list.items || [], { empty: 'No connections yet: create one with POST /v1/connections or supplyhub connections create.', rowAttrs: c => ({ dataset: { connection: c.id } }) }));
    plugins.replaceChildren(table([
      { title: 'Plugin', cell: p => h('strong', {}, p.name) },
      { title: 'State', cell: p => badge(p.state) },
      { title: 'Version', cell: p => p.version || '—' },
      { title: 'PID', class: 'num', cell: p => p.pid || '—' },
      { title: 'Since', cell: p => ago(p.since) },
      { title: 'Restarts', class: 'num', cell: p => fmtNum(p.restarts) },
      { title: 'Last error', cell: p => p.last_error ? h('span', { class: 'error' }, p.last_error) : '—' },
    ], pl.items || [], { empty: 'No plugin process has been started yet: plugins start on first use.' }));
  });
}

// webhookRate counts a connection's inbox events received over the last
// five minutes (one page of up to 1000, newest first).
async function webhookRate(c) {
  if (!c.webhook_url) return null;
  const page = await api(`/v1/webhooks/events?connection=${encodeURIComponent(c.id)}&limit=1000`);
  const now = Date.now();
  const since = now - WINDOW_S * 1000;
  let n = 0, oldest = now;
  for (const e of page.items || []) {
    const t = new Date(e.received_at).getTime();
    if (t >= since) {
      n++;
      oldest = Math.min(oldest, t);
    }
  }
  // Over the last five minutes, or since the first delivery when the
  // connection is younger (or the page of events is full).
  const full = (page.items || []).length >= 1000 && page.next_cursor;
  const span = Math.max(60, (now - (full || n === (page.items || []).length ? oldest : since)) / 1000);
  return { perMin: n / (span / 60), capped: !!full };
}

function rateCell(r) {
  if (!r) return h('span', { class: 'muted' }, '—');
  return h('span', { class: 'rate', title: 'over the last 5 minutes' }, (r.capped ? '≥ ' : '') + fmtNum(r.perMin, 1));
}

function plugin(p, status) {
  if (!p) return h('span', { class: 'muted' }, status && status !== 'ok' ? status : 'not started');
  return h('div', {}, badge(p.state), ' ', h('span', { class: 'small' }, p.version ? `v${p.version}` : ''),
    p.restarts ? h('div', { class: 'small warn' }, `${p.restarts} restarts`) : null);
}

function lastSync(j) {
  if (!j) return h('span', { class: 'muted' }, 'never');
  let read = 0;
  for (const p of Object.values(j.progress || {})) read += p.records_read || 0;
  return h('div', {}, badge(j.state), ' ', h('a', { href: `#/syncs?connection=${encodeURIComponent(j.connection)}` }, `#${j.id}`),
    h('div', { class: 'small muted' }, `${j.mode}, ${fmtNum(read)} record${read === 1 ? '' : 's'}, ${ago(j.finished_at || j.started_at || j.created_at)}`));
}

function inbox(counts, id) {
  if (!counts || !Object.keys(counts).length) return h('span', { class: 'muted' }, '—');
  const order = ['processed', 'pending', 'processing', 'retry', 'dead'];
  return h('div', { class: 'counts' }, order.filter(s => counts[s]).map(s =>
    h('a', { class: `count ${s}`, href: `#/inbox?connection=${encodeURIComponent(id)}&status=${s}` }, `${fmtNum(counts[s])} ${s}`)));
}

function errors(c) {
  const out = [];
  if (c.last_error) out.push(h('div', { class: 'error' }, c.last_error));
  if (c.health?.last_sync?.error) out.push(h('div', { class: 'error small' }, `last sync: ${c.health.last_sync.error}`));
  const dead = c.health?.webhooks?.dead;
  if (dead) out.push(h('div', { class: 'warn small' }, `${fmtNum(dead)} dead-lettered webhooks`));
  return out.length ? out : h('span', { class: 'muted' }, 'none');
}
