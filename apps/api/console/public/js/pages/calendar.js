/* global FormData, setTimeout */ // browser code (ESLint's default environment is Node)
/* Calendar: planned release windows, scheduled deployments and SLA blackouts on one time axis; deployments
 * that overlap a blackout are flagged (and listed, with whether an emergency change overrode it). */
import { get, post, session } from '../api.js';
import {
  clear,
  emptyState,
  errorState,
  field,
  fmtDateTime,
  fmtShortDate,
  fromLocalInput,
  h,
  loading,
  toDateInput,
  toLocalInput,
  toast,
} from '../dom.js';
import { setRouteParams } from '../app.js';

const DAY = 864e5;
const ENV_ORDER = ['development', 'test', 'staging', 'production'];

export async function renderCalendar(main, { params, signal }) {
  const now = Date.now();
  let from = Date.parse(params.get('from') ?? '') || startOfDay(now - 21 * DAY);
  let to = Date.parse(params.get('to') ?? '') || startOfDay(now + 22 * DAY);
  const head = h('div', { class: 'page-head' }, h('h1', {}, 'Calendar'));
  const controls = h('form', { class: 'filters', 'aria-label': 'Calendar range' });
  const body = h('div', {}, loading('Loading the calendar…'));
  main.append(head, controls, body);

  const fromInput = h('input', { type: 'date', name: 'from', value: toDateInput(from), required: true });
  const toInput = h('input', { type: 'date', name: 'to', value: toDateInput(to), required: true });
  const shift = (days) => () => {
    from += days * DAY;
    to += days * DAY;
    apply();
  };
  controls.append(
    field('From', fromInput),
    field('To', toInput),
    h(
      'div',
      { class: 'button-row' },
      h(
        'button',
        { type: 'button', class: 'button', onclick: shift(-14), 'aria-label': 'Two weeks earlier' },
        '← 2 weeks',
      ),
      h(
        'button',
        {
          type: 'button',
          class: 'button',
          onclick: () => {
            const span = to - from;
            from = startOfDay(Date.now() - span / 2);
            to = from + span;
            apply();
          },
        },
        'Today',
      ),
      h(
        'button',
        { type: 'button', class: 'button', onclick: shift(14), 'aria-label': 'Two weeks later' },
        '2 weeks →',
      ),
    ),
  );
  controls.addEventListener('change', () => {
    const f = fromLocalInput(`${fromInput.value}T00:00`);
    const t = fromLocalInput(`${toInput.value}T00:00`);
    if (Number.isFinite(f) && Number.isFinite(t) && t > f) {
      from = f;
      to = t;
      apply();
    }
  });

  const apply = async () => {
    fromInput.value = toDateInput(from);
    toInput.value = toDateInput(to);
    setRouteParams({ from: new Date(from).toISOString(), to: new Date(to).toISOString() });
    clear(body, loading('Loading the calendar…'));
    let calendar;
    try {
      calendar = await get(
        '/v1/calendar',
        { from: new Date(from).toISOString(), to: new Date(to).toISOString() },
        { signal },
      );
    } catch (error) {
      if (error.name === 'AbortError') return;
      clear(body, errorState(error, 'load the calendar'));
      return;
    }
    clear(body, ...renderCalendarBody(calendar, from, to), blackoutForm(apply));
  };
  await apply();
}

const startOfDay = (ms) => {
  const d = new Date(ms);
  d.setHours(0, 0, 0, 0);
  return d.getTime();
};

