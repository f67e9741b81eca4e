import { allows, Permission, ROLES } from '@rdm/application/auth';
import { ApiHarness, startApi } from '../support/api-harness';

interface Operation {
  method: 'get' | 'post';
  path: string;
  permission: Permission;
}

/**
 * Every endpoint × every role, enumerated from the live OpenAPI document (so a new endpoint is covered
 * the moment it exists): a role without the permission gets 403 problem+json; a role with it is let
 * through (whatever the handler then says about the empty body); no key gets 401; nothing is a 5xx.
 */
describe('role × endpoint matrix', () => {
  let api: ApiHarness;
  let operations: Operation[];
  beforeAll(async () => {
    api = await startApi();
    const document = (await api.http.get('/docs/openapi.json').expect(200)).body as {
      paths: Record<string, Record<string, { 'x-required-permission'?: Permission }>>;
    };
    operations = Object.entries(document.paths).flatMap(([path, methods]) =>
      Object.entries(methods)
        .filter(([method]) => method === 'get' || method === 'post')
        .map(([method, operation]) => ({ method: method as Operation['method'], path, permission: operation['x-required-permission']! })),
    );
  });
  afterAll(() => api.close());

  it('documents a permission on every /v1 operation', () => {
    const v1 = operations.filter((o) => o.path.startsWith('/v1/'));
    expect(v1.length).toBeGreaterThanOrEqual(35);
    expect(v1.filter((o) => !o.permission)).toEqual([]);
  });

  it('answers 401 without a key, 403 for a role without the permission, and lets permitted roles through', async () => {
    const before = await api.store.headPosition();
    const failures: string[] = [];
    for (const operation of operations.filter((o) => o.path.startsWith('/v1/'))) {
      const url = operation.path.replace(/\{[^}]+\}/g, 'matrix-probe-id');
      const call = () => (operation.method === 'get' ? api.http.get(url) : api.http.post(url).send({}));
      const anonymous = await call();
      if (anonymous.status !== 401) failures.push(`${operation.method} ${url} without key: ${anonymous.status}`);
      for (const role of ROLES) {
        const response = await call().set(api.auth(role));
        const permitted = allows([role], operation.permission);
        const ok = permitted ? response.status !== 401 && response.status !== 403 && response.status < 500 : response.status === 403;
        if (!ok) failures.push(`${operation.method} ${url} as ${role} (permitted=${permitted}): ${response.status} ${response.body?.type ?? ''}`);
        if (response.status >= 400 && !String(response.headers['content-type']).includes('application/problem+json')) {
          failures.push(`${operation.method} ${url} as ${role}: ${response.status} is not problem+json`);
        }
      }
    }
    expect(failures).toEqual([]);
    // Empty bodies are refused by validation: the whole matrix appended nothing.
    expect(await api.store.headPosition()).toBe(before);
  });
});
