import { Logger } from '@nestjs/common';
import { MessagePort, parentPort, Worker } from 'node:worker_threads';
import type {
  ProjectionRunner,
  ProjectionStatus,
  ProjectionThreadReport,
  RunnerLogger,
} from './projection-runner';

/**
 * The thread's young generation (two semi-spaces of 8 MB, as `--max-semi-space-size=8` gives the API's
 * main thread: see the start scripts). V8's default, 16 MB semi-spaces, held 16 MB more RSS with no
 * measurable gain.
 */
const WORKER_YOUNG_GENERATION_MB = 24;

/**
 * The projections of an API process, run in a worker thread of it (PROJECTOR_THREAD=worker).
 *
 * Why: a projection batch (apply, serialise, commit) holds the event loop it runs on. On the API's own
 * loop every live batch delayed the commands and queries queued behind it, and the API used one of the
 * machine's two cores. In a worker thread the projections get their own loop and core, with their own
 * connections to the same store files (SQLite admits them, as it admits apps/projector's): the API
 * answers while they commit. The thread learns of new events at once (the SQLite event store wakes the
 * stores of every thread on its file, see `appendsChannel`).
 *
 * The worker (`file`) opens its own stores, builds a ProjectionRunner and hands it to
 * `serveProjectorThread`. This side starts it, answers `status()` from it, restarts it if it dies, and on
 * `stop()` lets it commit what it applied and close its stores before the API closes its own.
 */
export class ProjectorThread implements ProjectionThreadReport {
  private worker: Worker | undefined;
  private stopping = false;
  private down: string | undefined;
  private restartDelayMs = INITIAL_RESTART_DELAY_MS;
  private restartTimer: NodeJS.Timeout | undefined;
  private nextRequest = 0;
  private readonly pending = new Map<number, (statuses: ProjectionStatus[] | undefined) => void>();
  private readonly logger: RunnerLogger;

  constructor(
    /** The worker's compiled entry (a .js file: a worker thread cannot load TypeScript sources). */
    private readonly file: string,
    /** Handed to the worker as `workerData` (plain data: it is copied). */
    private readonly workerData: unknown,
    logger?: RunnerLogger,
  ) {
    this.logger = logger ?? new Logger('Projections');
  }

  start(): void {
    if (this.worker || this.stopping) return;
    const worker = new Worker(this.file, {
      workerData: this.workerData,
      resourceLimits: { maxYoungGenerationSizeMb: WORKER_YOUNG_GENERATION_MB },
    });
    this.worker = worker;
    worker.on('message', (message: FromWorker) => this.receive(message));
    worker.on('error', (error) =>
      this.logger.error(`Projector thread failed: ${error.stack ?? error.message}`),
    );
    worker.on('exit', (code) => this.exited(worker, code));
  }

  /**
   * The statuses the thread's runner reports, or `undefined` while no thread runs or when it does not
   * answer within STATUS_TIMEOUT_MS (still opening its stores, say): /health must answer regardless.
   */
  status(): Promise<ProjectionStatus[] | undefined> {
    const worker = this.worker;
    if (!worker) return Promise.resolve(undefined);
    const id = this.nextRequest++;
    return new Promise((resolve) => {
      const timer = setTimeout(() => answer(undefined), STATUS_TIMEOUT_MS);
      const answer = (statuses: ProjectionStatus[] | undefined) => {
        clearTimeout(timer);
        this.pending.delete(id);
        resolve(statuses);
      };
      this.pending.set(id, answer);
      worker.postMessage({ type: 'status', id } satisfies ToWorker);
    });
  }

  failure(): string | undefined {
    return this.down;
  }

  /** Asks the thread to commit what it applied and close its stores; resolves when it has exited. */
  async stop(): Promise<void> {
    this.stopping = true;
    this.down = undefined;
    clearTimeout(this.restartTimer);
    const worker = this.worker;
    if (!worker) return;
    const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
    worker.postMessage({ type: 'stop' } satisfies ToWorker);
    const timer = setTimeout(() => {
      this.logger.warn(`Projector thread did not stop within ${STOP_TIMEOUT_MS} ms: terminated`);
      void worker.terminate();
    }, STOP_TIMEOUT_MS);
    await exited;
    clearTimeout(timer);
  }

