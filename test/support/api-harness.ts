import type { INestApplication } from '@nestjs/common';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import request from 'supertest';
import { loadConfig } from '@rdm/application';
import { ApiKeysService, Role, ROLES } from '@rdm/application/auth';
import { EVENT_STORE } from '@rdm/application/stores';
import type { EventStore } from '@rdm/event-store';
import { createApp } from '../../apps/api/bootstrap';
import { testHttpAdapter } from './child-api';

export interface ApiHarness {
  readonly app: INestApplication;
  readonly http: ReturnType<typeof request>;
  readonly store: EventStore;
  readonly dataDir: string;
  /** A bearer token per role (each key holds exactly that role). */
  readonly keys: Record<Role, string>;
  auth(role: Role): { Authorization: string };
  close(): Promise<void>;
}

/** The real Nest app on a temporary SQLite data dir: no mocks of the stores. */
export async function startApi(
  options: { dataDir?: string; env?: Record<string, string> } = {},
): Promise<ApiHarness> {
  const dataDir = options.dataDir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'rdm-e2e-'));
  const config = loadConfig({
    DATA_DIR: dataDir,
    SQLITE_SYNCHRONOUS: 'NORMAL',
    LOG_LEVEL: 'silent',
    // In-process, from TypeScript sources: a worker thread could not load them. The built API's tests
    // (child-api) run the projector thread.
    PROJECTOR_THREAD: 'main',
    ...testHttpAdapter(),
    ...options.env,
  });
  const app = await createApp(config, { logger: false });
  await app.init();
  // Fastify builds its router when ready; `listen` waits for that, supertest's own listen does not.
  const instance = app.getHttpAdapter().getInstance() as { ready?: () => Promise<unknown> };
  if (config.HTTP_ADAPTER === 'fastify') await instance.ready?.();
  const keysService = app.get(ApiKeysService);
  const keys = {} as Record<Role, string>;
  for (const role of ROLES)
    keys[role] = (await keysService.issue(`test ${role}`, [role], 'test-harness')).token;
  const server = app.getHttpServer();
  return {
    app,
    http: request(server),
    store: app.get<EventStore>(EVENT_STORE),
    dataDir,
    keys,
    auth: (role) => ({ Authorization: `Bearer ${keys[role]}` }),
    close: async () => {
      await app.close();
      // A test may listen on the raw server itself (to stream); Fastify closes only a server it started.
      const raw = server as import('node:http').Server;
      if (raw.listening) {
        raw.closeAllConnections();
        await new Promise<void>((resolve) => raw.close(() => resolve()));
      }
      if (!options.dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
