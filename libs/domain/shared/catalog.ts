import { Event } from './decider';
import { Category } from './stream-name';

/** What the catalog says about one event type of an aggregate; `keyFields` are checked against its data. */
export type EventCatalogFor<E extends Event> = {
  readonly [K in E['type']]: {
    readonly schemaVersion: number;
    readonly description: string;
    readonly keyFields: ReadonlyArray<keyof Extract<E, { type: K }>['data'] & string>;
  };
};

export interface EventCatalogEntry {
  readonly type: string;
  /** The stream category the event is appended to (`rfc`, `release`, ...). */
  readonly category: Category;
  readonly schemaVersion: number;
  /** When it happens, in one sentence. */
  readonly description: string;
  readonly keyFields: readonly string[];
}

/** Turns an aggregate's typed catalog into the lists the rest of the system uses. */
export const describeEvents = <E extends Event>(category: Category, catalog: EventCatalogFor<E>) => {
  const types = Object.keys(catalog) as Array<E['type']>;
  const entries = types.map((type): EventCatalogEntry => {
    const info = catalog[type];
    return {
      type,
      category,
      schemaVersion: info.schemaVersion,
      description: info.description,
      keyFields: info.keyFields,
    };
  });
  const schemaVersions = Object.fromEntries(
    types.map((type) => [type, catalog[type].schemaVersion]),
  ) as Record<E['type'], number>;
  return { types: types as readonly E['type'][], schemaVersions, entries };
};
