import canonicalize from 'canonicalize';
import { createHash } from 'node:crypto';
import type { JsonObject, JsonValue } from '@rdm/domain';
import type { EventToAppend, RecordedEvent } from '@rdm/event-store';

/**
 * Tamper evidence: each event's metadata carries `hash` = SHA-256 of the RFC 8785 canonical JSON of
 * { stream, revision, id, type, data, metadata (without `hash`), previousHash }, where previousHash is
 * the hash of the stream's previous event (null for the first). Editing, removing or reordering a
 * stored event breaks the chain from that point on; `cli verify` finds the first broken link.
 */
export const HASH_ALGORITHM = 'sha256/rfc8785';

export function eventHash(
  fields: {
    stream: string;
    revision: bigint;
    id: string;
    type: string;
    data: JsonValue;
    metadata: JsonObject;
  },
  previousHash: string | null,
): string {
  const { hash: _ignored, ...metadata } = fields.metadata;
  const canonical = canonicalize({
    stream: fields.stream,
    revision: fields.revision.toString(),
    id: fields.id,
    type: fields.type,
    data: fields.data,
    metadata,
    previousHash,
  });
  return createHash('sha256')
    .update(canonical ?? '', 'utf8')
    .digest('hex');
}

/** What chaining needs of the stream's newest event. */
export type ChainTip = Pick<RecordedEvent, 'revision' | 'metadata'>;

/** Adds `previousHash` and `hash` to events about to be appended after `last` (the stream's newest event). */
export function chainEvents(
  stream: string,
  last: ChainTip | undefined,
  events: readonly EventToAppend[],
): EventToAppend[] {
  let previousHash = last ? ((last.metadata.hash as string | undefined) ?? null) : null;
  let revision = last ? last.revision : -1n;
  return events.map((event) => {
    revision += 1n;
    const metadata: JsonObject = { ...(event.metadata ?? {}), previousHash };
    const hash = eventHash(
      { stream, revision, id: event.id, type: event.type, data: event.data, metadata },
      previousHash,
    );
    previousHash = hash;
    return { ...event, metadata: { ...metadata, hash } };
  });
}

export interface BrokenLink {
  readonly stream: string;
  readonly revision: bigint;
  readonly position: bigint;
  readonly reason: string;
}

/**
 * Re-computes one stream's chain event by event (feed events in stream order); reports the first
 * broken link only, since everything after it is unverifiable anyway.
 */
export class ChainVerifier {
  private readonly last = new Map<string, { revision: bigint; hash: string | null }>();
  private readonly broken = new Map<string, BrokenLink>();

  check(event: RecordedEvent): void {
    if (this.broken.has(event.stream)) return;
    const previous = this.last.get(event.stream);
    const expectedRevision = previous ? previous.revision + 1n : 0n;
    const fail = (reason: string): void => {
      this.broken.set(event.stream, {
        stream: event.stream,
        revision: event.revision,
        position: event.position,
        reason,
      });
    };
    if (event.revision !== expectedRevision) {
      return fail(
        `expected revision ${expectedRevision} but found ${event.revision}: events are missing before it`,
      );
    }
    const previousHash = previous?.hash ?? null;
    if ((event.metadata.previousHash ?? null) !== previousHash) {
      return fail('previousHash does not match the hash of the event before it');
    }
    const stored = event.metadata.hash;
    if (typeof stored !== 'string') return fail('the event carries no hash');
    if (eventHash(event, previousHash) !== stored)
      return fail('the event content does not match its hash (edited)');
    this.last.set(event.stream, { revision: event.revision, hash: stored });
  }

  get streamsChecked(): number {
    return this.last.size + this.broken.size;
  }

  brokenLinks(): BrokenLink[] {
    return [...this.broken.values()];
  }
}
