/* global URL, document, setTimeout */ // browser code (ESLint's default environment is Node)
/* Maturity: the process-maturity (POM) scorecard with the evidence for each level, the POM metrics over
 * time, and the DORA four keys; period / service / model selectors and a CSV download. */
import { get, request } from '../api.js';
import {
  clear,
  emptyState,
  errorState,
  field,
  fmtNumber,
  h,
  humanize,
  loading,
  select,
  toast,
} from '../dom.js';
import { chartCard, destroyCharts } from '../charts.js';
import { setRouteParams } from '../app.js';

const MONTH = 30.4 * 864e5;

/** What each metric is called and in which unit it is shown (matched on the metric's key). */
const METRIC_NAMES = [
  [/desk|call/i, 'Service desk calls after deployment', ''],
  [/downtime/i, 'Downtime caused by deployments', ''],
  [/cost/i, 'Unit cost per release', ''],
  [/review/i, 'Release model review frequency', ''],
  [/frequency|deploymentsPer|deployments$/i, 'Deployment frequency', ''],
  [/lead/i, 'Lead time for changes', ''],
  [/fail/i, 'Change failure rate', ''],
  [/restore|recover|mttr/i, 'Time to restore service', ''],
];
const IGNORED_KEYS =
  /^(period|label|start|end|from|to|bucket|month|week|quarter|periodStart|periodEnd|service|modelId)$/;

export async function renderMaturity(main, { params, signal }) {
  destroyCharts();
  const now = new Date();
  const defaultTo = new Date(now.getFullYear(), now.getMonth() + 1, 1).getTime();
  const state = {
    period: params.get('period') ?? 'month',
    from: params.get('from') ?? new Date(defaultTo - 6 * MONTH).toISOString().slice(0, 7),
    to: params.get('to') ?? new Date(defaultTo - 1).toISOString().slice(0, 7),
    service: params.get('service') ?? '',
    modelId: params.get('modelId') ?? '',
  };
  main.append(h('div', { class: 'page-head' }, h('h1', {}, 'Maturity')));
  const scorecard = h(
    'section',
    { class: 'panel scorecard', 'aria-labelledby': 'scorecard-title' },
    h('h2', { id: 'scorecard-title' }, 'Process maturity scorecard'),
    loading(),
  );
  const filters = h('form', {
    class: 'filters',
    'aria-label': 'Metrics period and scope',
    onsubmit: (e) => e.preventDefault(),
  });
  const pom = h('section', { class: 'panel', 'aria-labelledby': 'pom-title' });
  const dora = h('section', { class: 'panel', 'aria-labelledby': 'dora-title' });
  main.append(scorecard, filters, pom, dora);

  // Selectors: services and models from the dashboard counts, when this key may read them.
  let counts = { byService: [], byModel: [] };
  try {
    counts = await get('/v1/dashboard/releases/counts', undefined, { signal });
  } catch (error) {
    if (error.name === 'AbortError') throw error;
  }
  const periodSelect = select(
    'period',
    [
      ['week', 'Week'],
      ['month', 'Month'],
      ['quarter', 'Quarter'],
    ],
    state.period,
  );
  const fromInput = h('input', { type: 'month', name: 'from', value: state.from, required: true });
  const toInput = h('input', { type: 'month', name: 'to', value: state.to, required: true });
  const serviceSelect = select(
    'service',
    [['', 'All services'], ...counts.byService.map((s) => [s.service, s.service])],
    state.service,
  );
  const modelSelect = select(
    'modelId',
    [['', 'All release models'], ...counts.byModel.map((m) => [m.modelId, m.name])],
    state.modelId,
  );
  const csv = h('button', { type: 'button', class: 'button' }, 'Download CSV');
  filters.append(
    field('Period', periodSelect),
    field('From', fromInput),
    field('To (month included)', toInput),
    field('Service', serviceSelect),
    field('Release model', modelSelect),
    csv,
  );

  const range = () => {
    const from = new Date(`${state.from}-01T00:00:00`);
    const [y, m] = state.to.split('-').map(Number);
    const to = new Date(y, m, 1); // first instant after the chosen month
    return { from: from.toISOString(), to: to.toISOString() };
  };
  const query = () => ({ period: state.period, ...range(), service: state.service, modelId: state.modelId });

  filters.addEventListener('change', () => {
    Object.assign(state, {
      period: periodSelect.value,
      from: fromInput.value || state.from,
      to: toInput.value || state.to,
      service: serviceSelect.value,
      modelId: modelSelect.value,
    });
    setRouteParams(state);
    loadCharts();
  });
  csv.addEventListener('click', async () => {
    try {
      const response = await request('GET', '/v1/metrics/pom', {
        params: { ...query(), format: 'csv' },
        accept: 'text/csv',
        signal,
      });
      const blob = await response.blob();
      const link = h('a', {
        href: URL.createObjectURL(blob),
        download: `pom-${state.period}-${state.from}-to-${state.to}${state.service ? `-${state.service}` : ''}.csv`,
      });
      document.body.append(link);
      link.click();
      setTimeout(() => {
        URL.revokeObjectURL(link.href);
        link.remove();
      }, 1000);
      toast('CSV downloaded.');
    } catch (error) {
      toast(`CSV download failed: ${error.message}`, 'error');
    }
  });

  const loadCharts = async () => {
    destroyCharts();
    clear(
      pom,
      h('h2', { id: 'pom-title' }, 'Release & deployment metrics'),
      loading('Computing the metrics…'),
    );
    clear(dora, h('h2', { id: 'dora-title' }, 'DORA four keys'), loading());
    const [pomResult, doraResult] = await Promise.allSettled([
      get('/v1/metrics/pom', query(), { signal }),
      get('/v1/metrics/dora', query(), { signal }),
    ]);
    renderSeriesSection(
      pom,
      'pom-title',
      'Release & deployment metrics',
      pomResult,
      'These come from deployments, service desk calls, downtime and costs attributed to releases, and model reviews.',
    );
    renderSeriesSection(
      dora,
      'dora-title',
      'DORA four keys',
      doraResult,
      'Deployment frequency, lead time for changes, change failure rate and time to restore service.',
    );
  };

  const loadScorecard = async () => {
    try {
      const maturity = await get(
        '/v1/metrics/maturity',
        { service: state.service, modelId: state.modelId },
        { signal },
      );
      clear(scorecard, ...renderScorecard(maturity));
    } catch (error) {
      if (error.name === 'AbortError') return;
      clear(
        scorecard,
        h('h2', { id: 'scorecard-title' }, 'Process maturity scorecard'),
        errorState(error, 'load the maturity scorecard'),
      );
    }
  };
  await Promise.all([loadScorecard(), loadCharts()]);
}

