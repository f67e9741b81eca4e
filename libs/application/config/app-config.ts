import { plainToInstance, Transform } from 'class-transformer';
import { IsIn, IsInt, IsOptional, IsString, Max, Min, ValidateIf, validateSync } from 'class-validator';
import * as path from 'node:path';

const toInt = ({ value }: { value: unknown }) =>
  value === undefined || value === '' ? undefined : Number(value);

/**
 * Every setting comes from the environment, has a safe default, and is validated at start:
 * a bad value stops the process with a message naming the variable and what it accepts.
 */
export class AppConfig {
  @IsIn(['sqlite', 'eventstoredb'])
  EVENT_STORE: 'sqlite' | 'eventstoredb' = 'sqlite';

  @IsIn(['sqlite', 'mongodb'])
  READ_STORE: 'sqlite' | 'mongodb' = 'sqlite';

  @IsString()
  DATA_DIR = './data';

  @ValidateIf((config: AppConfig) => config.EVENT_STORE === 'eventstoredb')
  @IsString({
    message:
      'EVENTSTORE_CONNECTION_STRING is required when EVENT_STORE=eventstoredb (e.g. esdb://localhost:2113?tls=false)',
  })
  EVENTSTORE_CONNECTION_STRING?: string;

  @ValidateIf((config: AppConfig) => config.READ_STORE === 'mongodb')
  @IsString({
    message:
      'MONGODB_URI is required when READ_STORE=mongodb (e.g. mongodb://localhost:27017/rdm?replicaSet=rs0)',
  })
  MONGODB_URI?: string;

  @Transform(toInt)
  @IsInt()
  @Min(0)
  @Max(65535)
  PORT = 3000;

  @IsString()
  HOST = '127.0.0.1';

  /** The event store's. FULL: an acknowledged append survives power loss. NORMAL is faster but may lose the last commits. */
  @IsIn(['FULL', 'NORMAL', 'EXTRA'])
  SQLITE_SYNCHRONOUS: 'FULL' | 'NORMAL' | 'EXTRA' = 'FULL';

  @IsIn(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'])
  LOG_LEVEL = 'info';

  /** Optional: bootstrap admin key (otherwise one is generated and printed once on a fresh data dir). */
  @IsOptional()
  @IsString()
  ADMIN_API_KEY?: string;

  /** Run projections and process managers inside the API process (the embedded default). */
  @IsIn(['true', 'false'])
  RUN_PROJECTOR_IN_API: 'true' | 'false' = 'true';

  /**
   * Where the API runs its projections (with RUN_PROJECTOR_IN_API=true): `worker`, a worker thread of its
   * own (ProjectorThread: commands and queries do not wait behind projection batches, and the API uses
   * both cores), or `main`, the API's event loop — what in-process tests use, as a worker thread cannot
   * load TypeScript sources.
   */
  @IsIn(['worker', 'main'])
  PROJECTOR_THREAD: 'worker' | 'main' = 'worker';

  @Transform(toInt)
  @IsInt()
  @Min(1024)
  MAX_BODY_BYTES = 1024 * 1024;

  /**
   * How far V8 lets the heap grow past what survived its last full collection before it collects again,
   * in percent (V8's --heap-growing-percent; 0 = V8's own heuristics). Under load those let it grow to
   * several times the live heap: bench:http's API peaked at ~480 MB RSS with ~50 MB live. 30 kept it at
   * ~330 MB for ~8 % fewer commands/s (test/README.md). Applies to the whole process (its threads too).
   */
  @Transform(toInt)
  @IsInt()
  @Min(0)
  @Max(400)
  HEAP_GROWTH_PERCENT = 30;

  /**
   * The page cache of each SQLite connection this process opens for its stores, in MiB (the API's event
   * store and read store; the API's projector thread keeps its own 4 and 8). The files sit in the OS page
   * cache anyway: 16 MiB per connection cost ≈ 20 MB of peak RSS in bench:http for no measurable
   * throughput (test/README.md). Raise it for a large read store queried at random.
   */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(4096)
  SQLITE_CACHE_MIB = 4;

  /**
   * The Nest HTTP platform under the API; both behave the same (apps/api/http), they differ in speed:
   * Fastify, the default, answered 1.4-1.5× the queries of Express in bench:http, and as many commands or more.
   */
  @IsIn(['express', 'fastify'])
  HTTP_ADAPTER: 'express' | 'fastify' = 'fastify';

  get eventStoreFile(): string {
    return path.join(this.DATA_DIR, 'events.db');
  }

  get readStoreFile(): string {
    return path.join(this.DATA_DIR, 'read.db');
  }
}

export class ConfigurationError extends Error {
  override readonly name = 'ConfigurationError';
}

export function loadConfig(env: Record<string, string | undefined> = process.env): AppConfig {
  const known = Object.keys(new AppConfig());
  const relevant = Object.fromEntries(
    Object.entries(env).filter(
      ([key, value]) =>
        value !== undefined &&
        value !== '' &&
        (known.includes(key) || key.endsWith('_URI') || key.endsWith('_STRING')),
    ),
  );
  const config = plainToInstance(AppConfig, relevant, { exposeDefaultValues: true });
  const errors = validateSync(config, { whitelist: true });
  if (errors.length > 0) {
    const details = errors.map((error) => {
      const messages = Object.values(error.constraints ?? {}).join('; ');
      return `  ${error.property}=${JSON.stringify(error.value ?? null)}: ${messages}`;
    });
    throw new ConfigurationError(`Invalid configuration:\n${details.join('\n')}`);
  }
  return config;
}
