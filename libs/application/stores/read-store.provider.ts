import { Inject, Injectable, OnApplicationShutdown, Provider } from '@nestjs/common';
import { ReadStore, SqliteReadStore } from '@rdm/read-store';
import { AppConfig } from '../config/app-config';

export const READ_STORE = Symbol('READ_STORE');
export const InjectReadStore = () => Inject(READ_STORE);

/** `cacheMib`: the SQLite connection's page cache (see SqliteReadStoreOptions); SQLITE_CACHE_MIB by default. */
export async function createReadStore(
  config: AppConfig,
  tuning: { cacheMib?: number } = {},
): Promise<ReadStore> {
  if (config.READ_STORE === 'mongodb') {
    // Loaded only when chosen, so the embedded default never loads the MongoDB driver.
    const { MongoReadStore } = await import('@rdm/read-store/mongodb');
    return MongoReadStore.connect(config.MONGODB_URI!);
  }
  return new SqliteReadStore({
    file: config.readStoreFile,
    cacheMib: tuning.cacheMib ?? config.SQLITE_CACHE_MIB,
  });
}

export const readStoreProvider: Provider = {
  provide: READ_STORE,
  inject: [AppConfig],
  useFactory: (config: AppConfig) => createReadStore(config),
};

@Injectable()
export class ReadStoreCloser implements OnApplicationShutdown {
  constructor(@InjectReadStore() private readonly store: ReadStore) {}

  async onApplicationShutdown(): Promise<void> {
    await this.store.close();
  }
}
