import type { ServerResponse } from 'node:http';
import type { StreamCutoffCode } from '@rdm/application/integrations/asyncapi';
import type { EventStore, RecordedEvent, Subscription } from '@rdm/event-store';
import type { EventsStreamOptions } from './events-stream.options';
import { cutoffFrame, eventFrame, heartbeatFrame, retryFrame } from './sse-frames';
import type { StreamParams } from './stream-params';

export const SSE_HEADERS = {
  'Content-Type': 'text/event-stream',
  'Cache-Control': 'no-cache',
  Connection: 'keep-alive',
  // nginx and friends: do not buffer the stream.
  'X-Accel-Buffering': 'no',
} as const;

export interface SessionHooks {
  onCutoff?(code: StreamCutoffCode, reason: string): void;
}

type DrainOutcome = 'drained' | 'timeout' | 'closed';

/**
 * One consumer's SSE stream: pulls from a catch-up subscription and writes frames in order, one at a
 * time. Nothing is queued in memory but what the response buffers, and that is bounded: above
 * `maxBufferBytes` the session stops pulling and waits for the consumer; if it does not drain within
 * `drainTimeoutMs` it gets a `cutoff` frame saying where to resume and the response ends.
 */
export class EventStreamSession {
  private readonly subscription: Subscription;
  private heartbeat: NodeJS.Timeout | undefined;
  private ended = false;
  /** Frames accepted by `send` and not yet written (at most one per writer: the pump and the heartbeat). */
  private pendingSends = 0;
  private tail: Promise<boolean> = Promise.resolve(true);
  /** True between receiving an event from the subscription and finishing its write. */
  private holding = false;
  /** The resume point the consumer has been sent so far (its `Last-Event-ID` if it read everything). */
  private lastEventId: bigint | undefined;
  private finished: Promise<void> = Promise.resolve();
  /** Ends a pending wait for 'drain' when the session stops. */
  private wakeDrainWaiter: (() => void) | undefined;

  constructor(
    private readonly response: ServerResponse,
    store: EventStore,
    private readonly params: StreamParams,
    private readonly options: EventsStreamOptions,
    private readonly hooks: SessionHooks = {},
  ) {
    this.lastEventId = params.after;
    this.subscription = store.subscribeToAll({ after: params.after ?? 'start', filter: params.filter });
  }

  /** Resolves once the subscription is closed and the session has stopped writing. */
  get done(): Promise<void> {
    return this.finished;
  }

  start(): void {
    const { response } = this;
    // The consumer may have gone while the request was authenticated: its 'close' has already fired.
    if (response.destroyed || !response.socket || response.socket.destroyed) {
      this.stop();
      return;
    }
    response.on('error', () => this.stop());
    response.socket.setNoDelay(true);
    response.socket.setKeepAlive(true, 30_000);
    response.writeHead(200, SSE_HEADERS);
    response.flushHeaders();
    // The response's 'close' fires when the consumer goes away (and after a normal end).
    response.on('close', () => this.stop());
    response.write(retryFrame(this.options.retryMs));
    this.heartbeat = setInterval(() => this.beat(), this.params.heartbeatSeconds * 1000);
    this.heartbeat.unref();
    this.finished = this.pump();
  }

  /** Ends the stream on the server's initiative, with a final `cutoff` frame naming the reason. */
  cutoff(code: StreamCutoffCode, reason: string, endGraceMs = this.options.endGraceMs): void {
    if (this.ended) return;
    if (!this.response.destroyed && !this.response.writableEnded)
      this.response.write(cutoffFrame(code, reason, this.lastEventId));
    this.hooks.onCutoff?.(code, reason);
    this.stop(endGraceMs);
  }

  private resumeHint(): string {
    return this.lastEventId === undefined
      ? 'reconnect (no event was sent yet)'
      : `resume with Last-Event-ID ${this.lastEventId}`;
  }

