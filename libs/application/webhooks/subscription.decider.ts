import { assertNever, CATEGORIES, Decider, DomainError, refuse } from '@rdm/domain';
import type { AggregateSpec } from '../commands/command-executor';

/**
 * An integrator's push subscription (webhook), modelled on EventStoreDB persistent subscriptions, kept
 * as an event-sourced aggregate in `subscription-<id>` streams: registration, pause/resume,
 * deactivation, parked events and their replay are all audited events. Deliveries themselves are not
 * events (one per delivered event would double the log): the delivery checkpoint lives in stream
 * metadata (`checkpoint-webhook-<id>`), and the HMAC secret in the metadata of `webhookSecret-<id>`,
 * never in an event (events are immutable and readable by auditors and exports; a secret in one could
 * never be purged). The events carry a fingerprint of the secret instead.
 */

/** Streams whose events never leave through a webhook: API keys (secret hashes) and subscriptions themselves. */
export const UNDELIVERABLE_CATEGORIES: readonly string[] = ['apiKey', 'subscription'];
export const DELIVERABLE_CATEGORIES: readonly string[] = CATEGORIES.filter(
  (category) => !UNDELIVERABLE_CATEGORIES.includes(category),
);
export const DEFAULT_MAX_ATTEMPTS = 5;
export const MAX_MAX_ATTEMPTS = 20;

export interface WebhookFilter {
  readonly categories?: readonly string[];
  readonly eventTypes?: readonly string[];
}

// ---- commands ------------------------------------------------------------------------------------

export type RegisterWebhookSubscription = {
  readonly type: 'RegisterWebhookSubscription';
  readonly data: {
    readonly subscriptionId: string;
    readonly url: string;
    readonly filter: WebhookFilter;
    /** First 16 hex chars of SHA-256(secret): identifies the secret without revealing it. */
    readonly secretFingerprint: string;
    readonly maxAttempts?: number;
    /** Exclusive global position to start after (decimal string; "-1" = the whole history). */
    readonly startAfterPosition: string;
    readonly description?: string;
    readonly registeredBy: string;
    /** The API key that registered it: its owner may manage it. */
    readonly ownerKeyId: string;
  };
};
export type PauseWebhookSubscription = {
  readonly type: 'PauseWebhookSubscription';
  readonly data: { readonly subscriptionId: string; readonly reason?: string };
};
export type ResumeWebhookSubscription = {
  readonly type: 'ResumeWebhookSubscription';
  readonly data: { readonly subscriptionId: string };
};
/** "Delete": the subscription stops for good; its history stays (nothing deletes events). */
export type DeactivateWebhookSubscription = {
  readonly type: 'DeactivateWebhookSubscription';
  readonly data: { readonly subscriptionId: string; readonly reason?: string };
};
/** Sent by the dispatcher when an event failed `maxAttempts` deliveries. */
export type RecordWebhookEventParked = {
  readonly type: 'RecordWebhookEventParked';
  readonly data: {
    readonly subscriptionId: string;
    readonly eventId: string;
    readonly position: string;
    readonly stream: string;
    readonly eventType: string;
    readonly attempts: number;
    readonly lastError: string;
  };
};
/** Moves every parked event to the replay queue; the dispatcher re-delivers them. */
export type ReplayParkedWebhookEvents = {
  readonly type: 'ReplayParkedWebhookEvents';
  readonly data: { readonly subscriptionId: string };
};
/** Sent by the dispatcher when a replayed parked event was delivered: it leaves the parked list. */
export type RecordParkedWebhookEventDelivered = {
  readonly type: 'RecordParkedWebhookEventDelivered';
  readonly data: { readonly subscriptionId: string; readonly eventId: string; readonly attempts: number };
};

export type WebhookSubscriptionCommand =
  | RegisterWebhookSubscription
  | PauseWebhookSubscription
  | ResumeWebhookSubscription
  | DeactivateWebhookSubscription
  | RecordWebhookEventParked
  | ReplayParkedWebhookEvents
  | RecordParkedWebhookEventDelivered;

// ---- events --------------------------------------------------------------------------------------

