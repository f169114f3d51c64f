// Sync jobs: start a sync, watch running jobs' progress live over
// Server-Sent Events, cancel them.

import { api, h, badge, ago, fmtNum, duration, errorBox, every, flash, token, pageParams, setPageParams } from '../app.js';

export function mount(root) {
  const params = pageParams();
  const form = h('form', { class: 'toolbar', id: 'start-sync' });
  const list = h('section', { id: 'sync-jobs' }, h('p', { class: 'muted' }, 'Loading sync jobs…'));
  root.append(h('h1', {}, 'Sync jobs'), form, list);
  const streams = new Map(); // job id → EventSource
  const rows = new Map(); // job id → <tr>
  let filter = params.get('connection') || '';

  // The start form: a connection that can be read, and a mode.
  const connSel = h('select', { name: 'connection', id: 'sync-connection', 'aria-label': 'Connection' });
  const modeSel = h('select', { name: 'mode', id: 'sync-mode', 'aria-label': 'Mode' },
    h('option', { value: 'incremental' }, 'incremental'), h('option', { value: 'full' }, 'full'));
  const filterSel = h('select', { id: 'sync-filter', 'aria-label': 'Show jobs of' }, h('option', { value: '' }, 'all connections'));
  form.append(h('label', {}, 'Start a ', modeSel, ' sync of ', connSel), h('button', { type: 'submit', class: 'primary', id: 'start-sync-button' }, 'Start sync'),
    h('span', { class: 'spacer' }), h('label', {}, 'Show ', filterSel));
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    if (!connSel.value) return;
    try {
      const j = await api(`/v1/connections/${encodeURIComponent(connSel.value)}/syncs`, { method: 'POST', body: { mode: modeSel.value } });
      flash(`Sync job #${j.id} queued for ${j.connection}`);
      await refresh();
    } catch (e) {
      flash(`Could not start the sync: ${e.message}`, 'bad');
    }
  });
  filterSel.addEventListener('change', () => { filter = filterSel.value; setPageParams(filter ? { connection: filter } : {}); refresh(); });

  api('/v1/connections').then(cs => {
    for (const c of cs.items || []) {
      if ((c.capabilities || []).includes('source')) connSel.append(h('option', { value: c.id }, c.name ? `${c.name} (${c.id})` : c.id));
      filterSel.append(h('option', { value: c.id, selected: c.id === filter }, c.id));
    }
  }).catch(e => form.append(errorBox(e)));

  async function refresh() {
    let page;
    try {
      page = await api(`/v1/syncs?limit=25${filter ? `&connection=${encodeURIComponent(filter)}` : ''}`);
    } catch (e) {
      list.replaceChildren(errorBox(e));
      return;
    }
    const jobs = page.items || [];
    if (!jobs.length) {
      list.replaceChildren(h('p', { class: 'muted empty' }, 'No sync jobs yet: start one above.'));
      return;
    }
    const tbody = h('tbody');
    rows.clear();
    for (const j of jobs) {
      const tr = h('tr', { dataset: { job: j.id } });
      render(tr, j);
      rows.set(j.id, tr);
      tbody.append(tr);
      if (live(j) && !streams.has(j.id)) follow(j.id);
    }
    list.replaceChildren(h('table', { class: 'grid' }, h('thead', {}, h('tr', {},
      ['Job', 'Connection', 'Mode', 'State', 'Progress', 'Rate-limit waits', 'Started', 'Took', ''].map(t => h('th', {}, t)))), tbody));
  }

  // follow opens the job's event stream; the token travels as
  // ?access_token= because EventSource cannot send headers.
  function follow(id) {
    const es = new EventSource(`/v1/syncs/${id}/events?access_token=${encodeURIComponent(token())}`);
    streams.set(id, es);
    const update = (ev) => {
      const j = JSON.parse(ev.data);
      const tr = rows.get(id);
      if (tr) render(tr, j);
    };
    es.addEventListener('progress', update);
    es.addEventListener('done', (ev) => { update(ev); es.close(); streams.delete(id); });
    es.onerror = () => { es.close(); streams.delete(id); };
  }

  function render(tr, j) {
    tr.dataset.state = j.state;
    const cancel = live(j)
      ? h('button', { type: 'button', class: 'danger small-button', dataset: { cancel: j.id }, disabled: j.cancel_requested, onclick: () => cancelJob(j.id) }, j.cancel_requested ? 'Cancelling…' : 'Cancel')
      : null;
    const started = j.started_at ? new Date(j.started_at) : null;
    const end = j.finished_at ? new Date(j.finished_at) : new Date();
    tr.replaceChildren(
      h('td', {}, `#${j.id}`, h('div', { class: 'small muted' }, j.trigger || '')),
      h('td', {}, j.connection),
      h('td', {}, j.mode, j.ids && j.ids.length ? h('div', { class: 'small muted' }, j.ids.length === 1 ? '1 id' : `${j.ids.length} ids`) : null),
      h('td', {}, badge(j.state), j.error ? h('div', { class: 'error small' }, j.error) : null),
      h('td', { class: 'progress-cell' }, progress(j)),
      h('td', { class: 'num' }, waits(j)),
      h('td', {}, ago(j.started_at || j.created_at)),
      h('td', {}, started ? duration((end - started) / 1000) : '—'),
      h('td', {}, cancel));
  }

  async function cancelJob(id) {
    try {
      const j = await api(`/v1/syncs/${id}/cancel`, { method: 'POST' });
      flash(`Sync job #${id}: ${j.state === 'cancelled' ? 'cancelled' : 'cancelling at its next checkpoint'}`);
      const tr = rows.get(id);
      if (tr) render(tr, j);
    } catch (e) {
      flash(`Could not cancel job #${id}: ${e.message}`, 'bad');
    }
  }

  const stopPoll = every(5000, refresh);
  return () => {
    stopPoll();
    for (const es of streams.values()) es.close();
    streams.clear();
  };
}

