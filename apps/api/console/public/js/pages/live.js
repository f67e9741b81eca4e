/* global AbortController, TextDecoderStream, fetch, requestAnimationFrame, setTimeout */ // browser code (ESLint's default environment is Node)
/* Live feed: the event stream (Server-Sent Events) read with fetch() — EventSource cannot send the
 * Authorization header — parsed frame by frame, newest on top, filterable, resumable. */
import { query, session } from '../api.js';
import { clear, field, fmtDateTime, h, select } from '../dom.js';
import { setRouteParams } from '../app.js';

const MAX_ROWS = 200;
const CATEGORIES = ['release', 'rfc', 'releaseModel', 'ci', 'blackout', 'service'];

export async function renderLive(main, { params, signal }) {
  const state = {
    category: params.get('category') ?? '',
    type: params.get('type') ?? '',
    text: params.get('q') ?? '',
  };
  const status = h('p', { class: 'stream-status', role: 'status' }, 'Connecting…');
  const categorySelect = select(
    'category',
    [['', 'Every category'], ...CATEGORIES.map((c) => [c, c])],
    state.category,
  );
  const typeInput = h('input', {
    name: 'type',
    value: state.type,
    placeholder: 'e.g. DeployedToEnvironment',
    pattern: '[A-Za-z,]*',
  });
  const textInput = h('input', {
    name: 'q',
    type: 'search',
    value: state.text,
    placeholder: 'release name, actor, id…',
  });
  const pause = h('button', { type: 'button', class: 'button', 'aria-pressed': 'false' }, 'Pause');
  const feed = h('ol', { class: 'feed', 'aria-label': 'Events, newest first', 'aria-live': 'off' });
  const counter = h('span', { class: 'count' }, '0');
  main.append(
    h('div', { class: 'page-head' }, h('h1', {}, 'Live feed ', counter)),
    h(
      'form',
      { class: 'filters', 'aria-label': 'Filter the feed', onsubmit: (e) => e.preventDefault() },
      field('Category', categorySelect),
      field('Event type', typeInput, 'Comma-separated; applied by the server'),
      field('Contains', textInput, 'Filters what is shown'),
      pause,
    ),
    status,
    feed,
  );

  let paused = false;
  let received = 0;
  const pending = [];
  pause.addEventListener('click', () => {
    paused = !paused;
    pause.setAttribute('aria-pressed', String(paused));
    pause.textContent = paused ? 'Resume' : 'Pause';
    if (!paused) flush();
  });
  textInput.addEventListener('input', () => {
    state.text = textInput.value;
    setRouteParams({ q: state.text });
    for (const row of feed.children) row.hidden = !matches(row.dataset.search, state.text);
  });

  let connection;
  const restart = () => {
    connection?.abort();
    clear(feed);
    received = 0;
    counter.textContent = '0';
    pending.length = 0;
    connection = new AbortController();
    signal.addEventListener('abort', () => connection.abort(), { once: true });
    stream(connection.signal);
  };
  const serverFilterChanged = () => {
    state.category = categorySelect.value;
    state.type = typeInput.value.replace(/\s/g, '');
    setRouteParams({ category: state.category, type: state.type });
    restart();
  };
  categorySelect.addEventListener('change', serverFilterChanged);
  typeInput.addEventListener('change', serverFilterChanged);

  const flush = () => {
    if (paused || pending.length === 0) return;
    const rows = pending.splice(0).map(row);
    feed.prepend(...rows.reverse());
    while (feed.children.length > MAX_ROWS) feed.lastElementChild.remove();
    counter.textContent = String(received);
  };
  let flushScheduled = false;
  const enqueue = (event) => {
    received++;
    pending.push(event);
    if (pending.length > MAX_ROWS) pending.splice(0, pending.length - MAX_ROWS);
    if (!flushScheduled) {
      flushScheduled = true;
      requestAnimationFrame(() => {
        flushScheduled = false;
        flush();
      });
    }
  };

  const row = (event) => {
    const subject = event.subject ?? '';
    const releaseId = subject.startsWith('release-')
      ? subject.slice('release-'.length)
      : event.data?.releaseId;
    const type = String(event.type ?? '').replace(/^rdm\./, '');
    const summary = summarize(type, event.data ?? {});
    const search = `${type} ${subject} ${summary} ${event.actor ?? ''} ${event.role ?? ''}`.toLowerCase();
    return h(
      'li',
      {
        class: 'feed-row',
        dataset: { type, position: event.position ?? '', search },
        hidden: !matches(search, state.text),
      },
      h('time', { datetime: event.time }, fmtDateTime(event.time)),
      h('span', { class: 'event-type' }, type),
      h(
        'span',
        { class: 'summary' },
        releaseId
          ? h('a', { href: `#/releases/${encodeURIComponent(releaseId)}` }, summary || subject)
          : summary || subject,
      ),
      h('span', { class: 'who' }, event.actor ? `${event.actor}${event.role ? ` · ${event.role}` : ''}` : ''),
    );
  };

  let lastEventId;
  const stream = async (abort) => {
    let attempt = 0;
    while (!abort.aborted) {
      try {
        status.textContent = attempt ? 'Reconnecting…' : 'Connecting…';
        status.className = 'stream-status';
        const headers = { Accept: 'text/event-stream', Authorization: `Bearer ${session.key}` };
        if (lastEventId) headers['Last-Event-ID'] = lastEventId;
        const response = await fetch(
          `/v1/events/stream${query({ category: state.category, type: state.type })}`,
          { headers, signal: abort },
        );
        if (!response.ok) {
          const problem = await response.json().catch(() => ({}));
          status.textContent = `The stream was refused (${response.status}): ${problem.detail ?? response.statusText}`;
          status.className = 'stream-status error';
          if (
            response.status === 401 ||
            response.status === 403 ||
            response.status === 400 ||
            response.status === 404
          )
            return;
          throw new Error(problem.detail ?? 'stream refused');
        }
        status.textContent = 'Live: history first, then new events as they happen.';
        status.className = 'stream-status live';
        attempt = 0;
        await readFrames(response.body, abort, (frame) => {
          if (frame.id) lastEventId = frame.id;
          if (frame.event === 'cutoff') {
            status.textContent = 'The server ended the stream; reconnecting…';
            return;
          }
          if (!frame.data) return;
          try {
            enqueue(JSON.parse(frame.data));
          } catch {
            /* not JSON: ignore the frame */
          }
        });
      } catch (error) {
        if (abort.aborted || error?.name === 'AbortError') return;
      }
      attempt++;
      status.textContent = 'Disconnected; reconnecting in a moment…';
      status.className = 'stream-status error';
      await new Promise((resolve) => setTimeout(resolve, Math.min(10_000, 1000 * attempt)));
    }
  };
  restart();
}

