import { Injectable, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { blackoutDecider, BlackoutEvent, BlackoutState, BlackoutWindow } from '@rdm/domain';
import type { EventStore } from '@rdm/event-store';
import { InjectEventStore } from '../stores/event-store.provider';
import { LiveCategoryView } from './live-category-view';

/** Every blackout window, kept live in memory: production deployments are checked against it. */
@Injectable()
export class BlackoutCalendar implements OnModuleInit, OnApplicationShutdown {
  private readonly view: LiveCategoryView<BlackoutState>;

  constructor(@InjectEventStore() store: EventStore) {
    this.view = new LiveCategoryView<BlackoutState>(store, 'blackout', (state, event) =>
      blackoutDecider.evolve(state ?? blackoutDecider.initialState, {
        type: event.type,
        data: event.data,
      } as BlackoutEvent),
    );
  }

  onModuleInit(): void {
    this.view.start();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.view.stop();
  }

  /** Non-cancelled windows, as of now (waits until the view has seen every committed event). */
  async activeWindows(): Promise<BlackoutWindow[]> {
    await this.view.catchUp();
    return this.view.all().filter((w): w is BlackoutWindow => w !== null && w.status !== 'cancelled');
  }
}