function live(j) { return j.state === 'queued' || j.state === 'running'; }

// progress draws one bar per stream: records read against the upstream's
// total when it reported one, otherwise a count.
function progress(j) {
  const entries = Object.entries(j.progress || {});
  if (!entries.length) return h('span', { class: 'muted small' }, j.state === 'queued' ? 'waiting for a worker' : '—');
  const out = entries.map(([stream, p]) => {
    const total = p.total || 0;
    // A succeeded job read everything there was, whatever total the
    // upstream estimated at the start.
    const done = p.done || j.state === 'succeeded';
    const pct = done ? 100 : total ? Math.min(100, (100 * (p.records_read || 0)) / total) : null;
    const bar = h('div', { class: `bar${pct === null ? ' indeterminate' : ''}${done ? ' done' : ''}`, role: 'progressbar',
      'aria-valuemin': 0, 'aria-valuemax': 100, 'aria-valuenow': pct === null ? undefined : Math.round(pct), 'aria-label': `${stream} progress` },
    h('span', { class: 'fill', style: undefined }));
    bar.firstChild.style.width = pct === null ? '30%' : `${pct}%`;
    return h('div', { class: 'stream' }, h('div', { class: 'small' }, h('strong', {}, stream), ' ',
      `${fmtNum(p.records_read)}${total ? ` / ${fmtNum(total)}` : ''} read, ${fmtNum(p.records_written)} stored`,
      p.rejected ? h('span', { class: 'warn' }, `, ${fmtNum(p.rejected)} rejected`) : null, p.message ? ` — ${p.message}` : ''), bar);
  });
  if (j.eta_seconds) out.push(h('div', { class: 'small muted' }, `about ${duration(j.eta_seconds)} left, ${fmtNum(j.records_per_second)} records/s`));
  else if (j.records_per_second) out.push(h('div', { class: 'small muted' }, `${fmtNum(j.records_per_second)} records/s`));
  return out;
}

function waits(j) {
  let ms = 0;
  for (const p of Object.values(j.progress || {})) ms += p.rate_limit_wait_ms || 0;
  return ms ? duration(ms / 1000) : '—';
}
