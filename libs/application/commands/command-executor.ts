import { Injectable, Logger } from '@nestjs/common';
import {
  Category,
  Command,
  Decider,
  DomainError,
  Event,
  isDomainError,
  JsonObject,
  JsonValue,
  streamName,
} from '@rdm/domain';
import {
  EventIdConflict,
  EventStore,
  EventToAppend,
  RecordedEvent,
  StreamNotFound,
  WrongExpectedVersion,
} from '@rdm/event-store';
import { InjectEventStore } from '../stores/event-store.provider';
import { ChainTip, chainEvents } from '../audit/hash-chain';
import { Problem } from '../problem';
import { Clock, InjectClock } from './clock';
import { CommandEnvelope } from './command-envelope';
import { newId, uuidV5 } from './deterministic-id';

/** How an aggregate is stored and which cross-aggregate facts its decisions need. */
export interface AggregateSpec<C extends Command, E extends Event, S, Ctx extends { now: string }> {
  readonly category: Category;
  readonly decider: Decider<C, E, S, Ctx>;
  readonly schemaVersions: Readonly<Record<string, number>>;
  readonly idOf: (command: C) => string;
  /** Facts from other aggregates, gathered fresh on every attempt (they may change between retries). */
  readonly gatherContext?: (command: C, state: S) => Promise<Omit<Ctx, 'now' | 'actor'>>;
}

export interface CommandResult {
  readonly stream: string;
  readonly id: string;
  /** Stream revision after the command (use it as `If-Match` / ETag). -1 when the stream is still empty. */
  readonly revision: bigint;
  readonly events: ReadonlyArray<{ id: string; type: string; data: JsonValue }>;
  /** True when this was a retry of an already-applied request and nothing new was appended. */
  readonly replayed: boolean;
}

export interface LoadedAggregate<S> {
  readonly state: S;
  readonly revision: bigint | undefined;
}

const MAX_ATTEMPTS = 5;

/**
 * Load → fold → decide → append with the expected revision read. A concurrent append makes the store
 * refuse ours (WrongExpectedVersion); we re-read and decide again, a bounded number of times, then 409.
 *
 * Streams are folded once and remembered (`KnownStreams`): a later command reads only the events appended
 * since (by anyone: another process, a process manager), so the store stays the judge of what is current.
 */
@Injectable()
export class CommandExecutor {
  private readonly known = new KnownStreams(KNOWN_STREAMS);

  constructor(
    @InjectEventStore() private readonly store: EventStore,
    @InjectClock() private readonly clock: Clock,
  ) {}

  async load<C extends Command, E extends Event, S, Ctx extends { now: string }>(
    spec: AggregateSpec<C, E, S, Ctx>,
    id: string,
  ): Promise<LoadedAggregate<S>> {
    const known = await this.current(spec, streamName(spec.category, id));
    return { state: known.state as S, revision: known.revision };
  }

  /** The stream as the store holds it now: the remembered fold plus whatever was appended since. */
  private async current<C extends Command, E extends Event, S, Ctx extends { now: string }>(
    spec: AggregateSpec<C, E, S, Ctx>,
    stream: string,
  ): Promise<KnownStream> {
    const remembered = this.known.get(stream);
    let events: RecordedEvent[] = [];
    try {
      events = await this.store.readStream(
        stream,
        remembered ? { fromRevision: remembered.revision! + 1n } : undefined,
      );
    } catch (error) {
      if (!(error instanceof StreamNotFound)) throw error;
    }
    if (events.length === 0 && remembered) return remembered;
    const start: KnownStream = remembered ?? {
      state: spec.decider.initialState,
      revision: undefined,
      tip: undefined,
      idempotencyKeys: new Set(),
    };
    const known = fold(spec, start, events);
    if (known.revision !== undefined) this.known.set(stream, known);
    return known;
  }

