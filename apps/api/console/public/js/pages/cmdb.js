/* CMDB browser with a time slider: the configuration items of a service / environment as they stood at any
 * instant, what differs between two instants, and which release changed what. */
import { get, getAll } from '../api.js';
import {
  clear,
  debounce,
  emptyState,
  errorState,
  field,
  fmtDateTime,
  fmtValue,
  fromLocalInput,
  h,
  humanize,
  loading,
  select,
  shortId,
  toLocalInput,
} from '../dom.js';
import { setRouteParams } from '../app.js';

const HOUR = 36e5;
const DAY = 24 * HOUR;
const list = (response, key = 'items') =>
  Array.isArray(response) ? response : (response?.[key] ?? response?.cis ?? []);

export async function renderCmdb(main, { params, signal }) {
  main.append(h('div', { class: 'page-head' }, h('h1', {}, 'CMDB')));
  const status = loading('Loading configuration items…');
  main.append(status);
  let current;
  try {
    current = list(await get('/v1/cmdb/cis', {}, { signal }));
  } catch (error) {
    if (error.name === 'AbortError') throw error;
    status.replaceWith(errorState(error, 'load the CMDB'));
    return;
  }
  status.remove();
  if (current.length === 0) {
    main.append(
      emptyState(
        'No configuration items yet',
        'Register the CIs your releases change (POST /v1/cis: name, type, environment, services, attributes). Deployments then update them, and this page shows them at any instant — or fill a fresh data dir with the demo history: npm run cli -- seed --demo.',
      ),
    );
    return;
  }
  const releaseNames = new Map();
  const namesReady = getAll('/v1/dashboard/releases', {}, { max: 2000, signal })
    .then((page) => page.items.forEach((r) => releaseNames.set(r.releaseId, r.name)))
    .catch(() => undefined);

  const services = [...new Set(current.flatMap((ci) => ci.services ?? []))].sort();
  const environments = [...new Set(current.map((ci) => ci.environment))].sort(envSort);
  const earliest = Math.min(...current.map((ci) => Date.parse(ci.registeredAt)).filter(Number.isFinite));
  const min = Math.floor(earliest / HOUR) * HOUR;
  const max = Math.ceil(Date.now() / HOUR) * HOUR;
  const state = {
    service: params.get('service') ?? (services.length > 1 ? services[0] : ''),
    environment: params.get('environment') ?? (environments.includes('production') ? 'production' : ''),
    asOf: clamp(Date.parse(params.get('asOf') ?? '') || max, min, max),
    ci: params.get('ci') ?? '',
  };
  if (state.ci) {
    const ci = current.find((c) => c.ciId === state.ci);
    if (ci) {
      state.environment = ci.environment;
      state.service = ci.services?.[0] ?? state.service;
    }
  }

  const serviceSelect = select(
    'service',
    [['', 'All services'], ...services.map((s) => [s, s])],
    state.service,
  );
  const environmentSelect = select(
    'environment',
    [['', 'All environments'], ...environments.map((e) => [e, humanize(e)])],
    state.environment,
  );
  const slider = h('input', {
    type: 'range',
    id: 'cmdb-slider',
    name: 'asOf',
    min,
    max,
    step: HOUR,
    value: state.asOf,
    'aria-describedby': 'cmdb-instant',
  });
  const instantLabel = h('output', { id: 'cmdb-instant', for: 'cmdb-slider', class: 'instant' });
  const exact = h('input', {
    type: 'datetime-local',
    name: 'exact',
    value: toLocalInput(state.asOf),
    min: toLocalInput(min),
    max: toLocalInput(max),
  });
  const table = h('div', { class: 'cmdb-table', 'aria-live': 'polite' });
  const diff = h('section', { class: 'panel', 'aria-labelledby': 'diff-title' });
  const history = h('section', { class: 'panel', 'aria-labelledby': 'history-title', hidden: !state.ci });

  const setAsOf = (ms, { fetchNow = false } = {}) => {
    state.asOf = clamp(ms, min, max);
    slider.value = String(state.asOf);
    slider.setAttribute('aria-valuetext', fmtDateTime(state.asOf));
    exact.value = toLocalInput(state.asOf);
    const isNow = state.asOf >= max;
    instantLabel.textContent = isNow ? `Now (${fmtDateTime(Date.now())})` : fmtDateTime(state.asOf);
    if (fetchNow) loadSnapshot();
    else loadSoon();
  };
  const step = (ms) => () => setAsOf(state.asOf + ms, { fetchNow: true });

  main.append(
    h(
      'form',
      { class: 'filters', 'aria-label': 'Which configuration items', onsubmit: (e) => e.preventDefault() },
      field('Service', serviceSelect),
      field('Environment', environmentSelect),
    ),
    h(
      'section',
      { class: 'panel time-travel', 'aria-labelledby': 'slider-title' },
      h('h2', { id: 'slider-title' }, 'As of ', instantLabel),
      h(
        'div',
        { class: 'slider-row' },
        h('label', { for: 'cmdb-slider', class: 'visually-hidden' }, 'Instant to show the CMDB at'),
        h('span', { class: 'muted small' }, fmtDateTime(min)),
        slider,
        h('span', { class: 'muted small' }, 'now'),
      ),
      h(
        'div',
        { class: 'button-row' },
        h('button', { type: 'button', class: 'button', onclick: step(-7 * DAY) }, '−1 week'),
        h('button', { type: 'button', class: 'button', onclick: step(-DAY) }, '−1 day'),
        h('button', { type: 'button', class: 'button', onclick: step(DAY) }, '+1 day'),
        h('button', { type: 'button', class: 'button', onclick: step(7 * DAY) }, '+1 week'),
        h(
          'button',
          { type: 'button', class: 'button', onclick: () => setAsOf(max, { fetchNow: true }) },
          'Now',
        ),
        field('Exact instant', exact),
      ),
      h(
        'p',
        { class: 'muted small' },
        'Drag the slider (or use the arrow keys: one hour per step, Page Up/Down for larger jumps). Values that differ from today are highlighted.',
      ),
    ),
    table,
    diff,
    history,
  );

  const filtersChanged = () => {
    state.service = serviceSelect.value;
    state.environment = environmentSelect.value;
    loadSnapshot();
  };
  serviceSelect.addEventListener('change', filtersChanged);
  environmentSelect.addEventListener('change', filtersChanged);
  slider.addEventListener('input', () => setAsOf(Number(slider.value)));
  exact.addEventListener('change', () => {
    const ms = fromLocalInput(exact.value);
    if (Number.isFinite(ms)) setAsOf(ms, { fetchNow: true });
  });

  let generation = 0;
  const loadSnapshot = async () => {
    const mine = ++generation;
    const isNow = state.asOf >= max;
    setRouteParams({
      service: state.service,
      environment: state.environment,
      asOf: isNow ? '' : new Date(state.asOf).toISOString(),
      ci: state.ci,
    });
    table.setAttribute('aria-busy', 'true');
    let items;
    try {
      const query = {
        service: state.service,
        environment: state.environment,
        ...(isNow ? {} : { asOf: new Date(state.asOf).toISOString() }),
      };
      items = list(await get('/v1/cmdb/cis', query, { signal }));
    } catch (error) {
      if (error.name === 'AbortError') return;
      clear(table, errorState(error, 'load the CMDB at this instant'));
      return;
    }
    await namesReady;
    if (mine !== generation) return; // a newer position was asked for meanwhile
    table.removeAttribute('aria-busy');
    table.dataset.asOf = isNow ? 'now' : new Date(state.asOf).toISOString();
    renderTable(items, isNow);
    renderDiffForm();
  };
  const loadSoon = debounce(loadSnapshot, 200);

  const currentById = new Map(current.map((ci) => [ci.ciId, ci]));
  const renderTable = (items, isNow) => {
    if (items.length === 0) {
      clear(
        table,
        emptyState(
          'No configuration item at this instant',
          isNow
            ? 'No CI matches these filters.'
            : 'None of these CIs was registered yet then: move the slider later.',
        ),
      );
      return;
    }
    clear(
      table,
      h(
        'div',
        { class: 'table-scroll' },
        h(
          'table',
          { class: 'data cmdb' },
          h(
            'caption',
            { class: 'visually-hidden' },
            `Configuration items as of ${isNow ? 'now' : fmtDateTime(state.asOf)}`,
          ),
          h(
            'thead',
            {},
            h(
              'tr',
              {},
              ['Configuration item', 'Environment', 'Attributes (value · set by)', ''].map((t) =>
                h('th', { scope: 'col' }, t),
              ),
            ),
          ),
          h(
            'tbody',
            {},
            items.map((ci) => {
              const now = currentById.get(ci.ciId);
              return h(
                'tr',
                { dataset: { ciId: ci.ciId }, class: ci.status === 'retired' ? 'retired' : '' },
                h(
                  'th',
                  { scope: 'row' },
                  h('span', { class: 'block' }, ci.name),
                  h('small', { class: 'muted' }, `${ci.ciId} · ${ci.ciType}`),
                ),
                h('td', {}, humanize(ci.environment)),
                h(
                  'td',
                  {},
                  h(
                    'dl',
                    { class: 'attributes' },
                    Object.entries(ci.attributes ?? {}).map(([name, value]) => {
                      const source = ci.sources?.[name];
                      const nowValue = now?.attributes?.[name];
                      const differs = !isNow && JSON.stringify(nowValue) !== JSON.stringify(value);
                      return h(
                        'div',
                        { class: ['attribute', differs ? 'differs' : ''], dataset: { attribute: name } },
                        h('dt', {}, name),
                        h(
                          'dd',
                          {},
                          h('span', { class: 'value' }, fmtValue(value)),
                          differs ? h('small', { class: 'now-value' }, ` (now ${fmtValue(nowValue)})`) : null,
                          source ? sourceNote(source, releaseNames) : null,
                        ),
                      );
                    }),
                  ),
                ),
                h(
                  'td',
                  {},
                  h(
                    'button',
                    { type: 'button', class: 'button subtle', onclick: () => showHistory(ci.ciId) },
                    'History',
                  ),
                ),
              );
            }),
          ),
        ),
      ),
    );
  };

  const renderDiffForm = () => {
    const isNow = state.asOf >= max;
    const other = h('input', {
      type: 'datetime-local',
      name: 'compareTo',
      value: toLocalInput(isNow ? state.asOf - 30 * DAY : max),
    });
    const run = h('button', { type: 'submit', class: 'button' }, 'Show differences');
    const out = h('div', { 'aria-live': 'polite' });
    const form = h(
      'form',
      { class: 'inline-form' },
      field(isNow ? 'Compare now with' : `Compare ${fmtDateTime(state.asOf)} with`, other),
      run,
    );
    form.addEventListener('submit', async (event) => {
      event.preventDefault();
      const a = state.asOf;
      const b = fromLocalInput(other.value);
      if (!Number.isFinite(b)) return;
      const [fromMs, toMs] = a < b ? [a, b] : [b, a];
      clear(out, loading('Comparing…'));
      try {
        const result = await get(
          '/v1/cmdb/diff',
          {
            from: new Date(fromMs).toISOString(),
            to: new Date(toMs).toISOString(),
            service: state.service,
            environment: state.environment,
          },
          { signal },
        );
        clear(out, renderDiff(result, releaseNames));
      } catch (error) {
        if (error.name !== 'AbortError') clear(out, errorState(error, 'compare the two instants'));
      }
    });
    clear(diff, h('h2', { id: 'diff-title' }, 'Differences between two instants'), form, out);
  };

  const showHistory = async (ciId) => {
    state.ci = ciId;
    setRouteParams({ ci: ciId });
    history.hidden = false;
    clear(history, h('h2', { id: 'history-title' }, `History of ${ciId}`), loading());
    try {
      const [result] = await Promise.all([
        getAll(`/v1/cmdb/cis/${encodeURIComponent(ciId)}/history`, {}, { max: 2000, signal }),
        namesReady,
      ]);
      const items = result.items;
      clear(
        history,
        h('h2', { id: 'history-title' }, `History of ${ciId}`),
        h(
          'div',
          { class: 'table-scroll' },
          h(
            'table',
            { class: 'data' },
            h(
              'thead',
              {},
              h(
                'tr',
                {},
                ['From', 'To', 'Attribute', 'Value', 'Was', 'Set by'].map((t) =>
                  h('th', { scope: 'col' }, t),
                ),
              ),
            ),
            h(
              'tbody',
              {},
              items
                .slice()
                .reverse()
                .map((v) =>
                  h(
                    'tr',
                    {},
                    h(
                      'td',
                      {},
                      h(
                        'button',
                        {
                          type: 'button',
                          class: 'link',
                          onclick: () => setAsOf(Date.parse(v.validFrom), { fetchNow: true }),
                          title: 'Show the CMDB at this instant',
                        },
                        fmtDateTime(v.validFrom),
                      ),
                    ),
                    h('td', {}, v.validTo ? fmtDateTime(v.validTo) : 'current'),
                    h('td', {}, v.attribute),
                    h('td', {}, v.removed ? '(removed)' : fmtValue(v.value)),
                    h('td', {}, fmtValue(v.previousValue)),
                    h('td', {}, sourceNote(v, releaseNames, true)),
                  ),
                ),
            ),
          ),
        ),
      );
      history.scrollIntoView({ block: 'nearest' });
    } catch (error) {
      if (error.name !== 'AbortError') clear(history, errorState(error, `load the history of ${ciId}`));
    }
  };

  setAsOf(state.asOf, { fetchNow: true });
  if (state.ci) showHistory(state.ci);
}