export type WebhookSubscriptionRegistered = {
  readonly type: 'WebhookSubscriptionRegistered';
  readonly data: {
    readonly subscriptionId: string;
    readonly url: string;
    readonly filter: {
      readonly categories: readonly string[] | null;
      readonly eventTypes: readonly string[] | null;
    };
    readonly secretFingerprint: string;
    readonly maxAttempts: number;
    readonly startAfterPosition: string;
    readonly description: string | null;
    readonly registeredBy: string;
    readonly ownerKeyId: string;
    readonly registeredAt: string;
  };
};
export type WebhookSubscriptionPaused = {
  readonly type: 'WebhookSubscriptionPaused';
  readonly data: {
    readonly subscriptionId: string;
    readonly reason: string | null;
    readonly pausedAt: string;
  };
};
export type WebhookSubscriptionResumed = {
  readonly type: 'WebhookSubscriptionResumed';
  readonly data: { readonly subscriptionId: string; readonly resumedAt: string };
};
export type WebhookSubscriptionDeactivated = {
  readonly type: 'WebhookSubscriptionDeactivated';
  readonly data: {
    readonly subscriptionId: string;
    readonly reason: string | null;
    readonly deactivatedAt: string;
  };
};
export type WebhookEventParked = {
  readonly type: 'WebhookEventParked';
  readonly data: {
    readonly subscriptionId: string;
    readonly eventId: string;
    readonly position: string;
    readonly stream: string;
    readonly eventType: string;
    readonly attempts: number;
    readonly lastError: string;
    readonly parkedAt: string;
  };
};
export type WebhookParkedEventsReplayed = {
  readonly type: 'WebhookParkedEventsReplayed';
  readonly data: {
    readonly subscriptionId: string;
    readonly eventIds: readonly string[];
    /** 1 for the first replay request, then 2, …: tells one replay of an event from the next. */
    readonly round: number;
    readonly requestedAt: string;
  };
};
export type WebhookParkedEventDelivered = {
  readonly type: 'WebhookParkedEventDelivered';
  readonly data: {
    readonly subscriptionId: string;
    readonly eventId: string;
    readonly attempts: number;
    readonly deliveredAt: string;
  };
};

export type WebhookSubscriptionEvent =
  | WebhookSubscriptionRegistered
  | WebhookSubscriptionPaused
  | WebhookSubscriptionResumed
  | WebhookSubscriptionDeactivated
  | WebhookEventParked
  | WebhookParkedEventsReplayed
  | WebhookParkedEventDelivered;

export const WEBHOOK_EVENT_SCHEMA_VERSIONS: Readonly<Record<WebhookSubscriptionEvent['type'], number>> = {
  WebhookSubscriptionRegistered: 1,
  WebhookSubscriptionPaused: 1,
  WebhookSubscriptionResumed: 1,
  WebhookSubscriptionDeactivated: 1,
  WebhookEventParked: 1,
  WebhookParkedEventsReplayed: 1,
  WebhookParkedEventDelivered: 1,
};

// ---- state ---------------------------------------------------------------------------------------

export interface ParkedWebhookEvent {
  readonly eventId: string;
  readonly position: string;
  readonly stream: string;
  readonly eventType: string;
  /** Delivery attempts so far, over every round. */
  readonly attempts: number;
  readonly lastError: string;
  readonly parkedAt: string;
  /** `replaying`: in the replay queue, the dispatcher re-delivers it. */
  readonly status: 'parked' | 'replaying';
  /** The replay round it is queued in (0 while never replayed). */
  readonly replayRound: number;
}

export interface WebhookSubscription {
  readonly subscriptionId: string;
  readonly url: string;
  readonly filter: {
    readonly categories: readonly string[] | null;
    readonly eventTypes: readonly string[] | null;
  };
  readonly secretFingerprint: string;
  readonly maxAttempts: number;
  readonly startAfterPosition: string;
  readonly description: string | null;
  readonly registeredBy: string;
  readonly ownerKeyId: string;
  readonly registeredAt: string;
  readonly status: 'active' | 'paused' | 'deactivated';
  readonly statusChangedAt: string;
  readonly statusReason: string | null;
  /** Parked events not delivered yet, in the order they were parked. */
  readonly parked: readonly ParkedWebhookEvent[];
  readonly replayRounds: number;
  readonly parkedTotal: number;
  readonly replayedDelivered: number;
}