  private receive(message: FromWorker): void {
    switch (message.type) {
      case 'status':
        this.pending.get(message.id)?.(message.statuses);
        return;
      case 'log':
        this.logger[message.level](message.message);
        return;
      case 'running':
        this.restartDelayMs = INITIAL_RESTART_DELAY_MS;
        this.down = undefined;
        return;
      default: {
        const unknown: never = message;
        throw new Error(`Unknown message from the projector thread: ${JSON.stringify(unknown)}`);
      }
    }
  }

  private exited(worker: Worker, code: number): void {
    if (this.worker !== worker) return;
    this.worker = undefined;
    for (const answer of [...this.pending.values()]) answer(undefined);
    if (this.stopping) return;
    // Its checkpoints are in the read store: a new thread resumes where this one last committed.
    this.down = `Projector thread exited (code ${code}); restarting in ${this.restartDelayMs} ms`;
    this.logger.error(this.down);
    this.restartTimer = setTimeout(() => this.start(), this.restartDelayMs);
    this.restartDelayMs = Math.min(this.restartDelayMs * 2, MAX_RESTART_DELAY_MS);
  }
}

/**
 * The worker's side: starts `runner` (once `open` has given it), answers the API's status requests, and on
 * `stop` stops the runner (committing what it applied), calls `close` and lets the thread end.
 */
export function serveProjectorThread(
  open: (logger: RunnerLogger) => Promise<{ runner: ProjectionRunner; close: () => Promise<void> }>,
): void {
  const port = parentPort;
  if (!port) throw new Error('serveProjectorThread runs in a worker thread');
  const logger = threadLogger(port);
  // Listening first: requests that arrive while the stores open wait for them.
  const opened = open(logger);
  port.on('message', (message: ToWorker) => {
    void answer(message).catch((error: Error) => {
      logger.error(`Projector thread: ${message.type} failed: ${error.stack ?? error.message}`);
      if (message.type === 'stop') process.exit(1); // ends this thread only
    });
  });
  // A failure to open is left unhandled: the thread ends with it, and the API logs it and restarts it.
  void opened.then(({ runner }) => {
    runner.start();
    port.postMessage({ type: 'running' } satisfies FromWorker);
  });

  async function answer(message: ToWorker): Promise<void> {
    const { runner, close } = await opened;
    switch (message.type) {
      case 'status':
        port!.postMessage({
          type: 'status',
          id: message.id,
          statuses: await runner.status(),
        } satisfies FromWorker);
        return;
      case 'stop':
        await runner.stop();
        await close();
        process.exit(0); // in a worker thread: ends this thread only
        return;
      default: {
        const unknown: never = message;
        throw new Error(`Unknown message to the projector thread: ${JSON.stringify(unknown)}`);
      }
    }
  }
}

type ToWorker = { type: 'status'; id: number } | { type: 'stop' };
type FromWorker =
  | { type: 'status'; id: number; statuses: ProjectionStatus[] }
  | { type: 'log'; level: keyof RunnerLogger; message: string }
  | { type: 'running' };

const INITIAL_RESTART_DELAY_MS = 1_000;
const MAX_RESTART_DELAY_MS = 30_000;
const STOP_TIMEOUT_MS = 30_000;
const STATUS_TIMEOUT_MS = 2_000;

/** The runner's log lines go to the API's logger (its format, its level), not to the thread's console. */
function threadLogger(port: MessagePort): RunnerLogger {
  const send = (level: keyof RunnerLogger) => (message: string) =>
    port.postMessage({ type: 'log', level, message } satisfies FromWorker);
  return { log: send('log'), warn: send('warn'), error: send('error') };
}
