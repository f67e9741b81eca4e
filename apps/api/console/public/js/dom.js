/* global Node, clearTimeout, document, setTimeout */ // browser code (ESLint's default environment is Node)
/* Small DOM and formatting helpers (no framework). Text always goes in as text nodes: no HTML injection. */

/**
 * h('a', { href: '#/x', class: 'card', onclick: fn, dataset: { id } }, 'text', child)
 * Attributes: `class`, `for`, `dataset`, `on<event>` handlers, booleans (true = present, false/null = absent).
 */
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs ?? {})) {
    if (value === undefined || value === null || value === false) continue;
    if (key === 'class') el.className = Array.isArray(value) ? value.filter(Boolean).join(' ') : value;
    else if (key === 'dataset') Object.assign(el.dataset, value);
    else if (key === 'style') Object.assign(el.style, value);
    else if (key.startsWith('on') && typeof value === 'function') el.addEventListener(key.slice(2), value);
    else if (value === true) el.setAttribute(key, '');
    else el.setAttribute(key, String(value));
  }
  append(el, children);
  return el;
}

export function append(parent, children) {
  for (const child of children.flat(Infinity)) {
    if (child === undefined || child === null || child === false) continue;
    parent.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return parent;
}

/** Empties `el`, then appends `children` (arrays are flattened; null / false are skipped). */
export function clear(el, ...children) {
  while (el.firstChild) el.removeChild(el.firstChild);
  return append(el, children);
}

const dateTime = new Intl.DateTimeFormat(undefined, {
  year: 'numeric',
  month: 'short',
  day: 'numeric',
  hour: '2-digit',
  minute: '2-digit',
});
const dateOnly = new Intl.DateTimeFormat(undefined, { year: 'numeric', month: 'short', day: 'numeric' });
const shortDate = new Intl.DateTimeFormat(undefined, { month: 'short', day: 'numeric' });

export const fmtDateTime = (value) => (value ? dateTime.format(new Date(value)) : '—');
export const fmtDate = (value) => (value ? dateOnly.format(new Date(value)) : '—');
export const fmtShortDate = (value) => (value ? shortDate.format(new Date(value)) : '—');

/** "3 days ago", "in 2 hours". */
export function fmtRelative(value, now = Date.now()) {
  if (!value) return '';
  const diff = new Date(value).getTime() - now;
  const units = [
    ['year', 365 * 864e5],
    ['month', 30 * 864e5],
    ['day', 864e5],
    ['hour', 36e5],
    ['minute', 6e4],
  ];
  const rtf = new Intl.RelativeTimeFormat(undefined, { numeric: 'auto' });
  for (const [unit, ms] of units) if (Math.abs(diff) >= ms) return rtf.format(Math.round(diff / ms), unit);
  return 'just now';
}

export const fmtNumber = (value, digits = 0) =>
  value === null || value === undefined || Number.isNaN(value)
    ? '—'
    : Number(value).toLocaleString(undefined, { maximumFractionDigits: digits });

export const fmtMoney = (amount, currency = 'EUR') =>
  Number(amount).toLocaleString(undefined, { style: 'currency', currency, maximumFractionDigits: 0 });

/** A JSON value as short readable text. */
export function fmtValue(value) {
  if (value === null || value === undefined) return '—';
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return JSON.stringify(value);
}

export const shortId = (id) => (id ? String(id).slice(0, 8) : '');

export const humanize = (key) =>
  String(key)
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .replace(/[-_.]/g, ' ')
    .replace(/^./, (c) => c.toUpperCase());

/** `<input type="datetime-local">` value (local time, minutes) ↔ ISO. */
export function toLocalInput(ms) {
  const d = new Date(ms);
  const pad = (n) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
}
export const fromLocalInput = (value) => (value ? new Date(value).getTime() : NaN);
export function toDateInput(ms) {
  return toLocalInput(ms).slice(0, 10);
}

/** A friendly panel for "nothing here yet", with what to do next. */
export function emptyState(title, text, ...actions) {
  return h(
    'section',
    { class: 'empty-state', role: 'note' },
    h('h2', {}, title),
    h('p', {}, text),
    actions.length ? h('p', { class: 'actions' }, actions) : null,
  );
}

/** An error from the API (or the network), said plainly, with what to do. */
export function errorState(error, what = 'load this page') {
  const status = error?.status;
  let advice = 'Try again in a moment.';
  if (status === 403)
    advice =
      'Your API key does not have a role that may see this. Ask an admin for a key with the right role.';
  else if (status === 401) advice = 'Your key is no longer valid: sign out and sign in with a valid key.';
  else if (status === 404 && error?.routeMissing)
    advice =
      'This server does not offer that data yet: update the server to a version with this part of the API.';
  else if (status === 0) advice = 'The server could not be reached. Is it still running?';
  return h(
    'section',
    { class: 'error-state', role: 'alert' },
    h('h2', {}, `Could not ${what}`),
    h('p', {}, error?.message ?? String(error)),
    h('p', { class: 'muted' }, advice),
  );
}

export function loading(text = 'Loading…') {
  return h('p', { class: 'loading', role: 'status' }, text);
}

/** Announce something to screen readers and show it briefly. */
export function toast(message, kind = 'info') {
  const region = document.getElementById('toasts');
  if (!region) return;
  const item = h('div', { class: `toast ${kind}` }, message);
  region.append(item);
  setTimeout(() => item.remove(), 6000);
}

export function debounce(fn, ms) {
  let timer;
  return (...args) => {
    clearTimeout(timer);
    timer = setTimeout(() => fn(...args), ms);
  };
}

/** A labelled form field. */
export function field(label, control, hint) {
  const id = control.id || `f-${Math.random().toString(36).slice(2, 9)}`;
  control.id = id;
  const hintEl = hint ? h('small', { class: 'hint', id: `${id}-hint` }, hint) : null;
  if (hintEl) control.setAttribute('aria-describedby', hintEl.id);
  return h('div', { class: 'field' }, h('label', { for: id }, label), control, hintEl);
}

export function select(name, options, value, attrs = {}) {
  return h(
    'select',
    { name, ...attrs },
    options.map(([v, text]) => h('option', { value: v, selected: String(v) === String(value ?? '') }, text)),
  );
}
