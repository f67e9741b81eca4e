import type { ReadDocument } from '@rdm/read-store';
import { physicalCollection, Projection } from '../projection';

/**
 * Where one build of a projection lives. A version bump builds `generation` 0 of the new version; an
 * on-demand rebuild (`cli projections rebuild NAME`) builds the next generation of the same version, so
 * readers keep the current one until the new one has caught up.
 */
export interface Slot {
  readonly projection: string;
  readonly version: number;
  readonly generation: number;
}

/** `v3` for generation 0 (exactly `physicalCollection` naming), `v3r2` for the 2nd on-demand rebuild of v3. */
export const slotTag = (slot: Slot): string =>
  slot.generation === 0 ? `v${slot.version}` : `v${slot.version}r${slot.generation}`;

/** The ReadStore checkpoint of a slot: `<projection>@v3` / `<projection>@v3r2`. */
export const slotCheckpoint = (slot: Slot): string => `${slot.projection}@${slotTag(slot)}`;

/** Physical collection of a slot; generation 0 is `physicalCollection(projection, collection)`. */
export const slotCollection = (slot: Slot, collection: string): string =>
  slot.generation === 0
    ? physicalCollection({ name: slot.projection, version: slot.version }, collection)
    : `${slot.projection}_${slotTag(slot)}_${collection}`;

export const slotCollections = (slot: Slot, projection: Pick<Projection, 'collections'>): string[] =>
  projection.collections.map((c) => slotCollection(slot, c));

export const sameSlot = (a: Slot, b: Slot): boolean =>
  a.projection === b.projection && a.version === b.version && a.generation === b.generation;

/** The collection holding one pointer document per projection (id = projection name). */
export const PROJECTIONS_COLLECTION = '_projections';

export type RetiredSlot = {
  readonly version: number;
  readonly generation: number;
  readonly checkpoint: string;
  readonly collections: string[];
};

/**
 * Which slot readers use. Written with `ReadStore.commit` under its own checkpoint
 * (`pointerCheckpoint(name)`, position = `sequence`, +1 per write: the store's double-apply guard wants
 * every commit of a checkpoint to advance it), so a switch-over is one transaction. `previous` stays until
 * its collections are dropped, so a crash between the switch and the drop is finished on the next start.
 */
export type ProjectionPointer = ReadDocument & {
  readonly id: string;
  readonly activeVersion: number;
  readonly activeGeneration: number;
  readonly checkpoint: string;
  readonly collections: string[];
  readonly switchedAt: string;
  readonly previous: RetiredSlot | null;
  /** Number of pointer writes so far (the pointer checkpoint's position). */
  readonly sequence: number;
};

export const pointerCheckpoint = (projection: string): string => `${projection}#pointer`;

export const pointerSlot = (pointer: ProjectionPointer): Slot => ({
  projection: pointer.id,
  version: pointer.activeVersion,
  generation: pointer.activeGeneration,
});
