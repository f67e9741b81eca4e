import { ApiHarness, startApi } from '../../support/api-harness';
import { formatFuzzStats, FuzzContext, operationsOf, runFuzz, seedKnownIds } from '../support/fuzz';

/**
 * Hostile input, the long run (`npm run test:reliability`): 10,000+ generated requests over every
 * OpenAPI operation (FUZZ_RUNS to change it, FUZZ_SEED to replay, FUZZ_LOG=<file> for an NDJSON trace).
 */
describe('hostile input (long: 10,000 fuzzed requests)', () => {
  let api: ApiHarness;
  let context: FuzzContext;
  const previousLimit = process.env.RATE_LIMIT_PER_MINUTE;

  beforeAll(async () => {
    process.env.RATE_LIMIT_PER_MINUTE = '0';
    api = await startApi({ env: { RUN_PROJECTOR_IN_API: 'false' } });
    const document = (await api.http.get('/docs/openapi.json').expect(200)).body;
    context = { api, document, operations: operationsOf(document), known: await seedKnownIds(api) };
  });
  afterAll(async () => {
    await api.close();
    if (previousLimit === undefined) delete process.env.RATE_LIMIT_PER_MINUTE;
    else process.env.RATE_LIMIT_PER_MINUTE = previousLimit;
  });

  it('answers every hostile request without a 5xx, with problem+json refusals that append nothing', async () => {
    const runs = Number(process.env.FUZZ_RUNS ?? 10_000);
    const stats = await runFuzz(context, {
      numRuns: runs,
      seed: process.env.FUZZ_SEED ? Number(process.env.FUZZ_SEED) : undefined,
    });
    console.log(formatFuzzStats(stats));
    expect(stats.requests).toBeGreaterThanOrEqual(runs);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    await api.http.get('/health').expect(200);
  });
});
