import { EventStore, SqliteEventStore } from '@rdm/event-store';
import { BrokenLink, ChainVerifier } from './hash-chain';

export interface VerifyReport {
  readonly eventsChecked: number;
  readonly streamsChecked: number;
  readonly brokenLinks: BrokenLink[];
  /** Positions missing from the embedded store's dense sequence (events deleted from the file). */
  readonly missingPositions: Array<{ from: bigint; to: bigint }>;
  readonly ok: boolean;
}

/** Re-computes every stream's hash chain over the whole log; the embedded store also checks for gaps. */
export async function verifyStore(store: EventStore, onProgress: (checked: number, head: bigint) => void = () => undefined): Promise<VerifyReport> {
  const verifier = new ChainVerifier();
  const head = await store.headPosition();
  const dense = store instanceof SqliteEventStore;
  const missing: Array<{ from: bigint; to: bigint }> = [];
  let expectedPosition = 1n;
  let checked = 0;
  let after: bigint | 'start' = 'start';
  for (;;) {
    const page = await store.readAll({ after, maxCount: 2000 });
    if (page.length === 0) break;
    for (const event of page) {
      if (dense && event.position !== expectedPosition) missing.push({ from: expectedPosition, to: event.position - 1n });
      expectedPosition = event.position + 1n;
      verifier.check(event);
      checked++;
    }
    after = page[page.length - 1].position;
    onProgress(checked, head);
  }
  if (dense) {
    const assigned = await store.highestAssignedPosition();
    if (assigned >= expectedPosition) missing.push({ from: expectedPosition, to: assigned });
  }
  const brokenLinks = verifier.brokenLinks();
  return { eventsChecked: checked, streamsChecked: verifier.streamsChecked, brokenLinks, missingPositions: missing, ok: brokenLinks.length === 0 && missing.length === 0 };
}
