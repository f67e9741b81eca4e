import type { NextFunction, Request, Response } from 'express';
import { Problem } from '@rdm/application/problem';

/**
 * Refuses (400) JSON bodies no endpoint accepts, before validators walk them recursively: very deep
 * nesting overflows the stack inside validation, and huge arrays cost CPU out of all proportion.
 */
export function rejectUnreasonableBodies(limits: { maxDepth: number; maxArrayItems: number }) {
  return (request: Request, _response: Response, next: NextFunction): void => {
    const body: unknown = request.body;
    if (body === null || typeof body !== 'object') return next();
    const stack: Array<[unknown, number]> = [[body, 1]];
    while (stack.length > 0) {
      const [value, depth] = stack.pop()!;
      if (depth > limits.maxDepth) {
        return next(new Problem(400, 'validation', 'Invalid request', `The JSON body nests deeper than ${limits.maxDepth} levels; flatten it.`));
      }
      if (Array.isArray(value) && value.length > limits.maxArrayItems) {
        return next(
          new Problem(400, 'validation', 'Invalid request', `The JSON body has an array of ${value.length} items; at most ${limits.maxArrayItems} are accepted.`),
        );
      }
      for (const child of Object.values(value as object)) {
        if (child !== null && typeof child === 'object') stack.push([child, depth + 1]);
      }
    }
    next();
  };
}
