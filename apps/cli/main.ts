import 'reflect-metadata';
import { INestApplicationContext, Module } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { NestFactory } from '@nestjs/core';
import { Command } from 'commander';
import * as fs from 'node:fs';
import { randomUUID } from 'node:crypto';
import { ApplicationModule, loadConfig, StoresModule } from '@rdm/application';
import { ExecuteDomainCommand } from '@rdm/application/commands';
import { RollbackPlanner } from '@rdm/application/rollback';
import { createSeedClock, seedDemo } from './seed-demo';
import { ApiKeysService, ROLES } from '@rdm/application/auth';
import { createEventStore, createReadStore } from '@rdm/application/stores';
import { ALL_PROJECTIONS } from '@rdm/projections/registry';
import { addProjectionCommands, ProjectionRunner } from '@rdm/projections/runner';
import { exportEvents, formatHistory, historyLines, importEvents, verifyStore } from '@rdm/application/audit';
import { EventStore, StreamNotFound } from '@rdm/event-store';
import { SingleBar, Presets } from 'cli-progress';

/** Operator & auditor CLI. Talks to the configured stores directly (same env vars as the API). */
const program = new Command('rdm').description('Release & Deployment Management operator CLI');

async function withStore<T>(work: (store: EventStore) => Promise<T>): Promise<T> {
  const store = await createEventStore(loadConfig());
  try {
    return await work(store);
  } finally {
    await store.close();
  }
}

async function withKeys<T>(work: (keys: ApiKeysService) => Promise<T>): Promise<T> {
  return withStore(async (store) => {
    const keys = new ApiKeysService(store);
    keys.onModuleInit();
    try {
      return await work(keys);
    } finally {
      await keys.onApplicationShutdown();
    }
  });
}

/** The application (command bus, planners) without HTTP; process managers stay off in the CLI. */
async function withApp<T>(work: (app: INestApplicationContext) => Promise<T>): Promise<T> {
  const config = loadConfig({ ...process.env, RUN_PROJECTOR_IN_API: 'false' });
  @Module({ imports: [StoresModule.forRoot(config), ApplicationModule] })
  class CliModule {}
  const app = await NestFactory.createApplicationContext(CliModule, { logger: ['error'] });
  try {
    return await work(app);
  } finally {
    await app.close();
  }
}

const operator = () => `cli:${process.env.USER ?? 'operator'}`;

function progressBar(label: string, total: number): SingleBar {
  const bar = new SingleBar({ format: `${label} [{bar}] {value}/{total}`, stream: process.stderr, etaBuffer: 50 }, Presets.shades_classic);
  bar.start(Math.max(total, 1), 0);
  return bar;
}

const keys = program.command('keys').description('API keys (stored hashed; the token is shown once)');

keys
  .command('create')
  .requiredOption('--name <name>', 'who or what the key is for')
  .requiredOption('--roles <roles>', `comma-separated roles: ${ROLES.join(', ')}`)
  .action(async (options: { name: string; roles: string }) => {
    const issued = await withKeys((service) =>
      service.issue(
        options.name,
        options.roles
          .split(',')
          .map((r) => r.trim())
          .filter(Boolean),
        `cli:${process.env.USER ?? 'operator'}`,
      ),
    );
    console.log(`Key ${issued.keyId} for "${issued.name}" with roles ${issued.roles.join(', ')}.`);
    console.log('Token (shown once; only its hash is stored):');
    console.log(issued.token);
  });

keys.command('list').action(async () => {
  const list = await withKeys((service) => service.list());
  for (const key of list) {
    console.log(
      `${key.keyId}  ${key.revoked ? 'REVOKED ' : 'active  '}${key.roles.join(',').padEnd(40)} ${key.name}  (issued ${key.issuedAt})`,
    );
  }
  if (list.length === 0)
    console.log('No keys yet: start the API once (it prints an admin key) or run "keys create".');
});

keys
  .command('revoke <keyId>')
  .requiredOption('--reason <reason>', 'why the key is revoked')
  .action(async (keyId: string, options: { reason: string }) => {
    await withKeys((service) =>
      service.revoke(keyId, `cli:${process.env.USER ?? 'operator'}`, options.reason),
    );
    console.log(`Key ${keyId} revoked.`);
  });

