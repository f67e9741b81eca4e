import { Presets, SingleBar } from 'cli-progress';
import type { Command } from 'commander';
import type { ProjectionRunner, RebuildResult } from './projection-runner';

/** Runs `runner.rebuild(name)` with a progress bar on stderr (positions of the global log). */
export async function rebuildWithProgressBar(
  runner: ProjectionRunner,
  name: string,
  stream: NodeJS.WritableStream = process.stderr,
): Promise<RebuildResult> {
  const bar = new SingleBar(
    {
      format: `${name} |{bar}| {percentage}% | position {value}/{total} | {events} events | ETA {eta_formatted}`,
      stream,
      hideCursor: true,
      noTTYOutput: true,
      notTTYSchedule: 2000,
    },
    Presets.shades_classic,
  );
  let started = false;
  try {
    return await runner.rebuild(name, (progress) => {
      const total = Math.max(1, Number(progress.headPosition) + 1);
      const value = Math.min(total, Number(progress.position) + 1);
      if (!started) {
        bar.start(total, value, { events: progress.events });
        started = true;
      } else {
        bar.setTotal(total);
        bar.update(value, { events: progress.events });
      }
    });
  } finally {
    if (started) bar.stop();
  }
}

/**
 * Adds `projections status` and `projections rebuild <name>` to the operator CLI. `withRunner` opens the
 * configured stores, builds a runner over ALL_PROJECTIONS (not started) and closes the stores afterwards.
 */
export function addProjectionCommands(
  program: Command,
  withRunner: <T>(work: (runner: ProjectionRunner) => Promise<T>) => Promise<T>,
): Command {
  const projections = program.command('projections').description('read models: status, rebuild');
  projections
    .command('status')
    .description('active version, checkpoint and lag of every projection')
    .action(async () => {
      const statuses = await withRunner((runner) => runner.status());
      for (const s of statuses) {
        const building = s.building ? `  building v${s.building.version} at ${s.building.position}` : '';
        console.log(
          `${s.name.padEnd(20)} v${s.activeVersion ?? '-'}${s.activeGeneration ? `r${s.activeGeneration}` : ''} (code v${s.version})  ` +
            `position ${s.position}/${s.headPosition}  lag ${s.lagEvents} events, ${s.lagSeconds}s${building}`,
        );
      }
    });
  projections
    .command('rebuild <name>')
    .description(
      'rebuild a projection from position 0 into fresh collections; readers switch when it has caught up. ' +
        'Stop a standalone projector first if it runs this projection (the API in-process runner follows the switch).',
    )
    .action(async (name: string) => {
      const result = await withRunner((runner) => rebuildWithProgressBar(runner, name));
      console.log(
        `${name}: rebuilt v${result.slot.version}${result.slot.generation ? `r${result.slot.generation}` : ''} ` +
          `from ${result.events} events up to position ${result.position} in ${(result.durationMs / 1000).toFixed(1)} s; readers switched.`,
      );
    });
  return projections;
}
