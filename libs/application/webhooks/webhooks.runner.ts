import { Injectable, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { AppConfig } from '../config/app-config';
import { WebhookDispatcher } from './webhook-dispatcher';

/**
 * Runs the webhook dispatcher where the process managers run: inside the API when
 * RUN_PROJECTOR_IN_API=true (the embedded default), in `apps/projector` (RDM_ROLE=projector) for the
 * scale-out setup. Exactly one process should deliver: two would each deliver every event.
 * Stops on module destroy, before the stores close, so the event in hand is finished and checkpointed.
 */
@Injectable()
export class WebhooksRunner implements OnApplicationBootstrap, OnModuleDestroy {
  constructor(
    private readonly config: AppConfig,
    private readonly dispatcher: WebhookDispatcher,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    if (this.config.RUN_PROJECTOR_IN_API === 'true' || process.env.RDM_ROLE === 'projector')
      await this.dispatcher.start();
  }

  async onModuleDestroy(): Promise<void> {
    await this.dispatcher.stop();
  }
}
