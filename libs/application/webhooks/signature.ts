import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * Webhook signatures (documented for integrators in apps/api/integrations/webhooks/README.md):
 *
 *   Webhook-Id:        <id of the delivered event>            (the same on every retry: dedupe on it)
 *   Webhook-Timestamp: <unix seconds when this attempt was sent>
 *   Webhook-Signature: v1=<lowercase hex HMAC-SHA256(key, "<Webhook-Timestamp>.<raw body>")>
 *
 * The key is the secret string exactly as returned at registration (`whsec_…`), as UTF-8 bytes.
 */
export const SIGNATURE_VERSION = 'v1';
const SECRET_PREFIX = 'whsec_';

export function generateWebhookSecret(): string {
  return `${SECRET_PREFIX}${randomBytes(32).toString('base64url')}`;
}

/** Identifies a secret without revealing it (recorded in the registration event). */
export function secretFingerprint(secret: string): string {
  return createHash('sha256').update(secret, 'utf8').digest('hex').slice(0, 16);
}

export function signWebhook(secret: string, timestamp: number, body: string): string {
  const mac = createHmac('sha256', Buffer.from(secret, 'utf8'))
    .update(`${timestamp}.${body}`, 'utf8')
    .digest('hex');
  return `${SIGNATURE_VERSION}=${mac}`;
}

/**
 * What a receiver does: recompute the MAC over the raw body, compare in constant time, and refuse
 * timestamps further than `toleranceSeconds` from now (replayed captures). The header may list several
 * space-separated signatures (future secret rotation); one match is enough.
 */
export function verifyWebhook(
  secret: string,
  headers: { id?: string; timestamp?: string; signature?: string },
  body: string,
  options: { toleranceSeconds?: number; nowSeconds?: number } = {},
): boolean {
  const timestamp = Number(headers.timestamp);
  if (!headers.signature || !Number.isInteger(timestamp)) return false;
  const now = options.nowSeconds ?? Math.floor(Date.now() / 1000);
  if (Math.abs(now - timestamp) > (options.toleranceSeconds ?? 300)) return false;
  const expected = Buffer.from(signWebhook(secret, timestamp, body), 'utf8');
  return headers.signature.split(' ').some((candidate) => {
    const actual = Buffer.from(candidate.trim(), 'utf8');
    return actual.length === expected.length && timingSafeEqual(actual, expected);
  });
}
