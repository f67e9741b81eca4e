import { Inject, Injectable, OnApplicationShutdown, Provider } from '@nestjs/common';
import { ReadStore, SqliteReadStore } from '@rdm/read-store';
import { AppConfig } from '../config/app-config';

export const READ_STORE = Symbol('READ_STORE');
export const InjectReadStore = () => Inject(READ_STORE);

export async function createReadStore(config: AppConfig): Promise<ReadStore> {
  if (config.READ_STORE === 'mongodb') {
    // Loaded only when chosen, so the embedded default never loads the MongoDB driver.
    const { MongoReadStore } = await import('@rdm/read-store/mongodb');
    return MongoReadStore.connect(config.MONGODB_URI!);
  }
  return new SqliteReadStore({ file: config.readStoreFile });
}

export const readStoreProvider: Provider = { provide: READ_STORE, inject: [AppConfig], useFactory: createReadStore };

@Injectable()
export class ReadStoreCloser implements OnApplicationShutdown {
  constructor(@InjectReadStore() private readonly store: ReadStore) {}

  async onApplicationShutdown(): Promise<void> {
    await this.store.close();
  }
}
