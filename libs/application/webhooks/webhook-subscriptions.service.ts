import { Injectable } from '@nestjs/common';
import { DomainError, isDomainError } from '@rdm/domain';
import { EventStore, WrongExpectedVersion } from '@rdm/event-store';
import type { RecordedEvent } from '@rdm/event-store';
import { CommandEnvelope } from '../commands/command-envelope';
import { CommandExecutor, CommandResult } from '../commands/command-executor';
import { Problem } from '../problem';
import { InjectEventStore } from '../stores/event-store.provider';
import { generateWebhookSecret, secretFingerprint } from './signature';
import {
  decideWebhookSubscription,
  RegisterWebhookSubscription,
  WEBHOOK_ERROR_STATUS,
  WebhookFilter,
  WebhookSubscription,
  WebhookSubscriptionCommand,
  webhookSubscriptionSpec,
} from './subscription.decider';

export const DISPATCHER_ACTOR = 'system:webhook-dispatcher';

/** Metadata-only stream holding a subscription's HMAC secret: never an event, so never in history or exports. */
export const secretStream = (subscriptionId: string): string => `webhookSecret-${subscriptionId}`;
/** Checkpoint name (CheckpointStore convention: metadata of `checkpoint-<name>`). */
export const checkpointName = (subscriptionId: string): string => `webhook-${subscriptionId}`;

export interface RegisterWebhook {
  readonly subscriptionId: string;
  readonly url: string;
  readonly filter: WebhookFilter;
  readonly maxAttempts?: number;
  /** `now` (default): events appended from now on; `beginning`: the whole history first. */
  readonly startFrom?: 'now' | 'beginning';
  readonly description?: string;
  readonly ownerKeyId: string;
}

export interface RegisteredWebhook {
  readonly result: CommandResult;
  /** Returned by the registering request only (and by an idempotent retry of it). */
  readonly secret: string;
}

/** Commands and reads for webhook subscriptions (the aggregate is `webhookSubscriptionSpec`). */
@Injectable()
export class WebhookSubscriptions {
  constructor(
    @InjectEventStore() private readonly store: EventStore,
    private readonly executor: CommandExecutor,
  ) {}

  async register(input: RegisterWebhook, envelope: CommandEnvelope): Promise<RegisteredWebhook> {
    const command = (secret: string, startAfterPosition: bigint): RegisterWebhookSubscription => ({
      type: 'RegisterWebhookSubscription',
      data: {
        subscriptionId: input.subscriptionId,
        url: input.url,
        filter: input.filter,
        secretFingerprint: secretFingerprint(secret),
        maxAttempts: input.maxAttempts,
        startAfterPosition: startAfterPosition.toString(),
        description: input.description,
        registeredBy: envelope.actor,
        ownerKeyId: input.ownerKeyId,
      },
    });
    // Refuse invalid settings before a secret is stored for a subscription that will never exist.
    const refusal = decideWebhookSubscription(command('', -1n), null, { now: new Date().toISOString() });
    if (isDomainError(refusal)) throw asProblem(refusal);
    const secret = await this.ensureSecret(input.subscriptionId);
    const startAfterPosition = input.startFrom === 'beginning' ? -1n : await this.store.headPosition();
    const result = await this.execute(command(secret, startAfterPosition), envelope);
    return { result, secret };
  }

  pause(
    subscriptionId: string,
    reason: string | undefined,
    envelope: CommandEnvelope,
  ): Promise<CommandResult> {
    return this.execute({ type: 'PauseWebhookSubscription', data: { subscriptionId, reason } }, envelope);
  }

  resume(subscriptionId: string, envelope: CommandEnvelope): Promise<CommandResult> {
    return this.execute({ type: 'ResumeWebhookSubscription', data: { subscriptionId } }, envelope);
  }

  deactivate(
    subscriptionId: string,
    reason: string | undefined,
    envelope: CommandEnvelope,
  ): Promise<CommandResult> {
    return this.execute(
      { type: 'DeactivateWebhookSubscription', data: { subscriptionId, reason } },
      envelope,
    );
  }