export type WebhookSubscriptionState = WebhookSubscription | null;

export interface WebhookSubscriptionContext {
  readonly now: string;
  readonly actor?: string;
}

// ---- decide --------------------------------------------------------------------------------------

/** Status for each refusal (the API's problem `type` is the code). */
export const WEBHOOK_ERROR_STATUS: Readonly<Record<string, { title: string; status: 404 | 409 | 422 }>> = {
  'webhook.not-found': { title: 'Webhook subscription not found', status: 404 },
  'webhook.already-exists': { title: 'Webhook subscription already exists', status: 409 },
  'webhook.deactivated': { title: 'Webhook subscription is deactivated', status: 409 },
  'webhook.invalid-url': { title: 'Webhook URL is invalid', status: 422 },
  'webhook.invalid-filter': { title: 'Webhook filter is invalid', status: 422 },
  'webhook.invalid-max-attempts': { title: 'maxAttempts is out of range', status: 422 },
  'webhook.invalid-secret': { title: 'Webhook secret fingerprint missing', status: 422 },
};

type Decision = readonly WebhookSubscriptionEvent[] | DomainError;

const notFound = (subscriptionId: string): DomainError =>
  refuse('webhook.not-found', `No webhook subscription ${subscriptionId}.`, { subscriptionId });
const deactivated = (state: WebhookSubscription): DomainError =>
  refuse(
    'webhook.deactivated',
    `Webhook subscription ${state.subscriptionId} was deactivated at ${state.statusChangedAt}; register a new one.`,
    { subscriptionId: state.subscriptionId },
  );

export const decideWebhookSubscription = (
  command: WebhookSubscriptionCommand,
  state: WebhookSubscriptionState,
  context: WebhookSubscriptionContext,
): Decision => {
  switch (command.type) {
    case 'RegisterWebhookSubscription':
      return register(command, state, context);
    case 'PauseWebhookSubscription': {
      if (!state) return notFound(command.data.subscriptionId);
      if (state.status === 'deactivated') return deactivated(state);
      if (state.status === 'paused') return [];
      return [
        {
          type: 'WebhookSubscriptionPaused',
          data: {
            subscriptionId: state.subscriptionId,
            reason: command.data.reason ?? null,
            pausedAt: context.now,
          },
        },
      ];
    }
    case 'ResumeWebhookSubscription': {
      if (!state) return notFound(command.data.subscriptionId);
      if (state.status === 'deactivated') return deactivated(state);
      if (state.status === 'active') return [];
      return [
        {
          type: 'WebhookSubscriptionResumed',
          data: { subscriptionId: state.subscriptionId, resumedAt: context.now },
        },
      ];
    }
    case 'DeactivateWebhookSubscription': {
      if (!state) return notFound(command.data.subscriptionId);
      if (state.status === 'deactivated') return [];
      return [
        {
          type: 'WebhookSubscriptionDeactivated',
          data: {
            subscriptionId: state.subscriptionId,
            reason: command.data.reason ?? null,
            deactivatedAt: context.now,
          },
        },
      ];
    }
    case 'RecordWebhookEventParked': {
      if (!state) return notFound(command.data.subscriptionId);
      const d = command.data;
      // Already parked and not queued for replay: a re-delivery after a crash parked it again; no news.
      if (state.parked.some((p) => p.eventId === d.eventId && p.status === 'parked')) return [];
      return [
        {
          type: 'WebhookEventParked',
          data: {
            subscriptionId: state.subscriptionId,
            eventId: d.eventId,
            position: d.position,
            stream: d.stream,
            eventType: d.eventType,
            attempts: d.attempts,
            lastError: d.lastError.slice(0, 500),
            parkedAt: context.now,
          },
        },
      ];
    }
    case 'ReplayParkedWebhookEvents': {
      if (!state) return notFound(command.data.subscriptionId);
      if (state.status === 'deactivated') return deactivated(state);
      const eventIds = state.parked.filter((p) => p.status === 'parked').map((p) => p.eventId);
      if (eventIds.length === 0) return [];
      return [
        {
          type: 'WebhookParkedEventsReplayed',
          data: {
            subscriptionId: state.subscriptionId,
            eventIds,
            round: state.replayRounds + 1,
            requestedAt: context.now,
          },
        },
      ];
    }
    case 'RecordParkedWebhookEventDelivered': {
      if (!state) return notFound(command.data.subscriptionId);
      if (!state.parked.some((p) => p.eventId === command.data.eventId)) return [];
      return [
        {
          type: 'WebhookParkedEventDelivered',
          data: {
            subscriptionId: state.subscriptionId,
            eventId: command.data.eventId,
            attempts: command.data.attempts,
            deliveredAt: context.now,
          },
        },
      ];
    }
    default:
      return assertNever(command);
  }
};