function renderCalendarBody(calendar, from, to) {
  const { releases = [], deployments = [], blackouts = [], conflicts = [] } = calendar;
  if (releases.length + deployments.length + blackouts.length === 0) {
    return [
      emptyState(
        'Nothing planned in this period',
        'Planned release windows, scheduled deployments and blackout windows show up here. Move the range, plan a release, or schedule a blackout window below.',
      ),
    ];
  }
  const span = to - from;
  const pos = (iso) => Math.min(100, Math.max(0, ((Date.parse(iso) - from) / span) * 100));
  const width = (start, end) => Math.max(0.6, pos(end) - pos(start));
  const conflictsByDeployment = new Map();
  for (const c of conflicts.filter((c) => c.type === 'deployment-in-blackout')) {
    const list = conflictsByDeployment.get(c.deploymentId) ?? [];
    list.push(c);
    conflictsByDeployment.set(c.deploymentId, list);
  }
  const bar = (kind, start, end, label, extra = {}) =>
    h(
      'span',
      {
        class: ['bar', `bar-${kind}`, extra.class],
        style: { left: `${pos(start)}%`, width: `${width(start, end)}%` },
        tabindex: 0,
        role: 'img',
        'aria-label': `${label}: ${fmtDateTime(start)} to ${fmtDateTime(end)}`,
        title: `${label}\n${fmtDateTime(start)} – ${fmtDateTime(end)}`,
        dataset: extra.dataset ?? {},
      },
      extra.text ?? '',
    );

  // Axis: a tick per week (or per day for short ranges).
  const step = span <= 16 * DAY ? DAY : 7 * DAY;
  const ticks = [];
  for (let t = startOfDay(from + step - 1); t < to; t += step) ticks.push(t);
  const nowPos = Date.now() > from && Date.now() < to ? pos(new Date().toISOString()) : null;
  const axis = h(
    'div',
    { class: 'gantt-row axis', 'aria-hidden': 'true' },
    h('span', { class: 'gantt-label' }, ''),
    h(
      'span',
      { class: 'gantt-track' },
      ticks.map((t) =>
        h('span', { class: 'tick', style: { left: `${pos(new Date(t).toISOString())}%` } }, fmtShortDate(t)),
      ),
    ),
  );
  const track = (...children) =>
    h(
      'span',
      { class: 'gantt-track' },
      nowPos === null ? null : h('span', { class: 'now-line', style: { left: `${nowPos}%` }, title: 'Now' }),
      children,
    );

  const blackoutRows = blackouts.map((b) =>
    h(
      'li',
      {
        class: ['gantt-row', b.status === 'cancelled' ? 'cancelled' : ''],
        dataset: { blackoutId: b.blackoutId },
      },
      h(
        'span',
        { class: 'gantt-label' },
        h('strong', {}, b.reason),
        h(
          'small',
          { class: 'block' },
          `${b.services.join(', ')} · ${b.environments.join(', ')}${b.status === 'cancelled' ? ' · cancelled' : ''}`,
        ),
      ),
      track(
        bar(
          'blackout',
          b.start,
          b.end,
          `Blackout: ${b.reason}${b.slaReference ? ` (${b.slaReference})` : ''}${b.status === 'cancelled' ? ', cancelled' : ''}`,
          { class: b.status === 'cancelled' ? 'cancelled' : '' },
        ),
      ),
    ),
  );

  const deploymentsByRelease = new Map();
  for (const d of deployments) {
    const list = deploymentsByRelease.get(d.releaseId) ?? [];
    list.push(d);
    deploymentsByRelease.set(d.releaseId, list);
  }
  const releaseIds = [
    ...new Set([...releases.map((r) => r.releaseId), ...deployments.map((d) => d.releaseId)]),
  ];
  const releaseById = new Map(releases.map((r) => [r.releaseId, r]));
  const releaseRows = releaseIds.map((id) => {
    const r = releaseById.get(id);
    const ds = (deploymentsByRelease.get(id) ?? []).sort(
      (a, b) => ENV_ORDER.indexOf(a.environment) - ENV_ORDER.indexOf(b.environment),
    );
    const name = r?.name ?? ds[0]?.releaseName ?? id;
    const hasConflict = ds.some((d) => conflictsByDeployment.has(d.deploymentId));
    return h(
      'li',
      { class: ['gantt-row', hasConflict ? 'has-conflict' : ''], dataset: { releaseId: id } },
      h(
        'span',
        { class: 'gantt-label' },
        h('a', { href: `#/releases/${encodeURIComponent(id)}` }, name),
        h(
          'small',
          { class: 'block' },
          `${(r?.services ?? ds[0]?.services ?? []).join(', ')}${r ? ` · ${r.releaseManager}` : ''}${r?.status === 'closed' ? ` · closed${r.outcome ? ` (${r.outcome})` : ''}` : ''}`,
        ),
      ),
      track(
        r ? bar('planned', r.start, r.end, `Planned window of ${name}`) : null,
        ds.map((d) => {
          const clash = conflictsByDeployment.get(d.deploymentId);
          return bar(
            `env-${d.environment}`,
            d.start,
            d.end,
            `Deployment of ${name} to ${d.environment} (${d.status})${clash ? ' — overlaps a blackout' : ''}`,
            {
              class: [clash ? 'conflict' : '', `dep-${d.status}`].join(' '),
              dataset: { deploymentId: d.deploymentId, environment: d.environment },
            },
          );
        }),
      ),
    );
  });

  const legend = h(
    'ul',
    { class: 'legend', 'aria-label': 'Legend' },
    h('li', {}, h('span', { class: 'swatch bar-planned' }), 'Planned window'),
    ENV_ORDER.map((e) => h('li', {}, h('span', { class: `swatch bar-env-${e}` }), `Deployment to ${e}`)),
    h('li', {}, h('span', { class: 'swatch bar-blackout' }), 'Blackout'),
    h('li', {}, h('span', { class: 'swatch conflict-swatch' }), 'Conflict'),
  );

  const conflictList = conflicts.length
    ? h(
        'section',
        { class: 'panel conflicts', 'aria-labelledby': 'conflicts-title' },
        h(
          'h2',
          { id: 'conflicts-title' },
          'Conflicts ',
          h('span', { class: 'count warn' }, String(conflicts.length)),
        ),
        h(
          'ul',
          {},
          conflicts.map((c) =>
            c.type === 'deployment-in-blackout'
              ? h(
                  'li',
                  { class: c.overridden ? 'overridden' : 'open' },
                  h(
                    'a',
                    { href: `#/releases/${encodeURIComponent(c.releaseId)}` },
                    deploymentName(deployments, c.deploymentId),
                  ),
                  ` deploys to ${c.environment} during blackout ${blackoutName(blackouts, c.blackoutId)} (${c.services.join(', ')}), ${fmtDateTime(c.overlap.start)} – ${fmtDateTime(c.overlap.end)}. `,
                  h(
                    'strong',
                    {},
                    c.overridden
                      ? 'Overridden by an authorized emergency change.'
                      : 'Not overridden: reschedule it.',
                  ),
                )
              : h(
                  'li',
                  {},
                  `Releases ${c.releaseIds.map((id) => releaseById.get(id)?.name ?? id).join(' and ')} change the same CIs (${c.ciIds.join(', ')}) in overlapping windows, ${fmtDateTime(c.overlap.start)} – ${fmtDateTime(c.overlap.end)}.`,
                ),
          ),
        ),
      )
    : h('p', { class: 'muted' }, 'No conflicts in this period.');

  return [
    legend,
    conflictList,
    h(
      'div',
      {
        class: 'gantt',
        role: 'group',
        'aria-label': `Calendar from ${fmtDateTime(from)} to ${fmtDateTime(to)}`,
      },
      axis,
      blackoutRows.length ? h('h2', { class: 'gantt-group' }, 'Blackout windows') : null,
      h('ul', { class: 'gantt-rows' }, blackoutRows),
      h('h2', { class: 'gantt-group' }, 'Releases and deployments'),
      h('ul', { class: 'gantt-rows' }, releaseRows),
    ),
    calendar.truncated
      ? h(
          'p',
          { class: 'warn' },
          'Too many items in this range: showing the first ones. Choose a shorter range.',
        )
      : null,
  ];
}

