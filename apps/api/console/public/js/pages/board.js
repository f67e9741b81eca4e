/* Release board: releases as cards by status, or by how far they got (environments → released to users). */
import { get, getAll } from '../api.js';
import {
  clear,
  emptyState,
  errorState,
  field,
  fmtDate,
  fmtRelative,
  h,
  humanize,
  loading,
  select,
} from '../dom.js';
import { setRouteParams } from '../app.js';

export const STATUSES = [
  ['planned', 'Planned'],
  ['in-progress', 'In progress'],
  ['deploying', 'Deploying'],
  ['deployed', 'Deployed, not released'],
  ['released', 'Released to users'],
  ['deployment-failed', 'Deployment failed'],
  ['rolled-back', 'Rolled back'],
  ['closed', 'Closed'],
];
const KNOWN_ENVIRONMENTS = ['development', 'test', 'staging', 'production'];
/** Cards shown per column before "Show all" (the newest first). */
const COLUMN_LIMIT = 12;

export async function renderBoard(main, { params, signal }) {
  const state = {
    view: params.get('view') === 'environment' ? 'environment' : 'status',
    service: params.get('service') ?? '',
    modelId: params.get('modelId') ?? '',
    releaseManager: params.get('releaseManager') ?? '',
    showClosed: params.get('closed') !== 'hide',
  };
  const heading = h('div', { class: 'page-head' }, h('h1', {}, 'Release board'));
  const filters = h('form', { class: 'filters', 'aria-label': 'Filter releases' });
  const body = h('div', { class: 'board-body' }, loading('Loading releases…'));
  main.append(heading, filters, body);

  let counts;
  try {
    counts = await get('/v1/dashboard/releases/counts', undefined, { signal });
  } catch (error) {
    if (error.name === 'AbortError') throw error;
    clear(body, errorState(error, 'load the release board'));
    return;
  }
  if (!counts.total) {
    clear(filters);
    clear(
      body,
      emptyState(
        'No releases yet',
        'Releases appear here as soon as one is planned. Define a release model (POST /v1/release-models), raise an RFC, then plan a release (POST /v1/releases) — or fill a fresh data dir with a realistic demo history: npm run cli -- seed --demo.',
        h('a', { href: '/docs', class: 'button' }, 'Open the API documentation'),
      ),
    );
    return;
  }

  let managers = [];
  const load = async () => {
    clear(body, loading('Loading releases…'));
    const filter = { service: state.service, modelId: state.modelId, releaseManager: state.releaseManager };
    let page;
    try {
      page = await getAll('/v1/dashboard/releases', filter, { max: 2000, signal });
    } catch (error) {
      if (error.name === 'AbortError') return;
      clear(body, errorState(error, 'load the releases'));
      return;
    }
    if (!state.releaseManager) managers = [...new Set(page.items.map((r) => r.releaseManager))].sort();
    renderFilters();
    renderColumns(page.items, page.truncated);
  };

  const renderFilters = () => {
    const serviceSelect = select(
      'service',
      [['', 'All services'], ...counts.byService.map((s) => [s.service, `${s.service} (${s.count})`])],
      state.service,
    );
    const modelSelect = select(
      'modelId',
      [['', 'All models'], ...counts.byModel.map((m) => [m.modelId, `${m.name} (${m.count})`])],
      state.modelId,
    );
    const managerSelect = select(
      'releaseManager',
      [['', 'All release managers'], ...managers.map((m) => [m, m])],
      state.releaseManager,
    );
    const view = h(
      'fieldset',
      { class: 'segmented' },
      h('legend', {}, 'Arrange by'),
      ['status', 'environment'].map((value) =>
        h(
          'label',
          {},
          h('input', { type: 'radio', name: 'view', value, checked: state.view === value }),
          value === 'status' ? 'Status' : 'Environment',
        ),
      ),
    );
    const closed = h(
      'label',
      { class: 'checkbox' },
      h('input', { type: 'checkbox', name: 'showClosed', checked: state.showClosed }),
      'Show closed releases',
    );
    clear(
      filters,
      field('Service', serviceSelect),
      field('Release model', modelSelect),
      field('Release manager', managerSelect),
      view,
      closed,
    );
    filters.onchange = (event) => {
      const target = event.target;
      if (target.name === 'view') state.view = target.value;
      else if (target.name === 'showClosed') state.showClosed = target.checked;
      else state[target.name] = target.value;
      setRouteParams({
        view: state.view === 'status' ? '' : state.view,
        service: state.service,
        modelId: state.modelId,
        releaseManager: state.releaseManager,
        closed: state.showClosed ? '' : 'hide',
      });
      if (target.name === 'view' || target.name === 'showClosed') renderColumns(lastItems, lastTruncated);
      else load();
    };
  };

  const expanded = new Set();
  let lastItems = [];
  let lastTruncated = false;
  const renderColumns = (items, truncated) => {
    lastItems = items;
    lastTruncated = truncated;
    // The environment view is about work in flight: closed releases stay on the status view.
    const visible =
      state.showClosed && state.view === 'status' ? items : items.filter((r) => r.status !== 'closed');
    filters
      .querySelector('input[name=showClosed]')
      ?.closest('label')
      ?.toggleAttribute('hidden', state.view !== 'status');
    const summary = h(
      'p',
      { class: 'muted', role: 'status' },
      `${visible.length} release${visible.length === 1 ? '' : 's'}${state.view === 'environment' ? ' in flight (closed releases are on the status view)' : ''}${truncated ? ' (the first 2000; narrow the filters)' : ''}.`,
    );
    if (items.length === 0) {
      clear(body, emptyState('No release matches these filters', 'Clear a filter to see more releases.'));
      return;
    }
    const columns = state.view === 'status' ? byStatus(visible) : byEnvironment(visible);
    clear(
      body,
      summary,
      h(
        'div',
        { class: 'board', dataset: { view: state.view } },
        columns.map(({ key, title, cards, hint }) =>
          h(
            'section',
            { class: 'column', dataset: { column: key }, 'aria-labelledby': `col-${key}` },
            h(
              'h2',
              { id: `col-${key}` },
              title,
              ' ',
              h('span', { class: 'count', 'aria-label': `${cards.length} releases` }, String(cards.length)),
            ),
            hint ? h('p', { class: 'column-hint' }, hint) : null,
            h(
              'ul',
              { class: 'cards' },
              (expanded.has(key) ? cards : cards.slice(0, COLUMN_LIMIT)).map((release) =>
                h('li', {}, card(release, state.view)),
              ),
            ),
            cards.length > COLUMN_LIMIT && !expanded.has(key)
              ? h(
                  'button',
                  {
                    type: 'button',
                    class: 'button subtle show-all',
                    onclick: () => {
                      expanded.add(key);
                      renderColumns(lastItems, lastTruncated);
                    },
                  },
                  `Show all ${cards.length}`,
                )
              : null,
          ),
        ),
      ),
    );
  };

  await load();
}

