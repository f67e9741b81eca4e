/* global AbortController, URLSearchParams, console, document, history, location, window */ // browser code (ESLint's default environment is Node)
/* The console shell: sign-in, navigation by role, hash routing (#/board, #/releases/<id>, …). */
import { get, session, setUnauthorizedHandler } from './api.js';
import { clear, emptyState, errorState, field, h, toast } from './dom.js';
import { renderBoard } from './pages/board.js';
import { renderRelease } from './pages/release.js';
import { renderCalendar } from './pages/calendar.js';
import { renderCmdb } from './pages/cmdb.js';
import { renderMaturity } from './pages/maturity.js';
import { renderLive } from './pages/live.js';
import { destroyCharts } from './charts.js';

/** Each page, the permission it needs (the server enforces it anyway) and its title. */
const PAGES = {
  board: { permission: 'read.resources', title: 'Release board', render: renderBoard },
  releases: { permission: 'read.resources', title: 'Release', render: renderRelease, nav: 'board' },
  calendar: { permission: 'read.resources', title: 'Calendar', render: renderCalendar },
  cmdb: { permission: 'read.resources', title: 'CMDB', render: renderCmdb },
  maturity: { permission: 'read.metrics', title: 'Maturity', render: renderMaturity },
  live: { permission: 'events.subscribe', title: 'Live feed', render: renderLive },
};

const main = document.getElementById('main');
let leaveCurrent = () => undefined;

/** `#/releases/abc?x=1` → { page: 'releases', args: ['abc'], params: URLSearchParams }. */
export function currentRoute() {
  const hash = location.hash.replace(/^#\/?/, '');
  const [pathPart, queryPart = ''] = hash.split('?');
  const [page, ...args] = pathPart.split('/').filter(Boolean).map(decodeURIComponent);
  return { page: page || '', args, params: new URLSearchParams(queryPart) };
}

/** Updates the query of the current route without reloading the page (filters, slider position). */
export function setRouteParams(values, { replace = true } = {}) {
  const { page, args, params } = currentRoute();
  for (const [key, value] of Object.entries(values)) {
    if (value === undefined || value === null || value === '') params.delete(key);
    else params.set(key, String(value));
  }
  const search = params.toString();
  const hash = `#/${[page, ...args.map(encodeURIComponent)].join('/')}${search ? `?${search}` : ''}`;
  if (replace) history.replaceState(null, '', hash);
  else history.pushState(null, '', hash);
}

function firstAllowedPage() {
  return Object.entries(PAGES).find(([, p]) => !p.nav && session.can(p.permission))?.[0];
}

async function route() {
  leaveCurrent();
  destroyCharts();
  leaveCurrent = () => undefined;
  if (!session.key) return renderSignIn();
  if (!session.me) {
    try {
      session.me = await get('/v1/me');
    } catch (error) {
      if (error.status === 401) return signOut('Your key was not accepted. Sign in again.');
      clear(main, errorState(error, 'read who you are (GET /v1/me)'));
      return;
    }
  }
  renderChrome();
  const { page, args, params } = currentRoute();
  const name = page || firstAllowedPage();
  if (!name) {
    clear(
      main,
      emptyState(
        'Nothing to show for this key',
        `Your key has the roles ${session.me.roles.join(', ')}; none of them may read what the console shows. Ask an admin for an analyst, auditor or manager key.`,
      ),
    );
    return;
  }
  if (!page) return location.replace(`#/${name}`);
  const definition = PAGES[name];
  highlightNav(definition?.nav ?? name);
  if (!definition) {
    clear(main, emptyState('Page not found', 'Pick a page from the navigation above.'));
    return;
  }
  document.title = `${definition.title} · Release & Deployment console`;
  if (!session.can(definition.permission)) {
    clear(
      main,
      emptyState(
        `${definition.title} is not available to your key`,
        `It needs one of the roles that hold "${definition.permission}"; your key has ${session.me.roles.join(', ')}.`,
      ),
    );
    return;
  }
  clear(main);
  const controller = new AbortController();
  leaveCurrent = () => controller.abort();
  try {
    await definition.render(main, { args, params, signal: controller.signal });
  } catch (error) {
    if (error?.name === 'AbortError') return;
    console.error(error);
    clear(main, errorState(error));
  }
}

function renderChrome() {
  const nav = document.getElementById('nav');
  nav.hidden = false;
  for (const link of nav.querySelectorAll('a[data-page]')) {
    const allowed = session.can(PAGES[link.dataset.page].permission);
    link.parentElement.hidden = !allowed;
  }
  const whoami = document.getElementById('whoami');
  whoami.hidden = false;
  document.getElementById('who').textContent = `${session.me.name} · ${session.me.roles.join(', ')}`;
}

function highlightNav(page) {
  for (const link of document.querySelectorAll('#nav a[data-page]')) {
    if (link.dataset.page === page) link.setAttribute('aria-current', 'page');
    else link.removeAttribute('aria-current');
  }
}

function renderSignIn(message) {
  document.getElementById('nav').hidden = true;
  document.getElementById('whoami').hidden = true;
  document.title = 'Sign in · Release & Deployment console';
  const input = h('input', {
    type: 'password',
    name: 'apiKey',
    autocomplete: 'off',
    required: true,
    spellcheck: 'false',
    placeholder: 'rdm_…',
  });
  const status = h('p', { class: 'form-error', role: 'alert' }, message ?? '');
  const form = h(
    'form',
    { class: 'signin card-panel', 'aria-labelledby': 'signin-title' },
    h('h1', { id: 'signin-title' }, 'Sign in'),
    h(
      'p',
      {},
      'Paste your API key. It stays in this browser tab only (session storage) and is sent with every request as a Bearer token.',
    ),
    field(
      'API key',
      input,
      'npm start prints an admin key on a fresh data dir; an admin creates keys for people with POST /v1/api-keys.',
    ),
    status,
    h('button', { type: 'submit', class: 'button primary' }, 'Sign in'),
  );
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const key = input.value.trim();
    status.textContent = '';
    try {
      session.me = await get('/v1/me', undefined, { key });
      session.key = key;
      toast(`Signed in as ${session.me.name}.`);
      if (!location.hash || location.hash === '#/' || location.hash === '#')
        location.hash = `#/${firstAllowedPage() ?? ''}`;
      else route();
    } catch (error) {
      status.textContent =
        error.status === 401
          ? 'This key is unknown or revoked. Check it, or ask an admin for a new one.'
          : error.message;
      input.focus();
    }
  });
  clear(main, form);
  input.focus();
}

function signOut(message) {
  session.key = null;
  session.me = null;
  leaveCurrent();
  renderSignIn(message);
}

document.getElementById('sign-out').addEventListener('click', () => signOut('Signed out.'));
setUnauthorizedHandler(() => signOut('Your key is no longer accepted (revoked?). Sign in again.'));
window.addEventListener('hashchange', route);
route();