const deploymentName = (deployments, id) => {
  const d = deployments.find((x) => x.deploymentId === id);
  return d ? `${d.releaseName}` : id;
};
const blackoutName = (blackouts, id) => {
  const b = blackouts.find((x) => x.blackoutId === id);
  return b ? `“${b.reason}”` : id;
};

/** Change managers (and admins) schedule blackout windows from here. */
function blackoutForm(reload) {
  if (!session.can('blackout.manage')) return null;
  const start = Date.now() + 7 * DAY;
  const form = h(
    'form',
    {
      class: 'panel action-form wide',
      dataset: { write: 'blackout.manage' },
      'aria-labelledby': 'blackout-form-title',
    },
    h('h2', { id: 'blackout-form-title' }, 'Schedule a blackout window'),
    h(
      'div',
      { class: 'form-grid' },
      field(
        'Services',
        h('input', { name: 'services', required: true, placeholder: 'payments, checkout' }),
        'Comma-separated',
      ),
      field(
        'Environments',
        h('input', { name: 'environments', required: true, value: 'production' }),
        'Comma-separated',
      ),
      field(
        'Start',
        h('input', { name: 'start', type: 'datetime-local', required: true, value: toLocalInput(start) }),
      ),
      field(
        'End',
        h('input', { name: 'end', type: 'datetime-local', required: true, value: toLocalInput(start + DAY) }),
      ),
      field('Reason', h('input', { name: 'reason', required: true, placeholder: 'e.g. Month-end closing' })),
      field('SLA reference', h('input', { name: 'slaReference', placeholder: 'optional' })),
    ),
    h('button', { type: 'submit', class: 'button primary' }, 'Schedule blackout'),
  );
  const list = (v) =>
    v
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean);
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const d = Object.fromEntries(new FormData(form));
    try {
      await post('/v1/blackouts', {
        services: list(d.services),
        environments: list(d.environments),
        start: new Date(d.start).toISOString(),
        end: new Date(d.end).toISOString(),
        reason: d.reason,
        ...(d.slaReference ? { slaReference: d.slaReference } : {}),
      });
      toast(`Blackout “${d.reason}” scheduled.`, 'success');
      setTimeout(reload, 800);
    } catch (error) {
      toast(`Blackout refused: ${error.message}`, 'error');
    }
  });
  return form;
}
