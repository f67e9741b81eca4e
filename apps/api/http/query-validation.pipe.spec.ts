import { ArgumentMetadata, BadRequestException } from '@nestjs/common';
import { DashboardListQueryDto } from '../read-models/read-models.dto';
import { QueryMemoValidationPipe } from './query-validation.pipe';

const pipe = () =>
  new QueryMemoValidationPipe({ whitelist: true, forbidNonWhitelisted: true, transform: true });
const asQuery: ArgumentMetadata = { type: 'query', metatype: DashboardListQueryDto, data: undefined };

/** What a refused query reports, or a failure when it was let through. */
async function refusal(p: QueryMemoValidationPipe, query: Record<string, string>): Promise<unknown> {
  const error = await p.transform(query, asQuery).then(
    () => new Error(`${JSON.stringify(query)} was let through`),
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(BadRequestException);
  return (error as BadRequestException).getResponse();
}

describe('QueryMemoValidationPipe', () => {
  it('answers a query asked again with the same DTO as a fresh validation, a copy of its own each time', async () => {
    const p = pipe();
    const query = { status: 'deploying,released', limit: '10' };
    const answers = [];
    for (let ask = 0; ask < 4; ask++) answers.push(await p.transform({ ...query }, asQuery));
    const fresh = await pipe().transform({ ...query }, asQuery);
    for (const answer of answers) {
      expect(answer).toBeInstanceOf(DashboardListQueryDto);
      expect(answer).toEqual(fresh);
      expect(answer).toEqual({ status: ['deploying', 'released'], limit: 10 });
    }
    // A handler that changed its DTO must not change what the next request gets.
    const changed = answers[3] as DashboardListQueryDto;
    changed.limit = 99;
    changed.status!.push('planned');
    expect(await p.transform({ ...query }, asQuery)).toEqual({
      status: ['deploying', 'released'],
      limit: 10,
    });
  });

  it('refuses a bad query every time it is asked, with the same message, before and after good ones', async () => {
    const p = pipe();
    const bad = { limit: '0' };
    const first = await refusal(p, bad);
    await p.transform({ limit: '5' }, asQuery);
    await p.transform({ limit: '5' }, asQuery);
    expect(await refusal(p, bad)).toEqual(first);
    expect(await refusal(p, bad)).toEqual(first);
    expect(JSON.stringify(first)).toContain('limit must not be less than 1');
    expect(await refusal(p, { limit: '5', colour: 'red' })).toMatchObject({
      message: ['property colour should not exist'],
    });
  });

  it('stays right past its bounds: many distinct queries, each asked twice, then the first again', async () => {
    const p = pipe();
    for (let limit = 1; limit <= 100; limit++) {
      for (let ask = 0; ask < 2; ask++) {
        expect(await p.transform({ limit: String(limit) }, asQuery)).toEqual({ limit });
      }
    }
    for (let i = 0; i < 2000; i++) await p.transform({ cursor: `c${i}` }, asQuery);
    expect(await p.transform({ limit: '1' }, asQuery)).toEqual({ limit: 1 });
    expect(await p.transform({ cursor: 'c0' }, asQuery)).toEqual({ cursor: 'c0' });
  });

  it('validates bodies every time, as Nest does', async () => {
    const p = pipe();
    const asBody: ArgumentMetadata = { type: 'body', metatype: DashboardListQueryDto, data: undefined };
    expect(await p.transform({ limit: 3 }, asBody)).toEqual({ limit: 3 });
    const error = await p.transform({ limit: 0 }, asBody).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BadRequestException);
  });
});
