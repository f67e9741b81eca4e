import { PUBLISHED_CATEGORIES, UNPUBLISHED_CATEGORIES } from '@rdm/application/integrations/cloud-events';
import { Problem } from '@rdm/application/problem';
import type { AllFilter } from '@rdm/event-store';

/** What a consumer asked for, validated. */
export interface StreamParams {
  /** Exclusive start position; `undefined` = the whole history, then live. */
  readonly after: bigint | undefined;
  /** Where `after` came from (for logs and the cut-off reason). */
  readonly resumedFrom: 'last-event-id' | 'after' | 'start';
  readonly filter: AllFilter;
  readonly heartbeatSeconds: number;
}

const NAME = /^[A-Za-z]+$/;
const POSITION = /^[0-9]{1,20}$/;
const KNOWN_PARAMETERS = ['category', 'type', 'after', 'heartbeat'] as const;
const MAX_CATEGORIES = 32;
const MAX_TYPES = 128;
export const MIN_HEARTBEAT_SECONDS = 1;
export const MAX_HEARTBEAT_SECONDS = 60;

/**
 * Parses `?category=…&type=…&after=…&heartbeat=…` (repeated parameters or comma lists) and the
 * `Last-Event-ID` header, which wins over `after`. Everything is checked before the stream starts:
 * a bad request is answered 400 problem+json listing every problem, never with a half-open stream.
 */
export function parseStreamParams(
  url: string,
  lastEventIdHeader: string | string[] | undefined,
  defaultHeartbeatSeconds: number,
): StreamParams {
  const query = new URLSearchParams(url.includes('?') ? url.slice(url.indexOf('?') + 1) : '');
  const errors: string[] = [];

  const unknown = [...new Set(query.keys())].filter(
    (key) => !(KNOWN_PARAMETERS as readonly string[]).includes(key),
  );
  if (unknown.length)
    errors.push(
      `unknown query parameter${unknown.length > 1 ? 's' : ''} ${unknown.join(', ')} (use ${KNOWN_PARAMETERS.join(', ')})`,
    );

  const list = (key: 'category' | 'type', max: number, example: string): string[] => {
    const values = query.getAll(key).flatMap((value) => value.split(',').map((item) => item.trim()));
    const invalid = values.filter((value) => !NAME.test(value));
    if (invalid.length)
      errors.push(
        `${key} must be letters only, e.g. ${example} (got ${invalid.map((v) => JSON.stringify(v)).join(', ')})`,
      );
    const unique = [...new Set(values.filter((value) => NAME.test(value)))];
    if (unique.length > max) errors.push(`at most ${max} ${key} values`);
    return unique;
  };
  const categories = list('category', MAX_CATEGORIES, 'release');
  const unpublished = categories.filter((category) =>
    UNPUBLISHED_CATEGORIES.some((name) => name.toLowerCase() === category.toLowerCase()),
  );
  if (unpublished.length)
    errors.push(
      `category ${unpublished.join(', ')} is not published (API key and push-subscription events stay inside); published: ${PUBLISHED_CATEGORIES.join(', ')}`,
    );
  const eventTypes = list('type', MAX_TYPES, 'ReleasePlanned');

  const single = (key: 'after' | 'heartbeat'): string | undefined => {
    const values = query.getAll(key);
    if (values.length > 1) errors.push(`${key} may be given once`);
    return values[0];
  };

  const afterParam = single('after');
  let after: bigint | undefined;
  if (afterParam !== undefined) {
    if (POSITION.test(afterParam)) after = BigInt(afterParam);
    else
      errors.push(
        `after must be a global position (a non-negative integer), got ${JSON.stringify(afterParam)}`,
      );
  }

  let lastEventId: bigint | undefined;
  const header = Array.isArray(lastEventIdHeader) ? lastEventIdHeader.join(',') : lastEventIdHeader;
  if (header !== undefined && header.trim() !== '') {
    if (POSITION.test(header.trim())) lastEventId = BigInt(header.trim());
    else
      errors.push(
        `Last-Event-ID must be the id of an event this stream sent (a non-negative integer), got ${JSON.stringify(header)}`,
      );
  }

  const heartbeatParam = single('heartbeat');
  let heartbeatSeconds = defaultHeartbeatSeconds;
  if (heartbeatParam !== undefined) {
    const value = /^[0-9]{1,3}$/.test(heartbeatParam) ? Number(heartbeatParam) : NaN;
    if (value >= MIN_HEARTBEAT_SECONDS && value <= MAX_HEARTBEAT_SECONDS) heartbeatSeconds = value;
    else
      errors.push(
        `heartbeat must be a whole number of seconds from ${MIN_HEARTBEAT_SECONDS} to ${MAX_HEARTBEAT_SECONDS}, got ${JSON.stringify(heartbeatParam)}`,
      );
  }

  if (errors.length)
    throw new Problem(400, 'validation', 'Invalid request', `${errors.join('; ')}.`, { errors });

  // No category named = every published one, so a type filter alone cannot reach unpublished events.
  const filter: AllFilter = {
    categories: categories.length ? categories : [...PUBLISHED_CATEGORIES],
    ...(eventTypes.length ? { eventTypes } : {}),
  };
  if (lastEventId !== undefined)
    return { after: lastEventId, resumedFrom: 'last-event-id', filter, heartbeatSeconds };
  if (after !== undefined) return { after, resumedFrom: 'after', filter, heartbeatSeconds };
  return { after: undefined, resumedFrom: 'start', filter, heartbeatSeconds };
}

/**
 * The stream never ends, so it is only started for a client that asks for one: `Accept` must admit
 * `text/event-stream` (that type, or the `text` or full wildcard, with q > 0; EventSource, curl and
 * fetch all qualify). A request without `Accept`, or one that only wants e.g. JSON, is answered 406
 * problem+json instead of an endless response a generic HTTP client would wait on forever.
 */
export function assertAcceptsEventStream(accept: string | undefined): void {
  const admits = (accept ?? '').split(',').some((range) => {
    const [mediaRange, ...parameters] = range.split(';').map((part) => part.trim().toLowerCase());
    const q = parameters.find((parameter) => parameter.startsWith('q='));
    if (q !== undefined && !(Number(q.slice(2)) > 0)) return false;
    return mediaRange === 'text/event-stream' || mediaRange === 'text/*' || mediaRange === '*/*';
  });
  if (!admits)
    throw new Problem(
      406,
      'not-acceptable',
      'Not acceptable',
      `This endpoint only streams Server-Sent Events: send "Accept: text/event-stream"${accept ? ` (got ${JSON.stringify(accept)})` : ''}.`,
    );
}
