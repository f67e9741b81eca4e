import 'reflect-metadata';
import { Command } from 'commander';
import { loadConfig } from '@rdm/application';
import { ApiKeysService, ROLES } from '@rdm/application/auth';
import { createEventStore } from '@rdm/application/stores';
import type { EventStore } from '@rdm/event-store';

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

program.parseAsync(process.argv).catch((error: Error) => {
  console.error(`Error: ${error.message}`);
  process.exit(1);
});
