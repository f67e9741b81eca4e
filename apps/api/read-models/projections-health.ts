import type { HealthIndicatorResult, HealthIndicatorService } from '@nestjs/terminus';
import type { ProjectionRunner } from '@rdm/projections/runner';

/**
 * The `projections` entry of /health: per projection its phase, active and registered version, checkpoint,
 * lag (events and seconds behind the head) and any build in progress. A projection that keeps failing is
 * listed under `failing` but does not make the service "down": readers still get (stale) answers.
 */
export async function projectionsHealth(
  runner: ProjectionRunner,
  indicators: HealthIndicatorService,
  key = 'projections',
): Promise<HealthIndicatorResult> {
  const indicator = indicators.check(key);
  try {
    const statuses = await runner.status();
    return indicator.up({
      failing: statuses.filter((s) => s.phase === 'retrying').map((s) => s.name),
      ...Object.fromEntries(
        statuses.map((s) => [
          s.name,
          {
            phase: s.phase,
            version: s.version,
            activeVersion: s.activeVersion,
            activeGeneration: s.activeGeneration,
            position: s.position,
            headPosition: s.headPosition,
            lagEvents: s.lagEvents,
            lagSeconds: s.lagSeconds,
            building: s.building,
            lastError: s.lastError,
          },
        ]),
      ),
    });
  } catch (error) {
    return indicator.down({ message: (error as Error).message });
  }
}
