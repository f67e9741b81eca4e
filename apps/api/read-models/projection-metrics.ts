import { Gauge, Registry } from 'prom-client';
import type { ProjectionRunner, ProjectionStatus } from '@rdm/projections/runner';

/**
 * Prometheus gauges for every projection (label `projection`): lag in events and seconds, checkpoint
 * position, active version, whether a build is running, whether it is failing, events applied and batches
 * committed by this process. One `runner.status()` per scrape (shared by the gauges).
 */
export function registerProjectionMetrics(registry: Registry, runner: ProjectionRunner): void {
  let cached: { at: number; statuses: Promise<ProjectionStatus[]> } | undefined;
  const statuses = async (): Promise<ProjectionStatus[]> => {
    if (!cached || Date.now() - cached.at > 500) cached = { at: Date.now(), statuses: runner.status() };
    try {
      return await cached.statuses;
    } catch {
      cached = undefined;
      return []; // the store is down: /health says so; the scrape still works
    }
  };
  const gauge = (name: string, help: string, value: (s: ProjectionStatus) => number) =>
    new Gauge({
      name,
      help,
      labelNames: ['projection'] as const,
      registers: [registry],
      async collect() {
        for (const s of await statuses()) this.set({ projection: s.name }, value(s));
      },
    });
  gauge(
    'rdm_projection_lag_events',
    'Global positions between the log head and the projection checkpoint readers use',
    (s) => s.lagEvents,
  );
  gauge(
    'rdm_projection_lag_seconds',
    'Age of the oldest event the projection readers use has not applied yet',
    (s) => s.lagSeconds,
  );
  gauge('rdm_projection_position', 'Checkpoint (global position) of the slot readers use', (s) =>
    Number(s.position),
  );
  gauge(
    'rdm_projection_active_version',
    'Projection version readers use (0 before the first start)',
    (s) => s.activeVersion ?? 0,
  );
  gauge('rdm_projection_rebuilding', '1 while a new version or an on-demand rebuild is being built', (s) =>
    s.building ? 1 : 0,
  );
  gauge('rdm_projection_failing', '1 while the projection is retrying after a failure', (s) =>
    s.phase === 'retrying' ? 1 : 0,
  );
  gauge(
    'rdm_projection_events_applied',
    'Events applied by this process since it started',
    (s) => s.eventsApplied,
  );
  gauge(
    'rdm_projection_batches_committed',
    'Batches committed by this process since it started',
    (s) => s.batchesCommitted,
  );
}
