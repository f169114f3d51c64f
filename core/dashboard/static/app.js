// The dashboard's shell: sign-in, the API helper, the router and the small
// DOM helpers every page uses. Each page is a module in pages/ exporting
// mount(root, ctx), which renders into root and returns a function that
// stops its timers and streams.

const TOKEN_KEY = 'supplyhub.token';
const PAGES = ['connections', 'syncs', 'inbox', 'forecasts', 'replenishment', 'routing'];

/** ApiError is a non-2xx answer of the gateway, with its JSON error. */
export class ApiError extends Error {
  constructor(status, code, message, path) {
    super(message || `HTTP ${status}`);
    this.status = status;
    this.code = code;
    this.path = path;
  }
}

export function token() { return sessionStorage.getItem(TOKEN_KEY) || ''; }

/** api calls the gateway with the session's token and returns the decoded JSON. */
export async function api(path, { method = 'GET', body, raw = false } = {}) {
  const headers = { Authorization: `Bearer ${token()}` };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  let resp;
  try {
    resp = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  } catch (e) {
    throw new ApiError(0, 'network', `the gateway did not answer (${e.message}); is it still running?`, path);
  }
  if (resp.status === 401) {
    const err = await errorOf(resp, path);
    signIn(`The gateway refused the token: ${err.message}`);
    throw err;
  }
  if (!resp.ok) throw await errorOf(resp, path);
  markLive();
  if (raw) return resp;
  const text = await resp.text();
  return text ? JSON.parse(text) : null;
}

async function errorOf(resp, path) {
  let code = '', message = `HTTP ${resp.status}`;
  try {
    const j = await resp.json();
    const e = j.error || j;
    code = e.code || '';
    message = e.message || e.detail || message;
  } catch { /* not JSON */ }
  return new ApiError(resp.status, code, message, path);
}

let openapi = null;
/** served reports whether the gateway documents method+path (OpenAPI syntax, e.g. /v1/forecasts). */
export async function served(path, method = 'get') {
  if (!openapi) {
    const resp = await fetch('/openapi.json');
    openapi = resp.ok ? await resp.json() : { paths: {} };
  }
  const p = openapi.paths && openapi.paths[path];
  return !!(p && p[method.toLowerCase()]);
}

/** h builds an element: h('td', {class: 'x', onclick: f}, 'text', child...). Strings become text nodes, never HTML. */
export function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith('on') && typeof v === 'function') el.addEventListener(k.slice(2), v);
    else if (k === 'dataset') Object.assign(el.dataset, v);
    else if (v === true) el.setAttribute(k, '');
    else el.setAttribute(k, String(v));
  }
  for (const c of children.flat(Infinity)) {
    if (c === undefined || c === null || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return el;
}

/** table renders rows with columns [{title, cell(row) → node|string, class}]. */
export function table(columns, rows, { empty = 'Nothing yet.', rowAttrs } = {}) {
  if (!rows.length) return h('p', { class: 'muted empty' }, empty);
  return h('table', { class: 'grid' },
    h('thead', {}, h('tr', {}, columns.map(c => h('th', { class: c.class }, c.title)))),
    h('tbody', {}, rows.map(r => h('tr', rowAttrs ? rowAttrs(r) : {}, columns.map(c => h('td', { class: c.class }, c.cell(r)))))));
}

export function badge(text, kind) {
  return h('span', { class: `badge ${kind || text || ''}` }, text || '—');
}

export function fmtNum(n, digits = 0) {
  if (n === null || n === undefined || Number.isNaN(n)) return '—';
  return Number(n).toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
}

/** ago formats a time as "12 s ago" / "3 min ago" / a date. */
export function ago(t) {
  if (!t) return '—';
  const d = new Date(t);
  if (Number.isNaN(d.getTime())) return String(t);
  const s = (Date.now() - d.getTime()) / 1000;
  if (s < 0) return `in ${duration(-s)}`;
  if (s < 86400) return `${duration(s)} ago`;
  return d.toISOString().slice(0, 16).replace('T', ' ') + 'Z';
}

export function duration(s) {
  if (s === null || s === undefined) return '—';
  if (s < 1) return `${Math.round(s * 1000)} ms`;
  if (s < 90) return `${Math.round(s)} s`;
  if (s < 5400) return `${Math.round(s / 60)} min`;
  if (s < 172800) return `${(s / 3600).toFixed(1)} h`;
  return `${Math.round(s / 86400)} d`;
}

export function money(m) {
  if (!m) return '—';
  if (typeof m === 'string') return m;
  if (m.amount !== undefined) return `${m.amount} ${m.currency || ''}`.trim();
  if (m.shop) return money(m.shop);
  return JSON.stringify(m);
}

/** errorBox shows an error where a page's data would be. */
export function errorBox(err) {
  return h('div', { class: 'error-box', role: 'alert' }, h('strong', {}, 'Could not load: '), err.message || String(err));
}

/** notAvailable says that this gateway does not serve a page's endpoint yet: no fake data is shown instead. */
export function notAvailable(what, endpoint) {
  return h('div', { class: 'not-available' },
    h('h3', {}, `${what}: not available yet`),
    h('p', {}, 'This gateway does not serve ', h('code', {}, endpoint), ' (it is not in ', h('a', { href: '/openapi.json', target: '_blank' }, '/openapi.json'), '). The page shows live data as soon as a gateway with that endpoint runs; it never shows made-up numbers.'));
}

/** flash shows a short message at the top of the page. */
export function flash(text, kind = 'ok') {
  const el = h('div', { class: `flash ${kind}`, role: 'status' }, text);
  document.body.append(el);
  setTimeout(() => el.remove(), 6000);
  return el;
}

/** every runs fn now and then every ms while the tab is visible; returns a stop function. */
export function every(ms, fn) {
  let stopped = false, timer = null;
  const tick = async () => {
    if (stopped) return;
    if (!document.hidden) {
      try { await fn(); } catch (e) { console.warn(e); }
    }
    if (!stopped) timer = setTimeout(tick, ms);
  };
  tick();
  return () => { stopped = true; clearTimeout(timer); };
}

function markLive() {
  const el = document.getElementById('live');
  if (el) {
    el.textContent = `live · ${new Date().toLocaleTimeString()}`;
    el.classList.add('on');
  }
}

// --- sign-in --------------------------------------------------------------

function signIn(message) {
  const dlg = document.getElementById('login');
  document.getElementById('login-error').textContent = message || '';
  if (!dlg.open) dlg.showModal();
  document.getElementById('token-input').focus();
}

async function checkToken(tok) {
  const resp = await fetch('/v1/connections', { headers: { Authorization: `Bearer ${tok}` } });
  if (resp.status === 401) throw await errorOf(resp, '/v1/connections');
  if (!resp.ok && resp.status !== 403) throw await errorOf(resp, '/v1/connections');
}

function setupSignIn() {
  document.getElementById('login-form').addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const tok = document.getElementById('token-input').value.trim();
    try {
      await checkToken(tok);
    } catch (e) {
      document.getElementById('login-error').textContent = `That token does not work: ${e.message}`;
      return;
    }
    sessionStorage.setItem(TOKEN_KEY, tok);
    document.getElementById('token-input').value = '';
    document.getElementById('login').close();
    document.getElementById('signout').hidden = false;
    route();
  });
  document.getElementById('login').addEventListener('cancel', (ev) => ev.preventDefault());
  document.getElementById('signout').addEventListener('click', () => {
    sessionStorage.removeItem(TOKEN_KEY);
    stopPage();
    document.getElementById('main').replaceChildren(h('p', { class: 'muted' }, 'Signed out.'));
    document.getElementById('signout').hidden = true;
    signIn('');
  });
}

