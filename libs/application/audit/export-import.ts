import * as readline from 'node:readline';
import type { Readable, Writable } from 'node:stream';
import type { JsonObject, JsonValue } from '@rdm/domain';
import type { AllFilter, EventStore, RecordedEvent } from '@rdm/event-store';

/** One exported event per line (NDJSON). Positions and revisions are strings: they can exceed 2^53. */
export interface ExportedEvent {
  readonly position: string;
  readonly stream: string;
  readonly revision: string;
  readonly id: string;
  readonly type: string;
  readonly data: JsonValue;
  readonly metadata: JsonObject;
  readonly createdAt: string;
}

export interface ExportOptions {
  /** Positions, inclusive. */
  readonly fromPosition?: bigint;
  readonly toPosition?: bigint;
  readonly filter?: AllFilter;
}

const toLine = (e: RecordedEvent): string =>
  JSON.stringify({
    position: e.position.toString(),
    stream: e.stream,
    revision: e.revision.toString(),
    id: e.id,
    type: e.type,
    data: e.data,
    metadata: e.metadata,
    createdAt: e.createdAt.toISOString(),
  } satisfies ExportedEvent);

/** Streams the log page by page, waiting for the output to drain: memory stays flat at any size. */
export async function exportEvents(store: EventStore, out: Writable, options: ExportOptions = {}, onProgress: (count: number) => void = () => undefined): Promise<number> {
  let after: bigint | 'start' = options.fromPosition !== undefined && options.fromPosition > 0n ? options.fromPosition - 1n : 'start';
  let count = 0;
  for (;;) {
    const page = await store.readAll({ after, maxCount: 1000, filter: options.filter });
    if (page.length === 0) break;
    for (const event of page) {
      if (options.toPosition !== undefined && event.position > options.toPosition) return count;
      if (!out.write(`${toLine(event)}\n`)) await new Promise((resolve) => out.once('drain', resolve));
      count++;
    }
    after = page[page.length - 1].position;
    onProgress(count);
  }
  return count;
}

export class ImportRefused extends Error {
  override readonly name = 'ImportRefused';
}

/**
 * Appends exported events in their original order with their ids, data and metadata (hash chains stay
 * valid). The target store must be empty; it assigns its own positions. Appends are pipelined (the
 * embedded store group-commits them in submission order) with a bounded number in flight.
 */
export async function importEvents(store: EventStore, input: Readable, onProgress: (count: number) => void = () => undefined): Promise<number> {
  if ((await store.headPosition()) >= 0n) {
    throw new ImportRefused('The target store is not empty: import only into a fresh data dir (nothing was written).');
  }
  const lines = readline.createInterface({ input, crlfDelay: Infinity });
  const inFlight = new Set<Promise<unknown>>();
  let count = 0;
  let lineNumber = 0;
  let failure: unknown;
  for await (const line of lines) {
    lineNumber++;
    if (line.trim() === '') continue;
    let event: ExportedEvent;
    try {
      event = JSON.parse(line) as ExportedEvent;
    } catch {
      throw new ImportRefused(`Line ${lineNumber} is not JSON; the file is not an export.`);
    }
    const revision = BigInt(event.revision);
    const append = store
      .append(event.stream, [{ id: event.id, type: event.type, data: event.data, metadata: event.metadata }], {
        expectedRevision: revision === 0n ? 'no_stream' : revision - 1n,
      })
      .catch((error: unknown) => {
        failure ??= new ImportRefused(`Line ${lineNumber} (${event.stream}@${event.revision}) could not be appended: ${(error as Error).message}`);
      })
      .finally(() => inFlight.delete(append));
    inFlight.add(append);
    count++;
    if (inFlight.size >= 512) await Promise.race(inFlight);
    if (failure) break;
    if (count % 1000 === 0) onProgress(count);
  }
  await Promise.all(inFlight);
  if (failure) throw failure;
  onProgress(count);
  return count;
}