function renderSeriesSection(section, titleId, title, result, description) {
  clear(section, h('h2', { id: titleId }, title), h('p', { class: 'muted' }, description));
  if (result.status === 'rejected') {
    if (result.reason?.name === 'AbortError') return;
    section.append(errorState(result.reason, `load the ${title.toLowerCase()}`));
    return;
  }
  const { labels, groups } = seriesOf(result.value);
  if (labels.length === 0 || groups.length === 0) {
    section.append(
      emptyState(
        'No data for this period yet',
        'Metrics appear once releases are deployed in the chosen period. Widen the period or clear the service and model filters.',
      ),
    );
    return;
  }
  section.append(
    h(
      'div',
      { class: 'chart-grid' },
      groups.map((g) =>
        chartCard({
          title: g.title,
          labels,
          series: g.series,
          type: /frequency|desk|call|review/i.test(g.key) ? 'bar' : 'line',
          unit: g.unit,
        }),
      ),
    ),
  );
}

/** Period rows → chart groups, whatever the exact shape of the answer (rows per period, or series per metric). */
export function seriesOf(response) {
  const rows = rowsOf(response);
  // Series-major: [{ metric, points: [{ period, value }] }]
  if (rows.length && rows.every((r) => Array.isArray(r.points ?? r.values ?? r.data))) {
    const labels = [...new Set(rows.flatMap((r) => (r.points ?? r.values ?? r.data).map(labelOf)))];
    const groups = rows.map((r) => {
      const points = r.points ?? r.values ?? r.data;
      const key = r.metric ?? r.key ?? r.name ?? r.label ?? 'value';
      return group(key, [
        { label: humanize(key), values: labels.map((l) => numberOf(points.find((p) => labelOf(p) === l))) },
      ]);
    });
    return { labels: labels.map(prettyLabel), groups };
  }
  // Object of arrays: { metricName: [{ period, value }] }
  if (!rows.length && response && typeof response === 'object') {
    const entries = Object.entries(response).filter(
      ([, v]) => Array.isArray(v) && v.length && typeof v[0] === 'object',
    );
    if (entries.length) return seriesOf(entries.map(([metric, points]) => ({ metric, points })));
  }
  // Row-major: [{ period, metricA, metricB: { x, y } }]
  const labels = rows.map(labelOf);
  const keys = new Map();
  for (const row of rows)
    for (const [path, value] of flatten(row))
      if (typeof value === 'number' && !IGNORED_KEYS.test(path.split('.').pop())) keys.set(path, true);
  const byTop = new Map();
  for (const path of keys.keys()) {
    const top = path.split('.')[0];
    const list = byTop.get(top) ?? [];
    list.push(path);
    byTop.set(top, list);
  }
  const groups = [...byTop.entries()].map(([top, paths]) =>
    group(
      top,
      paths.map((path) => ({
        label: paths.length === 1 ? humanize(top) : humanize(path.split('.').slice(1).join(' ')),
        values: rows.map((row) => {
          const v = flatten(row).find(([p]) => p === path)?.[1];
          return typeof v === 'number' ? v : null;
        }),
      })),
    ),
  );
  return { labels: labels.map(prettyLabel), groups };
}

