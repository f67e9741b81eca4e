import type { RecordedEvent } from '@rdm/event-store';
import type { ReadDocument, ReadWrite } from '@rdm/read-store';

/** Reads a document as it stands, including writes already made earlier in the same batch. */
export type LoadDocument = <T extends ReadDocument = ReadDocument>(
  collection: string,
  id: string,
) => Promise<T | undefined>;

/**
 * A read model: a name, a version, the events it reads, and a pure `project` from one event (plus the
 * documents it needs) to document writes. Bumping `version` rebuilds it from position 0 into fresh
 * collections and switches readers over once it has caught up.
 */
export interface Projection {
  readonly name: string;
  readonly version: number;
  /** Logical collection names this projection owns (physical names add the version). */
  readonly collections: readonly string[];
  /** Only these event types reach `project` (the runner filters on them). */
  readonly eventTypes: readonly string[];
  project(event: RecordedEvent, load: LoadDocument): Promise<ReadWrite[]>;
  /**
   * Documents kept in memory across batches while building from position 0 (default 50,000). Lower it for
   * big documents of which only a few are read again (the cache's heap is GC work and RSS).
   */
  readonly buildCacheDocuments?: number;
}

/** Physical collection name of a projection version: `<projection>_v<version>_<collection>`. */
export const physicalCollection = (
  projection: Pick<Projection, 'name' | 'version'>,
  collection: string,
): string => `${projection.name}_v${projection.version}_${collection}`;