  replayParked(subscriptionId: string, envelope: CommandEnvelope): Promise<CommandResult> {
    return this.execute({ type: 'ReplayParkedWebhookEvents', data: { subscriptionId } }, envelope);
  }

  /** Idempotent per (event, replay round): a crash between park and checkpoint parks nothing twice. */
  recordParked(
    subscriptionId: string,
    event: RecordedEvent,
    round: number,
    attempts: number,
    lastError: string,
  ): Promise<CommandResult> {
    return this.execute(
      {
        type: 'RecordWebhookEventParked',
        data: {
          subscriptionId,
          eventId: event.id,
          position: event.position.toString(),
          stream: event.stream,
          eventType: event.type,
          attempts,
          lastError,
        },
      },
      systemEnvelope(event, `webhook-parked:${event.id}:${round}`),
    );
  }

  recordParkedDelivered(subscriptionId: string, event: RecordedEvent, round: number, attempts: number) {
    return this.execute(
      { type: 'RecordParkedWebhookEventDelivered', data: { subscriptionId, eventId: event.id, attempts } },
      systemEnvelope(event, `webhook-delivered:${event.id}:${round}`),
    );
  }

  /** The subscription as folded from its stream (no secret in it: only a fingerprint). */
  async get(subscriptionId: string): Promise<{ state: WebhookSubscription; revision: bigint } | undefined> {
    const { state, revision } = await this.executor.load(webhookSubscriptionSpec, subscriptionId);
    return state && revision !== undefined ? { state, revision } : undefined;
  }

  async secretOf(subscriptionId: string): Promise<string | undefined> {
    const { metadata } = await this.store.getStreamMetadata(secretStream(subscriptionId));
    return typeof metadata.secret === 'string' ? metadata.secret : undefined;
  }

  /** Delivered (or parked) up to this global position; undefined before the first event. */
  async checkpoint(subscriptionId: string): Promise<bigint | undefined> {
    const { metadata } = await this.store.getStreamMetadata(`checkpoint-${checkpointName(subscriptionId)}`);
    return typeof metadata.position === 'string' ? BigInt(metadata.position) : undefined;
  }

  /**
   * The secret is written before the registration event (a subscription never exists without one) and
   * only if none is there yet: a retried registration (same Idempotency-Key, hence same id) and two
   * concurrent ones all end up with the one secret that was stored first.
   */
  private async ensureSecret(subscriptionId: string): Promise<string> {
    const existing = await this.secretOf(subscriptionId);
    if (existing) return existing;
    const secret = generateWebhookSecret();
    try {
      await this.store.setStreamMetadata(
        secretStream(subscriptionId),
        { secret, createdAt: new Date().toISOString() },
        { expectedMetaRevision: -1n },
      );
      return secret;
    } catch (error) {
      if (!(error instanceof WrongExpectedVersion)) throw error;
      const winner = await this.secretOf(subscriptionId);
      if (!winner) throw error;
      return winner;
    }
  }

  private async execute(
    command: WebhookSubscriptionCommand,
    envelope: CommandEnvelope,
  ): Promise<CommandResult> {
    try {
      return await this.executor.execute(webhookSubscriptionSpec, command, envelope);
    } catch (error) {
      if (!isDomainError(error)) throw error;
      throw asProblem(error);
    }
  }
}

/** Webhook refusals as problems with their own status (they are not in the domain's catalogue). */
function asProblem(error: DomainError): Problem {
  const known = WEBHOOK_ERROR_STATUS[error.code];
  return new Problem(known?.status ?? 422, error.code, known?.title ?? error.code, error.message, {
    ...(Object.keys(error.details).length ? { details: error.details } : {}),
  });
}

function systemEnvelope(cause: RecordedEvent, idempotencyKey: string): CommandEnvelope {
  return {
    actor: DISPATCHER_ACTOR,
    role: 'system',
    correlationId: typeof cause.metadata.correlationId === 'string' ? cause.metadata.correlationId : cause.id,
    causationId: cause.id,
    idempotencyKey,
  };
}
