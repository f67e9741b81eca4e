/* global FormData, HashChangeEvent, setTimeout, window */ // browser code (ESLint's default environment is Node)
/* One release: summary, every related event in order (who / role / when / why), its CMDB changes, and
 * — for roles that may — the actions a release manager takes next. */
import { get, getAll, post, session } from '../api.js';
import {
  clear,
  errorState,
  field,
  fmtDateTime,
  fmtMoney,
  fmtRelative,
  fmtValue,
  h,
  humanize,
  loading,
  select,
  toast,
} from '../dom.js';
import { STATUSES } from './board.js';

export async function renderRelease(main, { args, signal }) {
  const releaseId = args[0];
  main.append(h('p', {}, h('a', { href: '#/board' }, '← Release board')), loading('Loading the release…'));
  let release;
  try {
    release = await get(`/v1/releases/${encodeURIComponent(releaseId)}`, undefined, { signal });
  } catch (error) {
    if (error.name === 'AbortError') throw error;
    main.lastChild.replaceWith(errorState(error, 'load this release'));
    return;
  }
  main.lastChild.remove();
  const timeline = h(
    'section',
    { class: 'panel', 'aria-labelledby': 'timeline-title' },
    h('h2', { id: 'timeline-title' }, 'Timeline'),
    loading('Loading the timeline…'),
  );
  const changes = h(
    'section',
    { class: 'panel', 'aria-labelledby': 'changes-title' },
    h('h2', { id: 'changes-title' }, 'CMDB changes'),
    loading(),
  );
  main.append(
    header(release),
    h(
      'div',
      { class: 'release-layout' },
      h('div', { class: 'release-main' }, timeline, changes),
      h(
        'aside',
        { class: 'release-side' },
        deploymentsPanel(release),
        actionsPanel(release),
        costsPanel(release),
      ),
    ),
  );
  await Promise.all([loadTimeline(timeline, releaseId, signal), loadChanges(changes, releaseId, signal)]);
}

function header(release) {
  const closed = release.closure != null;
  const production = release.model.environmentPath[release.model.environmentPath.length - 1];
  return h(
    'header',
    { class: 'release-header' },
    h('h1', {}, release.name),
    h(
      'p',
      { class: 'release-facts' },
      h('span', {}, `Model: ${release.model.name} v${release.model.version}`),
      h('span', {}, `Services: ${release.services.join(', ')}`),
      h('span', {}, `Release manager: ${release.releaseManager}`),
      h(
        'span',
        {},
        `Planned: ${fmtDateTime(release.plannedWindow.start)} – ${fmtDateTime(release.plannedWindow.end)}`,
      ),
      h('span', {}, `Path: ${release.model.environmentPath.join(' → ')} (production: ${production})`),
      h(
        'span',
        {},
        `Exposure: ${release.exposure.percent}%${release.exposure.audience ? ` (${release.exposure.audience})` : ''}`,
      ),
      closed
        ? h('span', {}, `Closed: ${release.closure.outcome} ${fmtRelative(release.closure.closedAt)}`)
        : null,
    ),
    release.description ? h('p', { class: 'muted' }, release.description) : null,
    h('p', { class: 'muted small' }, `Release id ${release.releaseId}`),
  );
}

const KIND_LABELS = {
  plan: 'Plan',
  rfc: 'Change',
  stage: 'Stage',
  deployment: 'Deployment',
  task: 'Task',
  readiness: 'Readiness',
  exposure: 'Exposure',
  rollback: 'Rollback',
  cost: 'Cost',
  closure: 'Closure',
  'ci-change': 'CMDB',
  'service-desk-call': 'Service desk',
  downtime: 'Downtime',
  incident: 'Incident',
};