  async execute<C extends Command, E extends Event, S, Ctx extends { now: string }>(
    spec: AggregateSpec<C, E, S, Ctx>,
    command: C,
    envelope: CommandEnvelope,
  ): Promise<CommandResult> {
    const id = spec.idOf(command);
    const stream = streamName(spec.category, id);
    for (let attempt = 1; ; attempt++) {
      const known = await this.current(spec, stream);
      const { state, revision } = known as { state: S; revision: bigint | undefined };
      const replay =
        envelope.idempotencyKey && known.idempotencyKeys.has(envelope.idempotencyKey)
          ? findReplay(await this.store.readStream(stream), envelope)
          : undefined;
      if (replay)
        return {
          stream,
          id,
          revision: replay[replay.length - 1].revision,
          events: replay.map(({ id: eventId, type, data }) => ({ id: eventId, type, data })),
          replayed: true,
        };
      if (envelope.expectedRevision !== undefined && envelope.expectedRevision !== (revision ?? -1n)) {
        throw new Problem(
          412,
          'precondition-failed',
          'Precondition failed',
          `If-Match expected revision ${envelope.expectedRevision} of ${stream} but it is at ${revision ?? -1n}. Re-read it and retry.`,
          { currentRevision: String(revision ?? -1n) },
        );
      }
      const now = this.clock.now().toISOString();
      const facts = spec.gatherContext ? await spec.gatherContext(command, state) : {};
      const context = { ...facts, now, actor: envelope.actor } as unknown as Ctx;
      const decision = decideSafely(spec, command, state, context);
      if (isDomainError(decision)) throw decision as DomainError;
      if (decision.length === 0)
        return { stream, id, revision: revision ?? -1n, events: [], replayed: false };
      // Each event is chained to the stream's previous one (tamper evidence, see audit/hash-chain).
      const toAppend = chainEvents(
        stream,
        known.tip,
        decision.map((event, index) =>
          toEventToAppend(event, index, stream, revision, envelope, now, spec.schemaVersions),
        ),
      );
      try {
        const result = await this.store.append(stream, toAppend, {
          expectedRevision: revision ?? 'no_stream',
        });
        this.known.advance(stream, known, appended(spec, known, toAppend, result.nextExpectedRevision));
        return {
          stream,
          id,
          revision: result.nextExpectedRevision,
          events: toAppend.map(({ id: eventId, type, data }) => ({ id: eventId, type, data })),
          replayed: false,
        };
      } catch (error) {
        // EventIdConflict: a concurrent retry of the same keyed request won (same ids, other timestamps);
        // the next attempt finds its events and replays them.
        if (!(error instanceof WrongExpectedVersion) && !(error instanceof EventIdConflict)) throw error;
        if (envelope.expectedRevision !== undefined) continue; // the If-Match check above answers 412
        if (attempt >= MAX_ATTEMPTS) {
          throw new Problem(
            409,
            'concurrency-conflict',
            'Concurrent modification',
            `${stream} kept changing while this command was decided (${MAX_ATTEMPTS} attempts). Retry the request.`,
          );
        }
      }
    }
  }
}

const logger = new Logger('CommandExecutor');

/**
 * A decider that throws (rather than refusing) met input its rules never anticipated. The request is
 * answered as invalid — not as a server error — and the crash is logged as the bug it is.
 */
function decideSafely<C extends Command, E extends Event, S, Ctx extends { now: string }>(
  spec: AggregateSpec<C, E, S, Ctx>,
  command: C,
  state: S,
  context: Ctx,
): readonly E[] | DomainError {
  try {
    return spec.decider.decide(command, state, context);
  } catch (error) {
    logger.error(
      `Decider for ${spec.category} crashed on ${command.type}: ${(error as Error).stack ?? String(error)}`,
    );
    throw new Problem(
      422,
      'invalid-command',
      'Command cannot be applied',
      `${command.type} could not be applied to its current state with these values. Check the request against the API documentation.`,
    );
  }
}

/** A retried request: events appended earlier under the same idempotency key (422 if the body differs). */
function findReplay(
  history: readonly RecordedEvent[],
  envelope: CommandEnvelope,
): RecordedEvent[] | undefined {
  if (!envelope.idempotencyKey) return undefined;
  const earlier = history.filter((e) => e.metadata.idempotencyKey === envelope.idempotencyKey);
  if (earlier.length === 0) return undefined;
  if (envelope.requestHash && earlier[0].metadata.requestHash !== envelope.requestHash) {
    throw new Problem(
      422,
      'idempotency-key-reused',
      'Idempotency key reused',
      `Idempotency-Key "${envelope.idempotencyKey}" was already used with a different request body. Use a new key for a new request.`,
    );
  }
  return earlier;
}