function byStatus(items) {
  return STATUSES.map(([key, title]) => ({
    key,
    title,
    cards: items.filter((r) => r.status === key),
  })).filter((c) => c.cards.length > 0 || !['deployment-failed', 'rolled-back'].includes(c.key));
}

/** Furthest environment of the path with a current deployment; released ones go to "Released to users". */
function byEnvironment(items) {
  const environments = [...new Set(items.flatMap((r) => r.environmentPath ?? []))].sort(
    (a, b) => rank(a) - rank(b),
  );
  const columns = [
    { key: 'none', title: 'Not deployed yet', cards: [] },
    ...environments.map((env) => ({ key: env, title: humanize(env), cards: [] })),
    { key: 'users', title: 'Released to users', cards: [], hint: 'Exposure to users, in %' },
  ];
  const byKey = Object.fromEntries(columns.map((c) => [c.key, c]));
  for (const release of items) {
    if (release.exposurePercent > 0) {
      byKey.users.cards.push(release);
      continue;
    }
    const path = release.environmentPath ?? [];
    let reached = 'none';
    for (const env of path) {
      const d = release.deployments?.[env];
      if (d && ['deployed', 'superseded', 'scheduled', 'in-progress'].includes(d.status)) reached = env;
    }
    byKey[reached].cards.push(release);
  }
  return columns;
}

const rank = (env) => {
  const i = KNOWN_ENVIRONMENTS.indexOf(env);
  return i < 0 ? KNOWN_ENVIRONMENTS.length : i;
};

function card(release, view) {
  const statusTitle = STATUSES.find(([key]) => key === release.status)?.[1] ?? release.status;
  const deploying = Object.entries(release.deployments ?? {}).find(([, d]) =>
    ['scheduled', 'in-progress'].includes(d.status),
  );
  const rolledBack = Object.entries(release.deployments ?? {}).find(([, d]) => d.status === 'rolled-back');
  const failed = Object.entries(release.deployments ?? {}).find(([, d]) => d.status === 'failed');
  return h(
    'a',
    {
      class: ['release-card', `status-${release.status}`],
      href: `#/releases/${encodeURIComponent(release.releaseId)}`,
      dataset: { releaseId: release.releaseId, status: release.status },
    },
    h('span', { class: 'card-title' }, release.name),
    h(
      'span',
      { class: 'card-meta' },
      h('span', { class: `badge status-${release.status}` }, statusTitle),
      ' ',
      h(
        'span',
        { class: 'model' },
        `${release.model?.name ?? 'model'} v${release.modelVersion ?? release.model?.version ?? '?'}`,
      ),
    ),
    h(
      'span',
      { class: 'card-services' },
      (release.services ?? []).map((s) => h('span', { class: 'chip' }, s)),
    ),
    deploying
      ? h(
          'span',
          { class: 'card-note' },
          `Deploying to ${deploying[0]}${deploying[1].window ? ` · window ${fmtDate(deploying[1].window.start)}` : ''}`,
        )
      : null,
    rolledBack ? h('span', { class: 'card-note warn' }, `Rolled back from ${rolledBack[0]}`) : null,
    failed && release.status === 'deployment-failed'
      ? h('span', { class: 'card-note warn' }, `Failed in ${failed[0]}`)
      : null,
    release.exposurePercent > 0 || (view === 'environment' && release.status === 'released')
      ? h(
          'span',
          { class: 'exposure' },
          h(
            'span',
            { class: 'exposure-label' },
            `${release.exposurePercent}% of users${release.audience ? ` · ${release.audience}` : ''}`,
          ),
          h('progress', {
            max: 100,
            value: release.exposurePercent,
            'aria-label': `Exposure ${release.exposurePercent}%`,
          }),
        )
      : null,
    h(
      'span',
      { class: 'card-foot muted' },
      `${release.releaseManager} · ${release.status === 'closed' ? `closed ${fmtRelative(release.closedAt)}${release.outcome ? ` (${release.outcome})` : ''}` : `planned ${fmtDate(release.plannedWindow?.start)} – ${fmtDate(release.plannedWindow?.end)}`}`,
    ),
    release.openTasks > 0
      ? h('span', { class: 'card-note' }, `${release.openTasks} open deployment task(s)`)
      : null,
  );
}
