/* global URLSearchParams, fetch, sessionStorage */ // browser code (ESLint's default environment is Node)
/* The API client: every call carries the signed-in key (kept in sessionStorage: this browser tab only). */

const KEY_STORAGE = 'rdm.console.apiKey';

export const session = {
  get key() {
    return sessionStorage.getItem(KEY_STORAGE);
  },
  set key(value) {
    if (value) sessionStorage.setItem(KEY_STORAGE, value);
    else sessionStorage.removeItem(KEY_STORAGE);
  },
  /** `{ keyId, name, roles, permissions }` of the signed-in key (from GET /v1/me). */
  me: null,
  can(permission) {
    return Boolean(this.me?.permissions?.includes(permission));
  },
};

export class ApiError extends Error {
  constructor(status, problem, path) {
    super(problem?.detail || problem?.title || `The server answered ${status}.`);
    this.status = status;
    this.problem = problem;
    this.path = path;
    // Nest answers an unknown route with "Cannot GET /v1/…" (a route this server does not have yet).
    this.routeMissing =
      status === 404 && /^Cannot (GET|POST)/.test(problem?.detail ?? problem?.message ?? '');
  }
}

export function query(params = {}) {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) {
    if (value === undefined || value === null || value === '') continue;
    if (Array.isArray(value)) value.forEach((v) => search.append(key, v));
    else search.set(key, String(value));
  }
  const text = search.toString();
  return text ? `?${text}` : '';
}

let onUnauthorized = () => undefined;
export const setUnauthorizedHandler = (fn) => (onUnauthorized = fn);

export async function request(method, path, { params, body, signal, accept = 'application/json', key } = {}) {
  const url = path + query(params);
  const headers = { Accept: accept };
  const token = key ?? session.key;
  if (token) headers.Authorization = `Bearer ${token}`;
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  let response;
  try {
    response = await fetch(url, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      signal,
    });
  } catch (error) {
    if (error?.name === 'AbortError') throw error;
    throw new ApiError(0, { detail: 'The server could not be reached.' }, path);
  }
  if (!response.ok) {
    let problem;
    try {
      problem = await response.json();
    } catch {
      problem = { detail: `${response.status} ${response.statusText}` };
    }
    const error = new ApiError(response.status, problem, path);
    if (response.status === 401 && !key) onUnauthorized(error);
    throw error;
  }
  if (accept !== 'application/json') return response;
  if (response.status === 204) return null;
  return response.json();
}

export const get = (path, params, options = {}) => request('GET', path, { ...options, params });
export const post = (path, body, options = {}) => request('POST', path, { ...options, body });

/** Follows `nextCursor` pages until `max` items. */
export async function getAll(
  path,
  params = {},
  { max = 1000, pageSize = 100, itemsKey = 'items', signal } = {},
) {
  const items = [];
  let cursor;
  let extra = {};
  do {
    const page = await get(path, { ...params, limit: pageSize, cursor }, { signal });
    const pageItems = page?.[itemsKey] ?? [];
    items.push(...pageItems);
    const { [itemsKey]: _ignored, nextCursor, ...rest } = page ?? {};
    extra = rest;
    cursor = nextCursor;
  } while (cursor && items.length < max);
  return { ...extra, [itemsKey]: items, truncated: Boolean(cursor) };
}
