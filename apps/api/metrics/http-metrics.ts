import type { Answered } from '../http/answered';
import type { MetricsService } from './metrics.service';

/**
 * Counts and times every answered request by its route pattern (never the raw URL: bounded label set;
 * `unmatched` when no route matched), with the status actually sent: refusals by the guards, the body
 * reader and the exception filter are counted too. An event stream is counted, not timed.
 */
export function recordAnswer(metrics: MetricsService, answered: Answered): void {
  const route = answered.route ?? 'unmatched';
  metrics.httpRequests.inc({ method: answered.method, route, status: String(answered.status) });
  if (!answered.streaming)
    metrics.httpDuration.observe({ method: answered.method, route }, answered.ms / 1000);
}
