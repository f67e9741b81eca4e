import 'reflect-metadata';
import { Command } from 'commander';
import { loadConfig } from '@rdm/application';
import { ApiKeysService, ROLES } from '@rdm/application/auth';
import { createEventStore } from '@rdm/application/stores';
import { formatHistory, historyLines, verifyStore } from '@rdm/application/audit';
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

program.parseAsync(process.argv).catch((error: Error) => {
  console.error(`Error: ${error.message}`);
  process.exit(1);
});