function toEventToAppend(
  event: Event,
  index: number,
  stream: string,
  revision: bigint | undefined,
  envelope: CommandEnvelope,
  occurredAt: string,
  schemaVersions: Readonly<Record<string, number>>,
): EventToAppend {
  const metadata: JsonObject = {
    actor: envelope.actor,
    role: envelope.role,
    correlationId: envelope.correlationId,
    causationId: envelope.causationId ?? envelope.correlationId,
    occurredAt,
    schemaVersion: schemaVersions[event.type] ?? 1,
  };
  if (envelope.idempotencyKey) metadata.idempotencyKey = envelope.idempotencyKey;
  if (envelope.requestHash) metadata.requestHash = envelope.requestHash;
  // With a key, ids are derived from it (and the position it was decided at), so two concurrent
  // retries produce identical events and the store's own idempotency drops the second.
  const id = envelope.idempotencyKey
    ? uuidV5(`${stream}|${envelope.idempotencyKey}|${revision ?? -1n}|${index}`)
    : newId();
  return { id, type: event.type, data: event.data as JsonValue, metadata };
}

/** Streams remembered at most (least recently used forgotten first): the working set of commands in flight. */
const KNOWN_STREAMS = 2_000;

/** A stream as folded: its state, revision, newest event's hash-chain link, and the idempotency keys in it. */
interface KnownStream {
  readonly state: unknown;
  readonly revision: bigint | undefined;
  readonly tip: ChainTip | undefined;
  readonly idempotencyKeys: ReadonlySet<string>;
}

function fold<C extends Command, E extends Event, S, Ctx extends { now: string }>(
  spec: AggregateSpec<C, E, S, Ctx>,
  start: KnownStream,
  events: readonly RecordedEvent[],
): KnownStream {
  if (events.length === 0) return start;
  const idempotencyKeys = new Set(start.idempotencyKeys);
  let state = start.state as S;
  for (const event of events) {
    state = spec.decider.evolve(state, { type: event.type, data: event.data } as E);
    const key = event.metadata.idempotencyKey;
    if (typeof key === 'string') idempotencyKeys.add(key);
  }
  const last = events[events.length - 1];
  return { state, revision: last.revision, tip: last, idempotencyKeys };
}

/** The stream after our append: folded from the events as the store keeps them (JSON), not as decided. */
function appended<C extends Command, E extends Event, S, Ctx extends { now: string }>(
  spec: AggregateSpec<C, E, S, Ctx>,
  before: KnownStream,
  events: readonly EventToAppend[],
  nextExpectedRevision: bigint,
): KnownStream {
  let revision = nextExpectedRevision - BigInt(events.length);
  const recorded = events.map((event) => ({
    type: event.type,
    data: JSON.parse(JSON.stringify(event.data)) as JsonValue,
    metadata: event.metadata ?? {},
    revision: ++revision,
  }));
  return fold(spec, before, recorded as unknown as RecordedEvent[]);
}

class KnownStreams {
  private readonly streams = new Map<string, KnownStream>();

  constructor(private readonly capacity: number) {}

  get(stream: string): KnownStream | undefined {
    const known = this.streams.get(stream);
    if (known) {
      this.streams.delete(stream); // most recently used last
      this.streams.set(stream, known);
    }
    return known;
  }

  set(stream: string, known: KnownStream): void {
    this.streams.delete(stream);
    if (this.streams.size >= this.capacity) this.streams.delete(this.streams.keys().next().value as string);
    this.streams.set(stream, known);
  }

  /** After our append: remember the result unless a newer fold of the stream got there first. */
  advance(stream: string, before: KnownStream, after: KnownStream): void {
    const current = this.streams.get(stream);
    if (current && current !== before && (current.revision ?? -1n) >= (after.revision ?? -1n)) return;
    this.set(stream, after);
  }
}
