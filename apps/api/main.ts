import 'reflect-metadata';
import { applyHeapGrowth, loadConfig } from '@rdm/application';
import { ApiKeysService } from '@rdm/application/auth';
import { createApp } from './bootstrap';

async function main(): Promise<void> {
  const config = loadConfig();
  applyHeapGrowth(config);
  const app = await createApp(config);
  await app.init();
  const bootstrapKey = await app.get(ApiKeysService).ensureAdminKey(config.ADMIN_API_KEY);
  await app.listen(config.PORT, config.HOST);
  const url = (await app.getUrl()).replace('[::1]', 'localhost').replace('127.0.0.1', 'localhost');
  console.log(`\nRelease & Deployment Management API listening on ${url}`);
  console.log(`  Console:  ${url}/console`);
  console.log(`  OpenAPI:  ${url}/docs`);
  console.log(`  Health:   ${url}/health`);
  console.log(
    `  Stores:   events=${config.EVENT_STORE} (${config.EVENT_STORE === 'sqlite' ? config.eventStoreFile : 'EventStoreDB'})`,
  );
  if (bootstrapKey) {
    console.log('\n  A fresh data dir: this admin API key is shown ONCE (only its hash is stored):');
    console.log(`    ${bootstrapKey.token}`);
    console.log(`  Try: curl -H "Authorization: Bearer ${bootstrapKey.token}" ${url}/v1/api-keys`);
  }
  console.log('');
}

main().catch((error: Error) => {
  console.error(`Failed to start: ${error.message}`);
  process.exit(1);
});
