import { ChildProcess, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

const ROOT = path.resolve(__dirname, '../..');
export const BUILT_API = path.join(ROOT, 'dist/apps/api/main.js');

export interface ChildApi {
  readonly process: ChildProcess;
  readonly url: Promise<string>;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  output(): string;
  stop(): Promise<void>;
}

/**
 * The HTTP adapter the suites run on: `TEST_HTTP_ADAPTER=fastify npx jest test/` runs them all on
 * Fastify; by default they run on the app's default (HTTP_ADAPTER's). A test can still pin one in `env`.
 */
export const testHttpAdapter = (): Record<string, string> =>
  process.env.TEST_HTTP_ADAPTER ? { HTTP_ADAPTER: process.env.TEST_HTTP_ADAPTER } : {};

/**
 * The real API as a child process (`npm start` without the build step), so a test can kill -9 it.
 * `npm test` builds first (pretest), so dist/ matches the sources.
 */
export function startChildApi(env: Record<string, string>): ChildApi {
  if (!fs.existsSync(BUILT_API)) throw new Error(`${BUILT_API} is missing: run "npm run build" first`);
  const child = spawn(process.execPath, [BUILT_API], {
    env: { PATH: process.env.PATH ?? '', PORT: '0', LOG_LEVEL: 'warn', ...testHttpAdapter(), ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const url = new Promise<string>((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const match = /listening on (http:\/\/\S+)/.exec(output);
      if (match) resolve(match[1]);
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.once('exit', () => reject(new Error(`API exited before listening:\n${output}`)));
  });
  url.catch(() => undefined);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  return {
    process: child,
    url,
    exited,
    output: () => output,
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}

/** Polls `check` until it returns a value, or fails after the deadline (no blind sleeps). */
export async function eventually<T>(
  check: () => Promise<T | undefined>,
  what: string,
  timeoutMs = 30_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
