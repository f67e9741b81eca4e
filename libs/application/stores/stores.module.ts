import { DynamicModule, Global, Module } from '@nestjs/common';
import { AppConfig } from '../config/app-config';
import { EVENT_STORE, EventStoreCloser, eventStoreProvider } from './event-store.provider';
import { READ_STORE, ReadStoreCloser, readStoreProvider } from './read-store.provider';

/** The stores, chosen by configuration. Global: every feature module uses them. */
@Global()
@Module({})
export class StoresModule {
  static forRoot(config: AppConfig): DynamicModule {
    return {
      module: StoresModule,
      providers: [
        { provide: AppConfig, useValue: config },
        eventStoreProvider,
        EventStoreCloser,
        readStoreProvider,
        ReadStoreCloser,
      ],
      exports: [AppConfig, EVENT_STORE, READ_STORE],
    };
  }
}
