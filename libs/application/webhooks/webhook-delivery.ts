import type { RecordedEvent } from '@rdm/event-store';
import { signWebhook } from './signature';
import { CLOUDEVENTS_CONTENT_TYPE } from './webhook-payload';

export interface DeliveryRequest {
  readonly url: string;
  readonly subscriptionId: string;
  readonly secret: string;
  readonly event: RecordedEvent;
  /** The CloudEvent JSON: signed and sent byte for byte. */
  readonly body: string;
  /** 1-based, over this delivery round. */
  readonly attempt: number;
  readonly timeoutMs: number;
  /** Aborts the request (shutdown). */
  readonly signal: AbortSignal;
}

export type DeliveryResult =
  | { readonly ok: true; readonly status: number }
  | { readonly ok: false; readonly status?: number; readonly error: string };

/**
 * One signed POST. Success is a 2xx answer within the timeout; anything else (other status, redirect —
 * never followed —, network error, timeout) is a failure to retry. The response body is discarded.
 */
export async function postWebhook(request: DeliveryRequest): Promise<DeliveryResult> {
  const timestamp = Math.floor(Date.now() / 1000);
  const headers: Record<string, string> = {
    'Content-Type': `${CLOUDEVENTS_CONTENT_TYPE}; charset=utf-8`,
    'User-Agent': 'rdm-webhooks/1',
    'Webhook-Id': request.event.id,
    'Webhook-Timestamp': String(timestamp),
    'Webhook-Signature': signWebhook(request.secret, timestamp, request.body),
    'Webhook-Subscription': request.subscriptionId,
    'Webhook-Attempt': String(request.attempt),
  };
  const signal = AbortSignal.any([AbortSignal.timeout(request.timeoutMs), request.signal]);
  try {
    const response = await fetch(request.url, {
      method: 'POST',
      headers,
      body: request.body,
      signal,
      redirect: 'manual',
    });
    await response.body?.cancel().catch(() => undefined);
    if (response.status >= 200 && response.status < 300) return { ok: true, status: response.status };
    return { ok: false, status: response.status, error: `HTTP ${response.status}` };
  } catch (error) {
    const name = (error as Error).name;
    if (name === 'TimeoutError') return { ok: false, error: `no answer within ${request.timeoutMs} ms` };
    if (name === 'AbortError') return { ok: false, error: 'aborted (shutting down)' };
    const cause = (error as { cause?: { code?: string; message?: string } }).cause;
    return {
      ok: false,
      error: `${(error as Error).message}${cause ? ` (${cause.code ?? cause.message})` : ''}`,
    };
  }
}

/** Exponential backoff with jitter: base·2^(attempt−1), capped, then scaled by a random 50–100 %. */
export function backoffDelay(attempt: number, baseMs: number, maxMs: number, random = Math.random): number {
  const exponential = Math.min(maxMs, baseMs * 2 ** Math.max(0, attempt - 1));
  return Math.round(exponential * (0.5 + random() * 0.5));
}
