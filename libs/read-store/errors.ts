/**
 * Errors of the ReadStore adapters beyond `InvalidQuery` (which lives in the port because the API maps it
 * to 400). None of them is retried by the store itself.
 */

/** The store cannot be opened or used (corrupt or locked file, unwritable directory, unreachable server). */
export class ReadStoreUnavailable extends Error {
  override readonly name = 'ReadStoreUnavailable';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

/**
 * A commit whose writes are malformed (bad collection name, document without a string id, a value that is
 * not JSON...). Raised before anything is written: the commit changed nothing, checkpoint included.
 */
export class InvalidWrite extends Error {
  override readonly name = 'InvalidWrite';
}

/**
 * The double-apply guard: a commit's checkpoint must be strictly greater than the stored one. A runner that
 * restarts from a stale position (or two runners of the same projection) gets this instead of applying the
 * same events twice; the commit changed nothing.
 */
export class CheckpointNotAdvanced extends Error {
  override readonly name = 'CheckpointNotAdvanced';
  constructor(
    readonly projection: string,
    readonly stored: bigint,
    readonly attempted: bigint,
  ) {
    super(
      `Projection ${projection} is already at position ${stored}; a commit at ${attempted} would apply events twice`,
    );
  }
}
