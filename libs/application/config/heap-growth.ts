import * as v8 from 'node:v8';
import type { AppConfig } from './app-config';

/**
 * Applies HEAP_GROWTH_PERCENT (see AppConfig) to this process. Call it first thing in a process's main:
 * V8 reads the flag each time it sets the next full-collection limit, so it takes effect from the next
 * collection on, for every isolate of the process (worker threads included).
 */
export function applyHeapGrowth(config: Pick<AppConfig, 'HEAP_GROWTH_PERCENT'>): void {
  if (config.HEAP_GROWTH_PERCENT > 0)
    v8.setFlagsFromString(`--heap-growing-percent=${config.HEAP_GROWTH_PERCENT}`);
}
