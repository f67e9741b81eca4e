import type { DomainEvent } from '@rdm/domain';
import type { RecordedEvent } from '@rdm/event-store';
import type { ReadDocument, ReadWrite } from '@rdm/read-store';

/**
 * Small helpers shared by projections. Everything here is pure: a projection must produce the same
 * documents from the same events, whenever and however often it runs (rebuild = incremental).
 */

export const upsert = (collection: string, document: ReadDocument): ReadWrite => ({
  kind: 'upsert',
  collection,
  document,
});

export const remove = (collection: string, id: string): ReadWrite => ({ kind: 'delete', collection, id });

/** The recorded event as the domain union, so a `switch (event.type)` narrows `data`. */
export const domainEvent = (event: RecordedEvent): DomainEvent =>
  ({ type: event.type, data: event.data }) as unknown as DomainEvent;

/** When the event happened (its `occurredAt` metadata; the store's time for events without it). */
export const occurredAt = (event: RecordedEvent): string =>
  typeof event.metadata.occurredAt === 'string' ? event.metadata.occurredAt : event.createdAt.toISOString();

export const actorOf = (event: RecordedEvent): string | null =>
  typeof event.metadata.actor === 'string' ? event.metadata.actor : null;

export const roleOf = (event: RecordedEvent): string | null =>
  typeof event.metadata.role === 'string' ? event.metadata.role : null;

/** A global position as a fixed-width string: sorts like the number in every store (bigint-safe). */
export const positionKey = (position: bigint): string => position.toString().padStart(20, '0');

/**
 * An ISO-8601 instant in one canonical form (UTC, milliseconds, `Z`), so stored instants compare as
 * strings in range filters whatever offset the client used. Unparseable input is kept as is.
 */
export const canonicalInstant = (iso: string): string => {
  const ms = Date.parse(iso);
  return Number.isNaN(ms) ? iso : new Date(ms).toISOString();
};

export const unique = <T>(values: Iterable<T>): T[] => [...new Set(values)];

export const sortedUnique = (values: Iterable<string>): string[] => unique(values).sort();
