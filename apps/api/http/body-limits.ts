import { Problem } from '@rdm/application/problem';

export interface BodyShapeLimits {
  maxDepth: number;
  maxArrayItems: number;
}

/** No endpoint accepts more; see `unreasonableBody`. */
export const BODY_SHAPE_LIMITS: BodyShapeLimits = { maxDepth: 32, maxArrayItems: 1000 };

/**
 * The 400 for a JSON body no endpoint accepts, to be raised before validators walk it recursively: very
 * deep nesting overflows the stack inside validation, and huge arrays cost CPU out of all proportion.
 * `undefined` when the body is reasonable. Each HTTP adapter calls it right after parsing the body.
 */
export function unreasonableBody(
  body: unknown,
  limits: BodyShapeLimits = BODY_SHAPE_LIMITS,
): Problem | undefined {
  if (body === null || typeof body !== 'object') return undefined;
  const stack: Array<[unknown, number]> = [[body, 1]];
  while (stack.length > 0) {
    const [value, depth] = stack.pop()!;
    if (depth > limits.maxDepth) {
      return new Problem(
        400,
        'validation',
        'Invalid request',
        `The JSON body nests deeper than ${limits.maxDepth} levels; flatten it.`,
      );
    }
    if (Array.isArray(value) && value.length > limits.maxArrayItems) {
      return new Problem(
        400,
        'validation',
        'Invalid request',
        `The JSON body has an array of ${value.length} items; at most ${limits.maxArrayItems} are accepted.`,
      );
    }
    for (const child of Object.values(value as object)) {
      if (child !== null && typeof child === 'object') stack.push([child, depth + 1]);
    }
  }
  return undefined;
}
