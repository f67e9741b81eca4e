import type { EventStore } from '@rdm/event-store';

/**
 * Process-manager checkpoints live in stream metadata (`checkpoint-<name>`), so they work on every
 * EventStore adapter and never add events to the log.
 */
export class CheckpointStore {
  constructor(private readonly store: EventStore) {}

  async load(name: string): Promise<bigint | undefined> {
    const { metadata } = await this.store.getStreamMetadata(`checkpoint-${name}`);
    return typeof metadata.position === 'string' ? BigInt(metadata.position) : undefined;
  }

  async save(name: string, position: bigint): Promise<void> {
    await this.store.setStreamMetadata(`checkpoint-${name}`, {
      position: position.toString(),
      savedAt: new Date().toISOString(),
    });
  }
}
