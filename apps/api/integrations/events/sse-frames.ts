import type { StreamCutoffCode } from '@rdm/application/integrations/asyncapi';
import { toCloudEvent } from '@rdm/application/integrations/cloud-events';
import type { RecordedEvent } from '@rdm/event-store';

/**
 * SSE wire format (https://html.spec.whatwg.org/multipage/server-sent-events.html). Every value is one
 * line: JSON.stringify escapes CR and LF, and other fields are stripped of them.
 */
const oneLine = (value: string): string => value.replace(/[\r\n]/g, ' ');

/** `id` is the global position, so `Last-Event-ID` resumes exactly after the last event received. */
export const eventFrame = (event: RecordedEvent): string =>
  `id: ${event.position}\nevent: ${oneLine(event.type)}\ndata: ${JSON.stringify(toCloudEvent(event))}\n\n`;

/** Tells an EventSource how long to wait before reconnecting. */
export const retryFrame = (retryMs: number): string => `retry: ${retryMs}\n\n`;

/**
 * A comment line (ignored by EventSource) that keeps proxies from closing an idle connection. With a
 * checkpoint, it also carries `id:` — which, with no `data`, dispatches nothing but moves the client's
 * last event id: a filtered consumer then resumes from where the server has looked, not from its last
 * match.
 */
export const heartbeatFrame = (now: Date, checkpoint?: bigint): string =>
  `: heartbeat ${now.toISOString()}\n${checkpoint === undefined ? '' : `id: ${checkpoint}\n`}\n`;

/** The last frame of a stream the server ends on its own (no `id`: it is not an event of the log). */
export const cutoffFrame = (
  code: StreamCutoffCode,
  reason: string,
  lastEventId: bigint | undefined,
): string =>
  `event: cutoff\ndata: ${JSON.stringify({ code, reason: oneLine(reason), lastEventId: lastEventId?.toString() ?? null })}\n\n`;
