import { CloudEvent } from 'cloudevents';
import { EVENT_CATALOG } from '@rdm/domain';
import type { RecordedEvent } from '@rdm/event-store';
import { chainEvents } from '../audit/hash-chain';
import { cloudEventSource, cloudEventType, toCloudEvent } from './cloud-events';

const recorded = (overrides: Partial<RecordedEvent> = {}): RecordedEvent => {
  const [chained] = chainEvents('release-3f2a9c', undefined, [
    {
      id: '0d7c1a6e-5b0e-4a59-9f57-1f6f0c4c2b11',
      type: 'ReleasePlanned',
      data: { releaseId: '3f2a9c', name: 'Payments 2.4', rfcIds: ['r1'] },
      metadata: {
        actor: 'rita',
        role: 'release-manager',
        correlationId: 'corr-1',
        causationId: 'cause-1',
        occurredAt: '2026-01-05T08:00:00Z',
        schemaVersion: 1,
        idempotencyKey: 'key-1',
        requestHash: 'abc',
      },
    },
  ]);
  return {
    ...chained,
    metadata: chained.metadata ?? {},
    stream: 'release-3f2a9c',
    revision: 0n,
    position: 9_007_199_254_740_993n, // beyond Number.MAX_SAFE_INTEGER, like an EventStoreDB commit position
    createdAt: new Date('2026-01-05T08:00:01.250Z'),
    ...overrides,
  };
};

describe('toCloudEvent', () => {
  it('maps a stored event to a valid CloudEvents 1.0 structured event', () => {
    const event = recorded();
    const cloudEvent = toCloudEvent(event);
    expect(cloudEvent).toEqual({
      specversion: '1.0',
      id: event.id,
      type: 'rdm.ReleasePlanned',
      source: '/rdm/streams/release',
      subject: 'release-3f2a9c',
      time: '2026-01-05T08:00:00.000Z',
      datacontenttype: 'application/json',
      data: event.data,
      position: '9007199254740993',
      revision: '0',
      schemaversion: 1,
      correlationid: 'corr-1',
      causationid: 'cause-1',
      actor: 'rita',
      role: 'release-manager',
      hash: event.metadata.hash,
    });
    expect(cloudEvent.hash).toMatch(/^[0-9a-f]{64}$/);
    // The SDK enforces the spec: required attributes, RFC 3339 time, lowercase alphanumeric extension names.
    const sdkEvent = new CloudEvent(JSON.parse(JSON.stringify(cloudEvent)));
    expect(sdkEvent.validate()).toBe(true);
    expect(sdkEvent.toJSON()).toEqual(
      expect.objectContaining({ id: event.id, position: '9007199254740993' }),
    );
  });

  it('never leaks internal metadata (idempotency key, request hash, previous hash)', () => {
    const json = JSON.stringify(toCloudEvent(recorded()));
    expect(json).not.toContain('key-1');
    expect(json).not.toContain('requestHash');
    expect(json).not.toContain('previousHash');
  });

  it('falls back to createdAt and omits extensions the metadata does not carry', () => {
    const cloudEvent = toCloudEvent(recorded({ metadata: { occurredAt: 'not a date', actor: '' } }));
    expect(cloudEvent.time).toBe('2026-01-05T08:00:01.250Z');
    for (const key of ['schemaversion', 'correlationid', 'causationid', 'actor', 'role', 'hash'])
      expect(cloudEvent).not.toHaveProperty(key);
    expect(new CloudEvent(JSON.parse(JSON.stringify(cloudEvent))).validate()).toBe(true);
  });

  it('extension attribute names satisfy the CloudEvents naming rule', () => {
    const reserved = ['specversion', 'id', 'type', 'source', 'subject', 'time', 'datacontenttype', 'data'];
    const extensions = Object.keys(toCloudEvent(recorded())).filter((key) => !reserved.includes(key));
    expect(extensions.length).toBeGreaterThan(0);
    for (const name of extensions) expect(name).toMatch(/^[a-z0-9]{1,20}$/);
  });

  it('gives every catalogued event type a valid type and source', () => {
    for (const entry of EVENT_CATALOG) {
      const cloudEvent = toCloudEvent(
        recorded({ type: entry.type, stream: `${entry.category}-x1`, data: {} }),
      );
      expect(cloudEvent.type).toBe(cloudEventType(entry.type));
      expect(cloudEvent.source).toBe(cloudEventSource(entry.category));
      expect(new CloudEvent(JSON.parse(JSON.stringify(cloudEvent))).validate()).toBe(true);
    }
  });
});
