import type { ReadStore } from '@rdm/read-store';
import type { Projection } from '../projection';
import { Slot, slotCollection } from './slots';

/**
 * What a query needs: the store and the physical name of each logical collection of the projection's
 * ACTIVE slot, resolved once per request (so one query never mixes two versions during a switch-over).
 */
export interface ReadModelView {
  readonly store: ReadStore;
  readonly slot: Slot;
  /** Physical collection name of a logical collection of the active slot. */
  collection(logical: string): string;
}

export const readModelView = (
  store: ReadStore,
  projection: Pick<Projection, 'name' | 'collections'>,
  slot: Slot,
): ReadModelView => ({
  store,
  slot,
  collection: (logical) => {
    if (!projection.collections.includes(logical)) {
      throw new Error(`Projection ${projection.name} has no collection "${logical}"`);
    }
    return slotCollection(slot, logical);
  },
});

/** The view of a projection's generation-0 slot of its registered version (tests, tools). */
export const viewOfVersion = (
  store: ReadStore,
  projection: Pick<Projection, 'name' | 'version' | 'collections'>,
): ReadModelView =>
  readModelView(store, projection, {
    projection: projection.name,
    version: projection.version,
    generation: 0,
  });
