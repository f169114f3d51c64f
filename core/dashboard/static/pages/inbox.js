// The webhook inbox: recent deliveries, the failing ones (retrying) and
// the dead letters with their reason; open one to see its headers, body
// and result; replay a failed or dead one.

import { api, h, table, badge, ago, errorBox, every, flash, pageParams, setPageParams } from '../app.js';

const TABS = [
  { status: '', title: 'Recent' },
  { status: 'retry', title: 'Failing (retrying)' },
  { status: 'dead', title: 'Dead letters' },
  { status: 'pending', title: 'Pending' },
];

export function mount(root) {
  const params = pageParams();
  let status = params.get('status') || '';
  let connection = params.get('connection') || '';
  let cursors = [''];
  const tabs = h('div', { class: 'tabs', role: 'tablist' });
  const connSel = h('select', { id: 'inbox-connection', 'aria-label': 'Connection' }, h('option', { value: '' }, 'all connections'));
  const list = h('section', { id: 'inbox-events' }, h('p', { class: 'muted' }, 'Loading the inbox…'));
  const detail = h('section', { id: 'inbox-detail', class: 'detail', hidden: true });
  const pager = h('div', { class: 'pager' });
  root.append(h('h1', {}, 'Webhook inbox'), h('div', { class: 'toolbar' }, tabs, h('span', { class: 'spacer' }), h('label', {}, 'Connection ', connSel)), list, pager, detail);

  function drawTabs() {
    tabs.replaceChildren(...TABS.map(t => h('button', { type: 'button', role: 'tab', class: t.status === status ? 'tab active' : 'tab', 'aria-selected': t.status === status ? 'true' : 'false',
      dataset: { status: t.status || 'all' }, onclick: () => { status = t.status; cursors = ['']; save(); drawTabs(); refresh(); } }, t.title)));
  }
  function save() { setPageParams(Object.fromEntries(Object.entries({ status, connection }).filter(([, v]) => v))); }
  drawTabs();
  connSel.addEventListener('change', () => { connection = connSel.value; cursors = ['']; save(); refresh(); });
  api('/v1/connections').then(cs => {
    for (const c of cs.items || []) if (c.webhook_url) connSel.append(h('option', { value: c.id, selected: c.id === connection }, c.id));
  }).catch(() => {});

  async function refresh() {
    const q = new URLSearchParams({ limit: '50' });
    if (status) q.set('status', status);
    if (connection) q.set('connection', connection);
    const cursor = cursors[cursors.length - 1];
    if (cursor) q.set('cursor', cursor);
    let page;
    try {
      page = await api(`/v1/webhooks/events?${q}`);
    } catch (e) {
      list.replaceChildren(errorBox(e));
      return;
    }
    const empty = status === 'dead' ? 'No dead letters: every delivery was processed or is still being retried.'
      : status === 'retry' ? 'No delivery is failing right now.' : 'No webhook deliveries yet.';
    list.replaceChildren(table([
      { title: 'Event', cell: e => h('a', { href: '#', onclick: (ev) => { ev.preventDefault(); show(e.id); } }, `#${e.id}`) },
      { title: 'Received', cell: e => ago(e.received_at) },
      { title: 'Connection', cell: e => e.connection },
      { title: 'Topic', cell: e => e.topic || '—' },
      { title: 'Status', cell: e => badge(e.status) },
      { title: 'Attempts', class: 'num', cell: e => e.attempts },
      { title: 'Result or reason', cell: e => e.last_error ? h('span', { class: 'error reason' }, e.last_error) : (e.status === 'processed' ? summary(e.result) : '—') },
      { title: '', cell: e => replayButton(e) },
    ], page.items || [], { empty, rowAttrs: e => ({ dataset: { event: e.id, status: e.status } }) }));
    pager.replaceChildren(...[
      cursors.length > 1 ? h('button', { type: 'button', onclick: () => { cursors.pop(); refresh(); } }, '← Newer') : null,
      page.next_cursor ? h('button', { type: 'button', onclick: () => { cursors.push(page.next_cursor); refresh(); } }, 'Older →') : null].filter(Boolean));
  }

  function replayButton(e) {
    const can = e.status === 'dead' || e.status === 'retry';
    return h('button', { type: 'button', class: can ? 'primary small-button' : 'small-button', dataset: { replay: e.id },
      title: can ? 'Make the event due again with fresh attempts' : 'A processed event replays as a no-op', onclick: () => replay(e.id) }, 'Replay');
  }

  async function replay(id) {
    try {
      const r = await api(`/v1/webhooks/events/${id}/replay`, { method: 'POST' });
      flash(`Event #${id}: ${r.message || (r.replayed ? 'queued for processing' : 'not replayed')}`, r.replayed ? 'ok' : 'warn');
      await refresh();
      if (!detail.hidden && detail.dataset.event === String(id)) await show(id);
    } catch (e) {
      flash(`Could not replay event #${id}: ${e.message}`, 'bad');
    }
  }

  async function show(id) {
    detail.hidden = false;
    detail.dataset.event = id;
    detail.replaceChildren(h('p', { class: 'muted' }, `Loading event #${id}…`));
    let e;
    try {
      e = await api(`/v1/webhooks/events/${id}`);
    } catch (err) {
      detail.replaceChildren(errorBox(err));
      return;
    }
    let body = e.body || '';
    try { body = JSON.stringify(JSON.parse(body), null, 2); } catch { /* shown as received */ }
    if (body.length > 20000) body = body.slice(0, 20000) + `\n… (${e.body.length} bytes in all)`;
    detail.replaceChildren(
      h('div', { class: 'detail-head' }, h('h2', {}, `Event #${e.id} `, badge(e.status)), replayButton(e), h('button', { type: 'button', class: 'link', onclick: () => { detail.hidden = true; } }, 'Close')),
      h('dl', { class: 'facts' },
        fact('Connection', e.connection), fact('Topic', e.topic || '—'), fact('Dedupe key', e.dedupe_key), fact('Received', `${e.received_at} (${ago(e.received_at)})`),
        fact('Attempts', String(e.attempts)), e.status === 'retry' && e.next_attempt_at ? fact('Next attempt', ago(e.next_attempt_at)) : null,
        e.processed_at ? fact('Processed', ago(e.processed_at)) : null, e.last_error ? fact('Reason', h('span', { class: 'error' }, e.last_error)) : null,
        e.result ? fact('Result', summary(e.result)) : null),
      h('h3', {}, 'Headers (secrets redacted)'),
      h('pre', { class: 'code' }, Object.entries(e.headers || {}).map(([k, v]) => `${k}: ${[].concat(v).join(', ')}`).join('\n')),
      h('h3', {}, 'Body'), h('pre', { class: 'code body' }, body));
    detail.scrollIntoView({ block: 'nearest' });
  }

  return every(5000, refresh);
}

function fact(k, v) { return [h('dt', {}, k), h('dd', {}, v)]; }

function summary(result) {
  if (!result) return '—';
  const parts = [];
  for (const [k, n] of Object.entries(result.records || {})) parts.push(`${n} ${k}`);
  for (const a of result.actions || []) parts.push(`${a.type}: ${a.result}`);
  return h('span', { class: 'muted small' }, parts.join(', ') || 'no records');
}
