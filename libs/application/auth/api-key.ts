import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { RecordedEvent } from '@rdm/event-store';

/**
 * API keys look like `rdm_<keyId>_<secret>`. Only sha256(secret) is stored (in an `apiKey-<keyId>`
 * stream, so issuing and revoking are audited events); the secret is shown once, at issue time.
 * sha256 is enough here: secrets are 256 random bits, not guessable passwords.
 */
export interface ApiKeyRecord {
  readonly keyId: string;
  readonly name: string;
  readonly roles: readonly string[];
  readonly secretHash: string;
  readonly issuedAt: string;
  readonly revoked: boolean;
}

export const API_KEY_CATEGORY = 'apiKey';

export function generateApiKey(): { keyId: string; secret: string; token: string; secretHash: string } {
  const keyId = randomBytes(12).toString('hex');
  const secret = randomBytes(32).toString('base64url');
  return { keyId, secret, token: `rdm_${keyId}_${secret}`, secretHash: hashSecret(secret) };
}

export const hashSecret = (secret: string): string =>
  createHash('sha256').update(secret, 'utf8').digest('hex');

export function parseToken(token: string): { keyId: string; secret: string } | undefined {
  const match = /^rdm_([0-9a-f]{24})_([A-Za-z0-9_-]{20,100})$/.exec(token);
  return match ? { keyId: match[1], secret: match[2] } : undefined;
}

export function secretMatches(record: ApiKeyRecord, secret: string): boolean {
  const expected = Buffer.from(record.secretHash, 'hex');
  const actual = Buffer.from(hashSecret(secret), 'hex');
  return expected.length === actual.length && timingSafeEqual(expected, actual);
}

/** Folds `ApiKeyIssued` / `ApiKeyRevoked`; the view only ever sees a stream that starts with its issue. */
export function evolveApiKey(state: ApiKeyRecord | undefined, event: RecordedEvent): ApiKeyRecord {
  const data = event.data as Record<string, unknown>;
  if (event.type === 'ApiKeyIssued') {
    return {
      keyId: String(data.keyId),
      name: String(data.name),
      roles: Array.isArray(data.roles) ? data.roles.map(String) : [],
      secretHash: String(data.secretHash),
      issuedAt: String(data.issuedAt),
      revoked: false,
    };
  }
  if (!state) throw new Error(`${event.type} before ApiKeyIssued in ${event.stream}`);
  return event.type === 'ApiKeyRevoked' ? { ...state, revoked: true } : state;
}