  private async pump(): Promise<void> {
    const iterator = this.subscription[Symbol.asyncIterator]();
    try {
      for (;;) {
        const result = await iterator.next();
        if (this.ended) break;
        if (result.done) {
          this.cutoff('store-unavailable', `The event subscription ended; ${this.resumeHint()}.`);
          break;
        }
        const event: RecordedEvent = result.value;
        this.holding = true;
        const written = await this.send(() => ({ frame: eventFrame(event), position: event.position }));
        this.holding = false;
        if (!written) break;
      }
    } catch (error) {
      this.cutoff(
        'store-unavailable',
        `The event store failed (${error instanceof Error ? error.message : String(error)}); ${this.resumeHint()} later.`,
      );
    } finally {
      this.stop();
    }
  }

  private beat(): void {
    // Busy writers need no keep-alive, and skipping keeps at most one heartbeat in flight.
    if (this.ended || this.pendingSends > 0) return;
    void this.send(() => {
      const checkpoint = this.holding ? undefined : this.subscription.checkpoint();
      const advanced =
        checkpoint !== undefined &&
        checkpoint >= 0n &&
        (this.lastEventId === undefined || checkpoint > this.lastEventId);
      return advanced
        ? { frame: heartbeatFrame(new Date(), checkpoint), position: checkpoint }
        : { frame: heartbeatFrame(new Date()) };
    });
  }

  /** Serializes writes; the frame is built when its turn comes. Never rejects. */
  private send(build: () => { frame: string; position?: bigint }): Promise<boolean> {
    this.pendingSends += 1;
    const result = this.tail
      .then(() => this.write(build))
      .catch(() => false)
      .finally(() => {
        this.pendingSends -= 1;
      });
    this.tail = result;
    return result;
  }

  private async write(build: () => { frame: string; position?: bigint }): Promise<boolean> {
    const { response } = this;
    if (this.ended || response.destroyed || response.writableEnded) return false;
    const { frame, position } = build();
    const accepted = response.write(frame);
    if (position !== undefined) this.lastEventId = position;
    if (accepted || response.writableLength <= this.options.maxBufferBytes) return true;
    const outcome = await this.waitForDrain();
    if (outcome === 'drained') return true;
    if (outcome === 'timeout') {
      this.cutoff(
        'slow-consumer',
        `consumer too slow: ${response.writableLength} bytes still unread after ${this.options.drainTimeoutMs} ms ` +
          `(buffer limit ${this.options.maxBufferBytes} bytes); ${this.resumeHint()}`,
      );
    }
    return false;
  }

  private waitForDrain(): Promise<DrainOutcome> {
    const { response } = this;
    return new Promise<DrainOutcome>((resolve) => {
      const settle = (outcome: DrainOutcome) => {
        this.wakeDrainWaiter = undefined;
        clearTimeout(timer);
        response.off('drain', onDrain);
        response.off('close', onClose);
        resolve(outcome);
      };
      const onDrain = () => settle('drained');
      const onClose = () => settle('closed');
      const timer = setTimeout(() => settle('timeout'), this.options.drainTimeoutMs);
      response.on('drain', onDrain);
      response.on('close', onClose);
      this.wakeDrainWaiter = onClose;
      if (response.destroyed || this.ended) settle('closed');
    });
  }

  /**
   * Stops pulling and ends the response. A consumer that does not read the last frames within
   * `endGraceMs` has its socket destroyed, so nothing stays buffered for it.
   */
  private stop(endGraceMs = this.options.endGraceMs): void {
    if (this.ended) return;
    this.ended = true;
    if (this.heartbeat) clearInterval(this.heartbeat);
    this.wakeDrainWaiter?.();
    void this.subscription.close().catch(() => undefined);
    const { response } = this;
    if (response.destroyed || response.writableFinished) return;
    if (!response.writableEnded) response.end();
    const timer = setTimeout(() => response.destroy(), endGraceMs);
    timer.unref();
    response.once('close', () => clearTimeout(timer));
  }
}
