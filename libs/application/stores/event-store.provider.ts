import { Inject, Injectable, OnApplicationShutdown, Provider } from '@nestjs/common';
import { EventStore, SqliteEventStore } from '@rdm/event-store';
import { AppConfig } from '../config/app-config';

export const EVENT_STORE = Symbol('EVENT_STORE');
export const InjectEventStore = () => Inject(EVENT_STORE);

/** `cacheMib`: the SQLite connection's page cache (see SqliteEventStoreOptions); SQLITE_CACHE_MIB by default. */
export async function createEventStore(
  config: AppConfig,
  tuning: { cacheMib?: number } = {},
): Promise<EventStore> {
  if (config.EVENT_STORE === 'eventstoredb') {
    // Loaded only when chosen, so the embedded default never loads gRPC.
    const { EventStoreDbEventStore } = await import('@rdm/event-store/eventstoredb');
    return new EventStoreDbEventStore(config.EVENTSTORE_CONNECTION_STRING!);
  }
  return new SqliteEventStore({
    file: config.eventStoreFile,
    synchronous: config.SQLITE_SYNCHRONOUS,
    cacheMib: tuning.cacheMib ?? config.SQLITE_CACHE_MIB,
  });
}

export const eventStoreProvider: Provider = {
  provide: EVENT_STORE,
  inject: [AppConfig],
  useFactory: (config: AppConfig) => createEventStore(config),
};

/** Closes the store last, after in-flight appends have been drained by the adapter. */
@Injectable()
export class EventStoreCloser implements OnApplicationShutdown {
  constructor(@InjectEventStore() private readonly store: EventStore) {}

  async onApplicationShutdown(): Promise<void> {
    await this.store.close();
  }
}
