import {
  BeforeApplicationShutdown,
  DynamicModule,
  Inject,
  Injectable,
  InjectionToken,
  Module,
  OnApplicationBootstrap,
} from '@nestjs/common';
import type { EventStore } from '@rdm/event-store';
import type { ReadStore } from '@rdm/read-store';
import type { Projection } from '../projection';
import { ALL_PROJECTIONS } from '../registry';
import { ProjectionRunner, ProjectionRunnerOptions } from './projection-runner';

const RUN_PROJECTIONS = Symbol('RUN_PROJECTIONS');

export interface ProjectionsModuleOptions {
  /** Injection token of the EventStore (EVENT_STORE from @rdm/application/stores). */
  readonly eventStore: InjectionToken;
  /** Injection token of the ReadStore. */
  readonly readStore: InjectionToken;
  /**
   * Whether THIS process runs the projections (RUN_PROJECTOR_IN_API=true, or apps/projector). When false
   * the runner only serves reads (active slot resolution, status): another process writes.
   */
  readonly run: boolean;
  /** Default: ALL_PROJECTIONS. */
  readonly projections?: readonly Projection[];
  readonly options?: ProjectionRunnerOptions;
}

/** Starts the runner once the app is up; stops it (committing what was applied) before stores close. */
@Injectable()
export class ProjectionRunnerLifecycle implements OnApplicationBootstrap, BeforeApplicationShutdown {
  constructor(
    private readonly runner: ProjectionRunner,
    @Inject(RUN_PROJECTIONS) private readonly run: boolean,
  ) {}

  onApplicationBootstrap(): void {
    if (this.run) this.runner.start();
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.runner.stop();
  }
}

/**
 * Thin Nest wrapper around the plain `ProjectionRunner`: provides it (global, so read-model controllers
 * and health/metrics can inject it) and ties it to the application lifecycle.
 */
@Module({})
export class ProjectionsModule {
  static forRoot(options: ProjectionsModuleOptions): DynamicModule {
    return {
      module: ProjectionsModule,
      global: true,
      providers: [
        { provide: RUN_PROJECTIONS, useValue: options.run },
        {
          provide: ProjectionRunner,
          inject: [options.eventStore, options.readStore],
          useFactory: (eventStore: EventStore, readStore: ReadStore) =>
            new ProjectionRunner(
              eventStore,
              readStore,
              options.projections ?? ALL_PROJECTIONS,
              options.options,
            ),
        },
        ProjectionRunnerLifecycle,
      ],
      exports: [ProjectionRunner],
    };
  }
}
