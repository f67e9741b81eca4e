import { InvalidQuery } from '@rdm/read-store';
import { Problem } from '@rdm/application/problem';

/** Runs a read-model query; a cursor or filter the store refuses (InvalidQuery) is the caller's 400. */
export async function readModelQuery<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (error instanceof InvalidQuery)
      throw new Problem(400, 'invalid-query', 'Invalid query', error.message);
    throw error;
  }
}