async function loadTimeline(section, releaseId, signal) {
  let timeline;
  try {
    timeline = await getAll(
      `/v1/releases/${encodeURIComponent(releaseId)}/timeline`,
      {},
      { itemsKey: 'entries', max: 5000, pageSize: 500, signal },
    );
  } catch (error) {
    if (error.name === 'AbortError') return;
    section.lastChild.replaceWith(errorState(error, 'load the timeline'));
    return;
  }
  const entries = timeline.entries ?? [];
  const kinds = [...new Set(entries.map((e) => e.kind))];
  const filter = select(
    'kind',
    [['', 'Every kind of event'], ...kinds.map((k) => [k, KIND_LABELS[k] ?? humanize(k)])],
    '',
  );
  const list = h('ol', { class: 'timeline', 'aria-label': 'Events of this release, oldest first' });
  const render = () => {
    const kind = filter.value;
    clear(
      list,
      entries
        .filter((e) => !kind || e.kind === kind)
        .map((entry) =>
          h(
            'li',
            {
              class: ['timeline-entry', `kind-${entry.kind}`],
              dataset: { position: entry.position, eventType: entry.eventType },
            },
            h('time', { datetime: entry.at, title: entry.at }, fmtDateTime(entry.at)),
            h(
              'span',
              { class: `badge kind kind-${entry.kind}` },
              KIND_LABELS[entry.kind] ?? humanize(entry.kind),
            ),
            h('span', { class: 'event-type' }, entry.eventType),
            h('span', { class: 'summary' }, entry.summary),
            h(
              'span',
              { class: 'who' },
              entry.actor ? `${entry.actor}${entry.role ? ` · ${entry.role}` : ''}` : '—',
            ),
            reasonOf(entry) ? h('span', { class: 'why' }, `Why: ${reasonOf(entry)}`) : null,
          ),
        ),
    );
  };
  filter.addEventListener('change', render);
  render();
  clear(
    section,
    h('h2', { id: 'timeline-title' }, 'Timeline ', h('span', { class: 'count' }, String(entries.length))),
    h('div', { class: 'filters inline' }, field('Show', filter)),
    entries.length ? list : h('p', { class: 'muted' }, 'No events yet.'),
  );
}

/** The "why" of an event, when its data carries one. */
function reasonOf(entry) {
  const d = entry.data ?? {};
  return (
    d.reason ??
    d.justification ??
    d.reviewNotes ??
    d.changeSummary ??
    d.assessment ??
    d.cause ??
    d.blackoutOverride?.reason ??
    null
  );
}

async function loadChanges(section, releaseId, signal) {
  let changes;
  try {
    changes = await get(`/v1/cmdb/releases/${encodeURIComponent(releaseId)}/changes`, undefined, { signal });
  } catch (error) {
    if (error.name === 'AbortError') return;
    section.lastChild.replaceWith(errorState(error, 'load the CMDB changes'));
    return;
  }
  const items = changes.items ?? [];
  clear(
    section,
    h('h2', { id: 'changes-title' }, 'CMDB changes ', h('span', { class: 'count' }, String(items.length))),
    items.length === 0
      ? h(
          'p',
          { class: 'muted' },
          'This release has not changed any configuration item yet: CIs change when a deployment completes.',
        )
      : h(
          'div',
          { class: 'table-scroll tall' },
          h(
            'table',
            { class: 'data' },
            h(
              'thead',
              {},
              h(
                'tr',
                {},
                ['When', 'CI', 'Attribute', 'From', 'To', 'Kind', 'Still current'].map((t) =>
                  h('th', { scope: 'col' }, t),
                ),
              ),
            ),
            h(
              'tbody',
              {},
              items.map((c) =>
                h(
                  'tr',
                  { class: c.kind === 'revert' ? 'revert' : '' },
                  h('td', {}, fmtDateTime(c.at)),
                  h(
                    'td',
                    {},
                    h(
                      'a',
                      {
                        href: `#/cmdb?ci=${encodeURIComponent(c.ciId)}&environment=${encodeURIComponent(c.environment)}`,
                      },
                      c.ciId,
                    ),
                  ),
                  h('td', {}, c.attribute),
                  h('td', {}, fmtValue(c.from)),
                  h('td', {}, c.removed ? '(removed)' : fmtValue(c.to)),
                  h(
                    'td',
                    {},
                    c.kind === 'revert'
                      ? 'Reverted by rollback'
                      : c.reverted
                        ? 'Change (reverted later)'
                        : 'Change',
                  ),
                  h('td', {}, c.current ? 'yes' : 'no'),
                ),
              ),
            ),
          ),
        ),
  );
}

function deploymentsPanel(release) {
  return h(
    'section',
    { class: 'panel', 'aria-labelledby': 'deployments-title' },
    h('h2', { id: 'deployments-title' }, 'Deployments'),
    release.deployments.length === 0
      ? h('p', { class: 'muted' }, 'Not deployed anywhere yet.')
      : h(
          'ul',
          { class: 'deployments' },
          release.deployments.map((d) =>
            h(
              'li',
              { class: `deployment status-${d.status}` },
              h('strong', {}, humanize(d.environment)),
              ' ',
              h('span', { class: `badge dep-${d.status}` }, d.status),
              h('br'),
              h('small', {}, `Window ${fmtDateTime(d.window.start)} – ${fmtDateTime(d.window.end)}`),
              d.deployedAt ? h('small', { class: 'block' }, `Deployed ${fmtDateTime(d.deployedAt)}`) : null,
              d.endReason ? h('small', { class: 'block warn' }, d.endReason) : null,
              d.blackoutOverride
                ? h('small', { class: 'block warn' }, `Blackout overridden: ${d.blackoutOverride.reason}`)
                : null,
            ),
          ),
        ),
  );
}

