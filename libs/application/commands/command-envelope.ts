/** Who asks, why, and under which guarantees: everything about a command that is not its data. */
export interface CommandEnvelope {
  readonly actor: string;
  readonly role: string;
  readonly correlationId: string;
  /** The event or request that caused this command (process managers pass the causing event id). */
  readonly causationId?: string;
  /** Client-chosen key: a retry with the same key and body appends nothing and returns the first result. */
  readonly idempotencyKey?: string;
  /** Hash of the request body that came with the idempotency key. */
  readonly requestHash?: string;
  /** `If-Match`: the stream revision the client last saw; a mismatch answers 412. */
  readonly expectedRevision?: bigint;
}

export const systemEnvelope = (
  actor: string,
  causation: { id: string; correlationId?: string },
): CommandEnvelope => ({
  actor,
  role: 'system',
  correlationId: causation.correlationId ?? causation.id,
  causationId: causation.id,
  idempotencyKey: `cause:${causation.id}`,
});