function sourceNote(source, releaseNames, long = false) {
  const kind = source.kind;
  const since = source.since ?? source.validFrom;
  if (source.releaseId) {
    const name = releaseNames.get(source.releaseId) ?? `release ${shortId(source.releaseId)}`;
    return h(
      'small',
      { class: 'source' },
      long ? '' : ' · ',
      kind === 'revert' ? 'restored by the rollback of ' : 'set by ',
      h('a', { href: `#/releases/${encodeURIComponent(source.releaseId)}` }, name),
      since ? ` on ${fmtDateTime(since)}` : '',
    );
  }
  const text =
    kind === 'registration'
      ? 'registered'
      : kind === 'manual'
        ? `changed manually${source.cause ? ` (${source.cause})` : ''}`
        : (kind ?? '');
  return h('small', { class: 'source' }, long ? '' : ' · ', text, since ? ` on ${fmtDateTime(since)}` : '');
}

function renderDiff(result, releaseNames) {
  const items = result.items ?? [];
  if (items.length === 0) return h('p', { class: 'muted' }, 'Nothing differs between these two instants.');
  return h(
    'div',
    {},
    h(
      'p',
      {},
      `${result.summary?.changed ?? 0} changed, ${result.summary?.registered ?? 0} registered, ${result.summary?.retired ?? 0} retired CI(s) between ${fmtDateTime(result.from)} and ${fmtDateTime(result.to)}.`,
    ),
    h(
      'ul',
      { class: 'diff-list' },
      items.map((item) =>
        h(
          'li',
          {},
          h('strong', {}, item.name ?? item.ciId),
          ` (${item.environment}) — ${item.change}`,
          h(
            'ul',
            {},
            (item.attributes ?? []).map((a) =>
              h(
                'li',
                {},
                h('code', {}, a.attribute),
                `: ${fmtValue(a.from)} → ${fmtValue(a.to)} `,
                a.releaseId
                  ? sourceNote({ kind: a.kind, releaseId: a.releaseId, since: a.changedAt }, releaseNames)
                  : null,
              ),
            ),
          ),
        ),
      ),
    ),
  );
}

const clamp = (value, low, high) => Math.min(high, Math.max(low, value));
const ENV = ['development', 'test', 'staging', 'production'];
const envSort = (a, b) => (ENV.indexOf(a) + 1 || 99) - (ENV.indexOf(b) + 1 || 99) || a.localeCompare(b);
