import { Injectable, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { AppConfig } from '../config/app-config';
import { CmdbSyncProcessManager } from './cmdb-sync.process-manager';

/**
 * Starts the process managers inside the API when RUN_PROJECTOR_IN_API=true (the embedded default);
 * `apps/projector` runs them standalone for the scale-out setup. Shutdown stops them after the
 * event in hand is done and checkpointed.
 */
@Injectable()
export class ProcessManagersRunner implements OnApplicationBootstrap, OnApplicationShutdown {
  constructor(
    private readonly config: AppConfig,
    private readonly cmdbSync: CmdbSyncProcessManager,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    if (this.config.RUN_PROJECTOR_IN_API === 'true' || process.env.RDM_ROLE === 'projector')
      await this.cmdbSync.start();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.cmdbSync.stop();
  }
}
