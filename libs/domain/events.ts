/**
 * All domain events in one place: the `DomainEvent` union, their type names, schema versions and the
 * catalog (stream category, when it happens, key fields) used for the README and the AsyncAPI document.
 */
import { EventCatalogEntry } from './shared/catalog';
import { Category } from './shared/stream-name';
import { BLACKOUT_EVENT_CATALOG, BLACKOUT_EVENT_SCHEMA_VERSIONS, BlackoutEvent } from './blackout/events';
import { CI_EVENT_CATALOG, CI_EVENT_SCHEMA_VERSIONS, CiEvent } from './ci/events';
import { RELEASE_EVENT_CATALOG, RELEASE_EVENT_SCHEMA_VERSIONS, ReleaseEvent } from './release/events';
import {
  RELEASE_MODEL_EVENT_CATALOG,
  RELEASE_MODEL_EVENT_SCHEMA_VERSIONS,
  ReleaseModelEvent,
} from './release-model/events';
import { RFC_EVENT_CATALOG, RFC_EVENT_SCHEMA_VERSIONS, RfcEvent } from './rfc/events';
import { SERVICE_EVENT_CATALOG, SERVICE_EVENT_SCHEMA_VERSIONS, ServiceEvent } from './service/events';

export type DomainEvent =
  RfcEvent | ReleaseModelEvent | ReleaseEvent | CiEvent | BlackoutEvent | ServiceEvent;
export type DomainEventType = DomainEvent['type'];

/** Schema version of each event type's `data` (bump it and add an upcaster when a shape changes). */
export const EVENT_SCHEMA_VERSIONS: Readonly<Record<DomainEventType, number>> = {
  ...RFC_EVENT_SCHEMA_VERSIONS,
  ...RELEASE_MODEL_EVENT_SCHEMA_VERSIONS,
  ...RELEASE_EVENT_SCHEMA_VERSIONS,
  ...CI_EVENT_SCHEMA_VERSIONS,
  ...BLACKOUT_EVENT_SCHEMA_VERSIONS,
  ...SERVICE_EVENT_SCHEMA_VERSIONS,
};

export const EVENT_CATALOG: readonly EventCatalogEntry[] = [
  ...RFC_EVENT_CATALOG,
  ...RELEASE_MODEL_EVENT_CATALOG,
  ...RELEASE_EVENT_CATALOG,
  ...CI_EVENT_CATALOG,
  ...BLACKOUT_EVENT_CATALOG,
  ...SERVICE_EVENT_CATALOG,
];

export const ALL_EVENT_TYPES = EVENT_CATALOG.map((e) => e.type) as readonly DomainEventType[];

export const isDomainEventType = (type: string): type is DomainEventType => type in EVENT_SCHEMA_VERSIONS;

/** The stream category an event type is appended to. */
export const categoryOfEventType = (type: DomainEventType): Category =>
  (EVENT_CATALOG.find((e) => e.type === type) as EventCatalogEntry).category;
