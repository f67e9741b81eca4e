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
import { ProjectorThread } from './projector-thread';

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
  /**
   * With `run`: run them in a worker thread (ProjectorThread) whose entry is `file`, given `workerData`;
   * this process's runner then only serves reads. Without: on this process's event loop.
   */
  readonly thread?: { readonly file: string; readonly workerData: unknown };
  /** Default: ALL_PROJECTIONS. */
  readonly projections?: readonly Projection[];
  readonly options?: ProjectionRunnerOptions;
}

/**
 * Starts the projections once the app is up (the runner, or the thread that runs them); stops them
 * (committing what was applied) before the stores close.
 */
@Injectable()
export class ProjectionRunnerLifecycle implements OnApplicationBootstrap, BeforeApplicationShutdown {
  constructor(
    private readonly runner: ProjectionRunner,
    @Inject(RUN_PROJECTIONS) private readonly run: { here: boolean; thread?: ProjectorThread },
  ) {}

  onApplicationBootstrap(): void {
    if (this.run.here) this.runner.start();
    this.run.thread?.start();
  }

  async beforeApplicationShutdown(): Promise<void> {
    await Promise.all([this.runner.stop(), this.run.thread?.stop()]);
  }
}

/**
 * Thin Nest wrapper around the plain `ProjectionRunner`: provides it (global, so read-model controllers
 * and health/metrics can inject it) and ties it to the application lifecycle.
 */
@Module({})
export class ProjectionsModule {
  static forRoot(options: ProjectionsModuleOptions): DynamicModule {
    const thread =
      options.run && options.thread
        ? new ProjectorThread(options.thread.file, options.thread.workerData)
        : undefined;
    return {
      module: ProjectionsModule,
      global: true,
      providers: [
        { provide: RUN_PROJECTIONS, useValue: { here: options.run && !thread, thread } },
        {
          provide: ProjectionRunner,
          inject: [options.eventStore, options.readStore],
          useFactory: (eventStore: EventStore, readStore: ReadStore) =>
            new ProjectionRunner(eventStore, readStore, options.projections ?? ALL_PROJECTIONS, {
              ...options.options,
              thread,
            }),
        },
        ProjectionRunnerLifecycle,
      ],
      exports: [ProjectionRunner],
    };
  }
}
