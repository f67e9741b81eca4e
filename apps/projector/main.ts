import 'reflect-metadata';
import { Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { ApplicationModule, applyHeapGrowth, loadConfig, StoresModule } from '@rdm/application';
import { EVENT_STORE, READ_STORE } from '@rdm/application/stores';
import { ProjectionsModule } from '@rdm/projections/runner';

/**
 * The projector for the scale-out setup: runs the projections and the process managers against the
 * configured stores, while API instances run with RUN_PROJECTOR_IN_API=false.
 */
async function main(): Promise<void> {
  process.env.RDM_ROLE = 'projector';
  const config = loadConfig();
  applyHeapGrowth(config);
  @Module({
    imports: [
      StoresModule.forRoot(config),
      ApplicationModule,
      ProjectionsModule.forRoot({ eventStore: EVENT_STORE, readStore: READ_STORE, run: true }),
    ],
  })
  class ProjectorModule {}
  const app = await NestFactory.createApplicationContext(ProjectorModule, {
    logger: ['error', 'warn', 'log'],
  });
  app.enableShutdownHooks();
  console.log(`Projector running on events=${config.EVENT_STORE}; stop with Ctrl-C (checkpoints are kept).`);
}

main().catch((error: Error) => {
  console.error(`Projector failed to start: ${error.message}`);
  process.exit(1);
});