/** Parses an SSE body into frames `{ id, event, data }` (https://html.spec.whatwg.org/#event-stream-interpretation). */
export async function readFrames(body, abort, onFrame) {
  const reader = body.pipeThrough(new TextDecoderStream()).getReader();
  abort.addEventListener('abort', () => reader.cancel().catch(() => undefined), { once: true });
  let buffer = '';
  let frame = { data: [] };
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
    buffer += value;
    let newline;
    while ((newline = buffer.search(/\r\n|\r|\n/)) >= 0) {
      const line = buffer.slice(0, newline);
      buffer = buffer.slice(newline + (buffer.startsWith('\r\n', newline) ? 2 : 1));
      if (line === '') {
        if (frame.data.length || frame.event || frame.id)
          onFrame({ id: frame.id, event: frame.event, data: frame.data.join('\n') });
        frame = { data: [] };
        continue;
      }
      if (line.startsWith(':')) continue;
      const colon = line.indexOf(':');
      const name = colon < 0 ? line : line.slice(0, colon);
      const val = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
      if (name === 'data') frame.data.push(val);
      else if (name === 'event') frame.event = val;
      else if (name === 'id') frame.id = val;
    }
  }
}

const matches = (search, text) => !text || String(search).includes(text.toLowerCase());

/** One line about an event, from its data. */
function summarize(type, d) {
  const name = d.name ?? d.title ?? '';
  switch (type) {
    case 'ReleasePlanned':
      return `${name} planned (${(d.services ?? []).join(', ')})`;
    case 'DeploymentScheduled':
      return `Deployment to ${d.environment} scheduled`;
    case 'DeployedToEnvironment':
      return `Deployed to ${d.environment}`;
    case 'DeploymentFailed':
      return `Deployment to ${d.environment} failed`;
    case 'ReleasedToUsers':
      return `Released to ${d.exposurePercent}% (${d.audience})`;
    case 'ReleaseRolledBack':
      return `Rolled back from ${d.environment}: ${d.reason}`;
    case 'ReleaseCostRecorded':
      return `Cost ${d.amount} ${d.currency} (${d.category})`;
    case 'ReleaseClosed':
      return `Closed: ${d.outcome}`;
    case 'CiAttributesChanged':
    case 'CiAttributesReverted':
      return `${d.ciId}: ${(d.changes ?? d.reverts ?? []).map((c) => `${c.attribute} ${JSON.stringify(c.from)} → ${JSON.stringify(c.to)}`).join(', ')}`;
    case 'BlackoutWindowScheduled':
      return `Blackout: ${d.reason} (${(d.services ?? []).join(', ')})`;
    case 'ServiceDeskCallLogged':
      return `${d.serviceId}: call ${d.callId}${d.summary ? ` — ${d.summary}` : ''}`;
    case 'RfcRaised':
      return `RFC: ${name} (${d.changeType})`;
    case 'RfcAuthorized':
      return `RFC authorized (${d.authority})`;
    case 'DeploymentTaskStarted':
    case 'DeploymentTaskCompleted':
    case 'DeploymentTaskFailed':
      return `Task ${String(d.taskId ?? '')
        .split(':')
        .pop()} ${type.replace('DeploymentTask', '').toLowerCase()}${d.reason ? `: ${d.reason}` : ''}`;
    case 'ReleaseStageCompleted':
      return `Stage ${d.stage} completed`;
    default:
      return name || d.reason || d.stage || d.taskId || d.releaseId || d.ciId || d.serviceId || '';
  }
}