program
  .command('history <stream>')
  .description('A readable timeline of one stream (who, role, when, what, why), e.g. release-<id>')
  .option('--json', 'print JSON lines instead of text')
  .action(async (stream: string, options: { json?: boolean }) => {
    await withStore(async (store) => {
      try {
        const lines = historyLines(await store.readStream(stream));
        console.log(options.json ? lines.map((line) => JSON.stringify(line)).join('\n') : formatHistory(lines));
      } catch (error) {
        if (error instanceof StreamNotFound) throw new Error(`No stream ${stream}. Streams are named category-id, e.g. release-<id>.`);
        throw error;
      }
    });
  });

program
  .command('verify')
  .description('Re-compute every hash chain (and, on SQLite, check for removed events); exits 1 on any break')
  .action(async () => {
    const report = await withStore(async (store) => {
      const bar = new SingleBar({ format: 'verify [{bar}] {value}/{total} events', stream: process.stderr }, Presets.shades_classic);
      bar.start(Number(await store.headPosition()) || 1, 0);
      const result = await verifyStore(store, (checked) => bar.update(checked));
      bar.stop();
      return result;
    });
    console.log(`${report.eventsChecked} events in ${report.streamsChecked} streams checked.`);
    for (const link of report.brokenLinks) {
      console.log(`BROKEN ${link.stream} at revision ${link.revision} (position ${link.position}): ${link.reason}`);
    }
    for (const gap of report.missingPositions) {
      console.log(`MISSING positions ${gap.from}${gap.to > gap.from ? `–${gap.to}` : ''}: events were removed from the store`);
    }
    console.log(report.ok ? 'OK: every chain verifies.' : 'FAILED: the log was altered.');
    process.exitCode = report.ok ? 0 : 1;
  });

program
  .command('export')
  .description('Write events as NDJSON to stdout (ids, order, data and metadata), e.g. "export > events.ndjson"')
  .option('--from <position>', 'first global position (inclusive)')
  .option('--to <position>', 'last global position (inclusive)')
  .option('--category <category...>', 'only these stream categories (release, rfc, ci, …)')
  .action(async (options: { from?: string; to?: string; category?: string[] }) => {
    const position = (value: string | undefined, name: string) => {
      if (value === undefined) return undefined;
      if (!/^\d+$/.test(value)) throw new Error(`--${name} must be a global position (a whole number)`);
      return BigInt(value);
    };
    await withStore(async (store) => {
      const bar = progressBar('export', Number(await store.headPosition()));
      const count = await exportEvents(
        store,
        process.stdout,
        { fromPosition: position(options.from, 'from'), toPosition: position(options.to, 'to'), filter: options.category ? { categories: options.category } : undefined },
        (n) => bar.update(n),
      );
      bar.stop();
      process.stderr.write(`${count} events exported\n`);
    });
  });

program
  .command('import <file>')
  .description('Append an NDJSON export into an EMPTY store (refused otherwise); run "verify" afterwards')
  .action(async (file: string) => {
    if (!fs.existsSync(file)) throw new Error(`${file} does not exist`);
    const lines = await countLines(file);
    await withStore(async (store) => {
      const bar = progressBar('import', lines);
      const count = await importEvents(store, fs.createReadStream(file), (n) => bar.update(n));
      bar.stop();
      console.log(`${count} events imported.`);
    });
  });

const rollback = program.command('rollback').description('Rollback tooling');

rollback
  .command('plan <releaseId>')
  .option('--environment <environment>', 'only this environment')
  .action(async (releaseId: string, options: { environment?: string }) => {
    const plan = await withApp((app) => app.get(RollbackPlanner).plan(releaseId, options.environment));
    for (const ci of plan.cis) {
      console.log(`${ci.ciId} (${ci.environment})${ci.missing ? ': not in the CMDB' : ''}`);
      for (const r of ci.reverts) console.log(`  revert ${r.attribute}: ${JSON.stringify(r.from)} → ${JSON.stringify(r.to)}`);
      for (const c of ci.conflicts) {
        console.log(`  CONFLICT ${c.attribute}: release left ${JSON.stringify(c.expected)}, now ${JSON.stringify(c.actual)} (changed by ${c.changedBy})`);
      }
    }
    console.log(plan.blocked ? 'Blocked by conflicts: apply with --force to overwrite them (recorded).' : 'No conflicts.');
  });

