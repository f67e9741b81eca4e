import { ApiHarness, startApi } from '../../support/api-harness';
import { formatFuzzStats, FuzzContext, operationsOf, runFuzz, seedKnownIds } from '../support/fuzz';

/**
 * Quick hostile-input fuzzing (in `npm test`): 1,000 generated requests over every OpenAPI operation.
 * No 5xx, every refusal a problem+json with a useful detail, no event appended by a refused request,
 * no prototype pollution. The long run (10,000+) is test/reliability/long. Replay with FUZZ_SEED=<seed>.
 */
describe('hostile input (quick: 1,000 fuzzed requests)', () => {
  let api: ApiHarness;
  let context: FuzzContext;
  const previousLimit = process.env.RATE_LIMIT_PER_MINUTE;

  beforeAll(async () => {
    process.env.RATE_LIMIT_PER_MINUTE = '0'; // the fuzzer is one client: do not let the throttler answer for the app
    api = await startApi({ env: { RUN_PROJECTOR_IN_API: 'false' } });
    const document = (await api.http.get('/docs/openapi.json').expect(200)).body;
    context = { api, document, operations: operationsOf(document), known: await seedKnownIds(api) };
  });
  afterAll(async () => {
    await api.close();
    if (previousLimit === undefined) delete process.env.RATE_LIMIT_PER_MINUTE;
    else process.env.RATE_LIMIT_PER_MINUTE = previousLimit;
  });

  it('answers 1,000 hostile requests without a 5xx, with problem+json refusals that append nothing', async () => {
    expect(context.operations.length).toBeGreaterThanOrEqual(35);
    const stats = await runFuzz(context, {
      numRuns: Number(process.env.FUZZ_RUNS ?? 1000),
      seed: process.env.FUZZ_SEED ? Number(process.env.FUZZ_SEED) : undefined,
    });
    console.log(formatFuzzStats(stats));
    expect(stats.requests).toBeGreaterThanOrEqual(1000);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    await api.http.get('/health').expect(200);
  }, 120_000);
});