function group(key, series) {
  const known = METRIC_NAMES.find(([re]) => re.test(key));
  let unit = '';
  if (/percent|rate|ratio/i.test(key)) {
    unit = '%';
    // A ratio (0…1) is shown as a percentage.
    if (!/percent/i.test(key) && series.every((s) => s.values.every((v) => v === null || v <= 1)))
      series = series.map((s) => ({
        ...s,
        values: s.values.map((v) => (v === null ? null : Math.round(v * 1000) / 10)),
      }));
  }
  return {
    key,
    title: known
      ? `${known[1]}${/hours/i.test(key) ? ' (hours)' : /seconds/i.test(key) ? ' (seconds)' : /minutes/i.test(key) ? ' (minutes)' : ''}`
      : humanize(key),
    series,
    unit,
  };
}

function rowsOf(response) {
  if (Array.isArray(response)) return response;
  for (const key of ['buckets', 'periods', 'series', 'items', 'rows', 'data', 'points'])
    if (Array.isArray(response?.[key])) return response[key];
  return [];
}

const labelOf = (row) =>
  row?.period ?? row?.label ?? row?.start ?? row?.periodStart ?? row?.from ?? row?.bucket ?? row?.month ?? '';
const numberOf = (point) => {
  if (point === undefined || point === null) return null;
  if (typeof point === 'number') return point;
  const v = point.value ?? point.count ?? point.total;
  return typeof v === 'number' ? v : null;
};
function prettyLabel(label) {
  if (typeof label !== 'string') return String(label);
  const ms = Date.parse(label);
  if (/^\d{4}-\d{2}-\d{2}T/.test(label) && Number.isFinite(ms))
    return new Date(ms).toLocaleDateString(undefined, {
      year: 'numeric',
      month: 'short',
      day: label.slice(8, 10) === '01' ? undefined : 'numeric',
    });
  return label;
}
function flatten(value, prefix = '', depth = 0) {
  if (value === null || typeof value !== 'object' || Array.isArray(value) || depth > 2)
    return [[prefix, value]];
  return Object.entries(value).flatMap(([k, v]) => flatten(v, prefix ? `${prefix}.${k}` : k, depth + 1));
}

/** `{ level, levels: [{ level, name, achieved, evidence: [...] }] }` (tolerant of close variants). */
function renderScorecard(maturity) {
  const root = maturity?.scorecard ?? maturity ?? {};
  const level = root.level ?? root.currentLevel ?? root.maturityLevel ?? null;
  const levels = root.levels ?? root.criteria ?? [];
  const title = h('h2', { id: 'scorecard-title' }, 'Process maturity scorecard');
  if (level === null && levels.length === 0)
    return [
      title,
      emptyState(
        'No maturity assessment yet',
        'The scorecard is computed from release history: plan and deploy releases with a release model, record reviews and signals.',
      ),
    ];
  return [
    title,
    h(
      'p',
      { class: 'level-line' },
      'Current level ',
      h(
        'strong',
        {
          class: 'level-badge',
          dataset: { maturityLevel: String(level ?? '') },
          'aria-label': `Level ${level ?? 'unknown'}`,
        },
        String(level ?? '—'),
      ),
      root.name || root.label ? h('span', { class: 'muted' }, ` ${root.name ?? root.label}`) : null,
      root.summary ? h('span', { class: 'muted block' }, root.summary) : null,
    ),
    h(
      'ol',
      { class: 'levels' },
      levels.map((entry) => {
        const n = entry.level ?? entry.number;
        const achieved = entry.achieved ?? entry.met ?? entry.passed ?? (level !== null && n <= level);
        const evidence = entry.evidence ?? entry.criteria ?? entry.checks ?? [];
        return h(
          'li',
          { class: ['level', achieved ? 'achieved' : 'not-achieved'], dataset: { level: String(n) } },
          h(
            'h3',
            {},
            `Level ${n}${entry.name || entry.title ? ` — ${entry.name ?? entry.title}` : ''}`,
            ' ',
            h('span', { class: `badge ${achieved ? 'ok' : 'no'}` }, achieved ? 'achieved' : 'not yet'),
          ),
          entry.description ? h('p', { class: 'muted' }, entry.description) : null,
          h(
            'ul',
            { class: 'evidence' },
            (Array.isArray(evidence)
              ? evidence
              : Object.entries(evidence).map(([k, v]) => ({
                  criterion: k,
                  ...(typeof v === 'object' ? v : { value: v }),
                }))
            ).map((item) => {
              if (typeof item === 'string') return h('li', {}, item);
              const met = item.met ?? item.achieved ?? item.passed ?? item.ok;
              const text = item.description ?? item.criterion ?? item.name ?? item.title ?? item.rule ?? '';
              const detail =
                item.detail ?? item.evidence ?? (item.value !== undefined ? fmtNumber(item.value, 2) : '');
              return h(
                'li',
                { class: met === undefined ? '' : met ? 'met' : 'unmet' },
                met === undefined
                  ? null
                  : h('span', { class: 'mark', 'aria-label': met ? 'met' : 'not met' }, met ? '✓ ' : '✗ '),
                text,
                detail
                  ? h(
                      'small',
                      { class: 'muted' },
                      ` — ${typeof detail === 'string' ? detail : JSON.stringify(detail)}`,
                    )
                  : null,
              );
            }),
          ),
        );
      }),
    ),
  ];
}