rollback
  .command('apply <releaseId>')
  .requiredOption('--environment <environment>', 'the environment to back out of')
  .requiredOption('--reason <reason>', 'why (recorded in the event)')
  .option('--force', 'also overwrite later conflicting CMDB changes (recorded as forced)')
  .action(async (releaseId: string, options: { environment: string; reason: string; force?: boolean }) => {
    await withApp(async (app) => {
      await app.get(CommandBus).execute(
        new ExecuteDomainCommand(
          'release',
          { type: 'RollBackRelease', data: { releaseId, environment: options.environment, reason: options.reason, forceCmdbRevert: options.force === true } },
          { actor: operator(), role: 'release-manager', correlationId: randomUUID() },
        ),
      );
    });
    console.log(`Release ${releaseId} rolled back in ${options.environment}; the CMDB is reverted by the process manager (API or projector).`);
  });

const cmdb = program.command('cmdb').description('CMDB tooling');

cmdb
  .command('restore')
  .requiredOption('--as-of <time>', 'ISO-8601 instant to restore to')
  .option('--service <service>', 'all CIs of this service')
  .option('--ci <ciId...>', 'these CIs')
  .option('--apply', 'append the compensating changes (otherwise only show them)')
  .action(async (options: { asOf: string; service?: string; ci?: string[]; apply?: boolean }) => {
    const asOf = new Date(options.asOf);
    if (Number.isNaN(asOf.getTime())) throw new Error('--as-of must be an ISO-8601 instant, e.g. 2026-01-10T09:00:00Z');
    if (!options.service && !options.ci) throw new Error('Select CIs with --service or --ci');
    await withApp(async (app) => {
      const plans = await app.get(RollbackPlanner).planRestore(asOf, { service: options.service, ciIds: options.ci });
      for (const plan of plans) {
        console.log(plan.ciId);
        for (const c of plan.changes) console.log(`  ${c.attribute}: ${JSON.stringify(c.from)} → ${JSON.stringify(c.to)}`);
      }
      if (plans.length === 0) return console.log(`Nothing to restore: the selected CIs already match ${asOf.toISOString()}.`);
      if (!options.apply) return console.log('Dry run: add --apply to append these compensating changes.');
      const restoreId = randomUUID();
      for (const plan of plans) {
        await app.get(CommandBus).execute(
          new ExecuteDomainCommand(
            'ci',
            { type: 'ChangeCiAttributes', data: { ciId: plan.ciId, attributes: plan.attributes, cause: `restore to ${asOf.toISOString()} (restore ${restoreId})` } },
            { actor: operator(), role: 'release-manager', correlationId: restoreId, idempotencyKey: `restore:${restoreId}` },
          ),
        );
      }
      console.log(`Applied: ${plans.length} CIs restored to ${asOf.toISOString()} (restore ${restoreId}).`);
    });
  });

program
  .command('seed')
  .description('Fill a FRESH data dir with six months of realistic history (models, releases, incidents, a rollback)')
  .option('--demo', 'the demo history (the only seed there is)')
  .action(async (options: { demo?: boolean }) => {
    if (!options.demo) throw new Error('Only "seed --demo" exists.');
    const config = loadConfig({ ...process.env, RUN_PROJECTOR_IN_API: 'false' });
    const clock = createSeedClock();
    @Module({ imports: [StoresModule.forRoot(config), ApplicationModule.withClock(clock)] })
    class SeedModule {}
    const app = await NestFactory.createApplicationContext(SeedModule, { logger: ['error'] });
    try {
      const result = await seedDemo(app, { clock, log: (line) => console.log(line) });
      console.log(`${result.releases.length} releases, ${result.commands} commands (${result.from} → ${result.until}).`);
      console.log('Start the API (npm start) to build the read models and browse them at /console.');
    } finally {
      await app.close();
    }
  });

addProjectionCommands(program, async <T>(work: (runner: ProjectionRunner) => Promise<T>): Promise<T> => {
  const config = loadConfig();
  const eventStore = await createEventStore(config);
  const readStore = await createReadStore(config);
  try {
    return await work(new ProjectionRunner(eventStore, readStore, ALL_PROJECTIONS));
  } finally {
    await readStore.close();
    await eventStore.close();
  }
});

async function countLines(file: string): Promise<number> {
  let count = 0;
  for await (const chunk of fs.createReadStream(file)) for (const byte of chunk as Buffer) if (byte === 10) count++;
  return count;
}

program.parseAsync(process.argv).catch((error: Error) => {
  console.error(`Error: ${error.message}`);
  process.exit(1);
});
