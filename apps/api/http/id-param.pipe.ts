import { Injectable, PipeTransform } from '@nestjs/common';
import { Problem } from '@rdm/application/problem';
import { ID_PATTERN } from './validation';

/** Path ids become stream names: keep them to a safe, bounded alphabet. */
@Injectable()
export class IdParam implements PipeTransform<string, string> {
  transform(value: string): string {
    if (typeof value !== 'string' || !ID_PATTERN.test(value)) {
      throw new Problem(
        400,
        'validation',
        'Invalid request',
        `"${String(value).slice(0, 64)}" is not a valid id: use 1–128 letters, digits, ".", "_", ":" or "-".`,
      );
    }
    return value;
  }
}