const register = (
  command: RegisterWebhookSubscription,
  state: WebhookSubscriptionState,
  context: WebhookSubscriptionContext,
): Decision => {
  const d = command.data;
  if (state) {
    return refuse('webhook.already-exists', `Webhook subscription ${d.subscriptionId} already exists.`, {
      subscriptionId: d.subscriptionId,
    });
  }
  const urlProblem = checkUrl(d.url);
  if (urlProblem) return refuse('webhook.invalid-url', urlProblem, { url: d.url.slice(0, 200) });
  const maxAttempts = d.maxAttempts ?? DEFAULT_MAX_ATTEMPTS;
  if (!Number.isInteger(maxAttempts) || maxAttempts < 1 || maxAttempts > MAX_MAX_ATTEMPTS) {
    return refuse(
      'webhook.invalid-max-attempts',
      `maxAttempts must be a whole number from 1 to ${MAX_MAX_ATTEMPTS}.`,
      { maxAttempts },
    );
  }
  const categories = d.filter.categories;
  const unknown = (categories ?? []).filter((c) => !DELIVERABLE_CATEGORIES.includes(c));
  if (categories && (categories.length === 0 || unknown.length > 0)) {
    return refuse(
      'webhook.invalid-filter',
      `filter.categories must be a non-empty subset of: ${DELIVERABLE_CATEGORIES.join(', ')}.`,
      { unknown },
    );
  }
  const eventTypes = d.filter.eventTypes;
  if (
    eventTypes &&
    (eventTypes.length === 0 || eventTypes.some((t) => !/^[A-Za-z][A-Za-z0-9]{0,127}$/.test(t)))
  ) {
    return refuse(
      'webhook.invalid-filter',
      'filter.eventTypes must be a non-empty list of event type names.',
      {
        eventTypes,
      },
    );
  }
  if (!/^[0-9a-f]{16}$/.test(d.secretFingerprint)) {
    return refuse('webhook.invalid-secret', 'The secret fingerprint must be 16 lowercase hex characters.');
  }
  if (!/^-?\d{1,19}$/.test(d.startAfterPosition) || BigInt(d.startAfterPosition) < -1n) {
    return refuse('webhook.invalid-filter', 'startAfterPosition must be a global position (or -1).', {
      startAfterPosition: d.startAfterPosition,
    });
  }
  return [
    {
      type: 'WebhookSubscriptionRegistered',
      data: {
        subscriptionId: d.subscriptionId,
        url: d.url,
        filter: {
          categories: categories ? [...new Set(categories)] : null,
          eventTypes: eventTypes ? [...new Set(eventTypes)] : null,
        },
        secretFingerprint: d.secretFingerprint,
        maxAttempts,
        startAfterPosition: d.startAfterPosition,
        description: d.description ?? null,
        registeredBy: d.registeredBy,
        ownerKeyId: d.ownerKeyId,
        registeredAt: context.now,
      },
    },
  ];
};

/**
 * http and https only, no credentials in the URL (they would end up in logs and events), no fragment.
 * Plain http is accepted for any host (the payload is signed, not encrypted): use https off loopback.
 */