function costsPanel(release) {
  const totals = {};
  for (const c of release.costs) totals[c.currency] = (totals[c.currency] ?? 0) + c.amount;
  return h(
    'section',
    { class: 'panel', 'aria-labelledby': 'costs-title' },
    h('h2', { id: 'costs-title' }, 'Costs'),
    release.costs.length === 0
      ? h('p', { class: 'muted' }, 'No cost booked yet.')
      : h(
          'p',
          {},
          Object.entries(totals)
            .map(([currency, amount]) => fmtMoney(amount, currency))
            .join(' + '),
          h(
            'small',
            { class: 'block muted' },
            `${release.costs.length} item(s): ${[...new Set(release.costs.map((c) => c.category))].join(', ')}`,
          ),
        ),
  );
}

/** Write controls: shown only to keys that may plan releases (the server checks again). */
function actionsPanel(release) {
  if (!session.can('release.plan')) return null;
  if (release.closure)
    return h(
      'section',
      { class: 'panel' },
      h('h2', {}, 'Actions'),
      h('p', { class: 'muted' }, 'The release is closed; nothing more can happen to it.'),
    );
  const path = release.model.environmentPath;
  const submit = (form, describe, send) =>
    form.addEventListener('submit', async (event) => {
      event.preventDefault();
      const data = Object.fromEntries(new FormData(form));
      const button = form.querySelector('button[type=submit]');
      button.disabled = true;
      try {
        await send(data);
        toast(`${describe(data)} — done.`, 'success');
        setTimeout(() => window.dispatchEvent(new HashChangeEvent('hashchange')), 800);
      } catch (error) {
        toast(`${describe(data)} refused: ${error.message}`, 'error');
      } finally {
        button.disabled = false;
      }
    });
  const base = `/v1/releases/${encodeURIComponent(release.releaseId)}`;

  const exposure = h(
    'form',
    { class: 'action-form', dataset: { write: 'release.plan' }, 'aria-label': 'Release to users' },
    h('h3', {}, 'Release to users'),
    field(
      'Audience',
      h('input', { name: 'audience', required: true, value: release.exposure.audience ?? 'all customers' }),
    ),
    field(
      'Exposure %',
      h('input', {
        name: 'exposurePercent',
        type: 'number',
        min: 1,
        max: 100,
        required: true,
        value: Math.min(100, Math.max(10, release.exposure.percent * 2 || 10)),
      }),
    ),
    h('button', { type: 'submit', class: 'button primary' }, 'Set exposure'),
  );
  submit(
    exposure,
    (d) => `Exposure ${d.exposurePercent}%`,
    (d) => post(`${base}/exposure`, { audience: d.audience, exposurePercent: Number(d.exposurePercent) }),
  );

  const rollback = h(
    'form',
    { class: 'action-form', dataset: { write: 'release.plan' }, 'aria-label': 'Roll back' },
    h('h3', {}, 'Roll back'),
    field(
      'Environment',
      select(
        'environment',
        path.map((e) => [e, humanize(e)]),
        path[path.length - 1],
      ),
    ),
    field('Reason', h('input', { name: 'reason', required: true, placeholder: 'Why is it rolled back?' })),
    h('button', { type: 'submit', class: 'button danger' }, 'Roll back'),
  );
  submit(
    rollback,
    (d) => `Rollback of ${d.environment}`,
    (d) => post(`${base}/rollbacks`, { environment: d.environment, reason: d.reason }),
  );

  const cost = h(
    'form',
    { class: 'action-form', dataset: { write: 'release.plan' }, 'aria-label': 'Record a cost' },
    h('h3', {}, 'Record a cost'),
    field('Amount', h('input', { name: 'amount', type: 'number', min: 1, step: '0.01', required: true })),
    field(
      'Currency',
      h('input', { name: 'currency', required: true, value: 'EUR', pattern: '[A-Z]{3}', maxlength: 3 }),
    ),
    field(
      'Category',
      select(
        'category',
        ['labour', 'infrastructure', 'licensing', 'tooling', 'third-party', 'downtime', 'other'].map((c) => [
          c,
          humanize(c),
        ]),
        'labour',
      ),
    ),
    field('Description', h('input', { name: 'description' })),
    h('button', { type: 'submit', class: 'button' }, 'Record cost'),
  );
  submit(
    cost,
    (d) => `Cost ${d.amount} ${d.currency}`,
    (d) =>
      post(`${base}/costs`, {
        amount: Number(d.amount),
        currency: d.currency,
        category: d.category,
        ...(d.description ? { description: d.description } : {}),
      }),
  );

  return h(
    'section',
    { class: 'panel actions', 'aria-labelledby': 'actions-title' },
    h('h2', { id: 'actions-title' }, 'Actions'),
    exposure,
    rollback,
    cost,
  );
}

export const statusTitle = (status) => STATUSES.find(([key]) => key === status)?.[1] ?? status;
