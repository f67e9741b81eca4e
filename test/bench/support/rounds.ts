/** What the round-based benches (paired, scale-out) share: seeding history and the requests they measure. */
import type autocannon from 'autocannon';
import { ADMIN_KEY, API_MALLOC_ENV, inParallel, iso, must, planBody, Seed } from './api-child';

/** The environment of an API (or projector) the round-based benches start on `dataDir`, Fastify, port 0. */
export function roundsEnvironment(
  dataDir: string,
  extra: Record<string, string> = {},
): Record<string, string> {
  return {
    ...API_MALLOC_ENV,
    DATA_DIR: dataDir,
    PORT: '0',
    HTTP_ADAPTER: 'fastify',
    ADMIN_API_KEY: ADMIN_KEY,
    LOG_LEVEL: 'warn',
    RATE_LIMIT_PER_MINUTE: '1000000000', // the throttler runs (its cost is measured) but never refuses
    ...extra,
  };
}

/** The line an API prints once it listens; its URL is the first group. */
export const LISTENING = /listening on (http:\/\/\S+)/;

/** `count` releases planned and deployed to staging then production: CI history for the as-of reads. */
export async function deployReleases(base: string, seeded: Seed, count: number): Promise<void> {
  const window = () => ({ start: iso(Date.now() + 3_600_000), end: iso(Date.now() + 7_200_000) });
  await inParallel(count, 8, async () => {
    const releaseId = String(
      (await must(base, 'POST', '/v1/releases', JSON.parse(planBody(seeded)))).body.id,
    );
    for (const environment of ['staging', 'production']) {
      const scheduled = await must(base, 'POST', `/v1/releases/${releaseId}/deployments`, {
        environment,
        window: window(),
      });
      const deploymentId = String(scheduled.location).split('/').pop()!;
      await must(
        base,
        'POST',
        `/v1/releases/${releaseId}/deployments/${deploymentId}/tasks/${deploymentId}:1/completion`,
        { notes: 'ok' },
      );
    }
  });
}

/** One request of a kind the round-based benches measure: `asof`, `dashboard` or `plan`. */
export function benchRequest(kind: string, seeded: Seed): autocannon.Request {
  const pick = <T>(list: readonly T[]) => list[Math.floor(Math.random() * list.length)];
  switch (kind) {
    case 'asof':
      return {
        method: 'GET',
        setupRequest: (r) => ({
          ...r,
          path: `/v1/cmdb/cis/${pick(seeded.ciIds)}?asOf=${encodeURIComponent(
            iso(seeded.seededAt + Math.random() * (Date.now() - seeded.seededAt)),
          )}`,
        }),
      };
    case 'dashboard':
      return { method: 'GET', path: '/v1/dashboard/releases?limit=25' };
    case 'plan':
      return {
        method: 'POST',
        path: '/v1/releases',
        headers: { authorization: `Bearer ${ADMIN_KEY}`, 'content-type': 'application/json' },
        setupRequest: (r) => ({ ...r, body: planBody(seeded) }),
      };
    default:
      throw new Error(`Unknown request kind "${kind}" (asof, dashboard, plan)`);
  }
}

export const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
};