export function checkUrl(value: string): string | null {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return 'url must be an absolute http(s) URL.';
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return 'url must use http or https.';
  if (url.username || url.password) return 'url must not carry credentials; the payload is signed instead.';
  if (url.hash) return 'url must not have a fragment.';
  if (value.length > 2000) return 'url must be at most 2000 characters.';
  return null;
}

// ---- evolve --------------------------------------------------------------------------------------

export const evolveWebhookSubscription = (
  state: WebhookSubscriptionState,
  event: WebhookSubscriptionEvent,
): WebhookSubscriptionState => {
  if (event.type === 'WebhookSubscriptionRegistered') {
    const d = event.data;
    return {
      subscriptionId: d.subscriptionId,
      url: d.url,
      filter: d.filter,
      secretFingerprint: d.secretFingerprint,
      maxAttempts: d.maxAttempts,
      startAfterPosition: d.startAfterPosition,
      description: d.description,
      registeredBy: d.registeredBy,
      ownerKeyId: d.ownerKeyId,
      registeredAt: d.registeredAt,
      status: 'active',
      statusChangedAt: d.registeredAt,
      statusReason: null,
      parked: [],
      replayRounds: 0,
      parkedTotal: 0,
      replayedDelivered: 0,
    };
  }
  if (!state) return state;
  switch (event.type) {
    case 'WebhookSubscriptionPaused':
      return {
        ...state,
        status: 'paused',
        statusChangedAt: event.data.pausedAt,
        statusReason: event.data.reason,
      };
    case 'WebhookSubscriptionResumed':
      return { ...state, status: 'active', statusChangedAt: event.data.resumedAt, statusReason: null };
    case 'WebhookSubscriptionDeactivated':
      return {
        ...state,
        status: 'deactivated',
        statusChangedAt: event.data.deactivatedAt,
        statusReason: event.data.reason,
      };
    case 'WebhookEventParked': {
      const d = event.data;
      const entry: ParkedWebhookEvent = {
        eventId: d.eventId,
        position: d.position,
        stream: d.stream,
        eventType: d.eventType,
        attempts: d.attempts,
        lastError: d.lastError,
        parkedAt: d.parkedAt,
        status: 'parked',
        replayRound: 0,
      };
      const existing = state.parked.findIndex((p) => p.eventId === d.eventId);
      return existing >= 0
        ? {
            ...state,
            parked: state.parked.map((p, i) =>
              i === existing ? { ...entry, replayRound: p.replayRound } : p,
            ),
          }
        : { ...state, parked: [...state.parked, entry], parkedTotal: state.parkedTotal + 1 };
    }
    case 'WebhookParkedEventsReplayed': {
      const ids = new Set(event.data.eventIds);
      return {
        ...state,
        replayRounds: event.data.round,
        parked: state.parked.map((p) =>
          ids.has(p.eventId) ? { ...p, status: 'replaying', replayRound: event.data.round } : p,
        ),
      };
    }
    case 'WebhookParkedEventDelivered':
      return {
        ...state,
        parked: state.parked.filter((p) => p.eventId !== event.data.eventId),
        replayedDelivered: state.replayedDelivered + 1,
      };
    default:
      return assertNever(event);
  }
};

export const webhookSubscriptionDecider: Decider<
  WebhookSubscriptionCommand,
  WebhookSubscriptionEvent,
  WebhookSubscriptionState,
  WebhookSubscriptionContext
> = {
  decide: decideWebhookSubscription,
  evolve: evolveWebhookSubscription,
  initialState: null,
};

/** For `CommandExecutor.execute`: stored in `subscription-<subscriptionId>`, hash-chained like every aggregate. */
export const webhookSubscriptionSpec: AggregateSpec<
  WebhookSubscriptionCommand,
  WebhookSubscriptionEvent,
  WebhookSubscriptionState,
  WebhookSubscriptionContext
> = {
  category: 'subscription',
  decider: webhookSubscriptionDecider,
  schemaVersions: WEBHOOK_EVENT_SCHEMA_VERSIONS,
  idOf: (command) => command.data.subscriptionId,
};
