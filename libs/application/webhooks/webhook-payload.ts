import type { RecordedEvent } from '@rdm/event-store';
import { toCloudEvent } from '../integrations/cloud-events';

/** Structured-mode CloudEvents (the same mapping as the SSE stream: integrations/cloud-events.ts). */
export const CLOUDEVENTS_CONTENT_TYPE = 'application/cloudevents+json';

/** The exact body that is signed and sent: one CloudEvent as JSON. */
export function webhookBody(event: RecordedEvent): string {
  return JSON.stringify(toCloudEvent(event));
}