// A link such as /dashboard/#token=shk_… (printed by supplyhub demo) signs
// in at once; the token is moved into session storage and out of the URL.
function takeTokenFromURL() {
  const m = /(?:^#|[#&])token=([^&]+)/.exec(location.hash);
  if (!m) return;
  sessionStorage.setItem(TOKEN_KEY, decodeURIComponent(m[1]));
  const rest = location.hash.replace(/[#&]?token=[^&]+/, '').replace(/^&/, '#');
  history.replaceState(null, '', location.pathname + (rest && rest !== '#' ? rest : '#/connections'));
}

// --- router ---------------------------------------------------------------

let stopCurrent = null;
let generation = 0;

function stopPage() {
  if (stopCurrent) {
    try { stopCurrent(); } catch (e) { console.warn(e); }
  }
  stopCurrent = null;
}

/** pageParams returns the query part of the hash route (#/inbox?status=dead). */
export function pageParams() {
  const q = location.hash.split('?')[1] || '';
  return new URLSearchParams(q);
}

/** setPageParams rewrites the hash route's query without reloading the page. */
export function setPageParams(params) {
  const base = location.hash.split('?')[0] || '#/connections';
  const q = new URLSearchParams(params).toString();
  history.replaceState(null, '', location.pathname + base + (q ? `?${q}` : ''));
}

async function route() {
  const name = (location.hash.replace(/^#\/?/, '').split(/[?&]/)[0]) || 'connections';
  const page = PAGES.includes(name) ? name : 'connections';
  for (const a of document.querySelectorAll('#nav a')) a.classList.toggle('active', a.dataset.page === page);
  if (!token()) {
    signIn('');
    return;
  }
  document.getElementById('signout').hidden = false;
  stopPage();
  const gen = ++generation;
  const main = document.getElementById('main');
  main.replaceChildren(h('p', { class: 'muted' }, 'Loading…'));
  main.dataset.page = page;
  try {
    const mod = await import(`./pages/${page}.js`);
    if (gen !== generation) return;
    main.replaceChildren();
    stopCurrent = mod.mount(main) || null;
  } catch (e) {
    main.replaceChildren(errorBox(e));
  }
}

setupSignIn();
takeTokenFromURL();
window.addEventListener('hashchange', route);
route();

let locationNames = null;
/** locationName turns an upstream location id into the location's name (from /v1/locations), or the id. */
export async function locationNamer() {
  if (!locationNames) {
    locationNames = {};
    try {
      for (const l of await allPages('/v1/locations')) if (l.source && l.source.external_id) locationNames[l.source.external_id] = l.name;
    } catch { /* ids are shown instead */ }
  }
  const name = (id) => {
    if (!id) return '—';
    if (id === '*') return 'unassigned (channel level)';
    return locationNames[id] || id;
  };
  /** name.text replaces the location ids in a sentence with their names. */
  name.text = (s) => String(s || '').replace(/gid:\/\/[A-Za-z]+\/Location\/\d+/g, (id) => locationNames[id] || id);
  return name;
}

/** allPages reads a paged list (items, next_cursor) up to max items. */
export async function allPages(path, max = 5000) {
  const items = [];
  let cursor = '';
  const sep = path.includes('?') ? '&' : '?';
  while (items.length < max) {
    const page = await api(`${path}${sep}limit=1000${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
    items.push(...(page.items || []));
    if (!page.next_cursor) break;
    cursor = page.next_cursor;
  }
  return items;
}
