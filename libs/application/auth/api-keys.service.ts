import { Injectable, Logger, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { streamName } from '@rdm/domain';
import type { EventStore } from '@rdm/event-store';
import { chainEvents } from '../audit/hash-chain';
import { InjectEventStore } from '../stores/event-store.provider';
import { LiveCategoryView } from '../views/live-category-view';
import { Problem } from '../problem';
import {
  API_KEY_CATEGORY,
  ApiKeyRecord,
  evolveApiKey,
  generateApiKey,
  hashSecret,
  parseToken,
  secretMatches,
} from './api-key';
import { isRole, ROLES } from './roles';

export interface Principal {
  readonly keyId: string;
  readonly name: string;
  readonly roles: readonly string[];
}

export interface IssuedKey {
  readonly keyId: string;
  readonly name: string;
  readonly roles: readonly string[];
  /** Shown once; only its hash is stored. */
  readonly token: string;
}

/** API keys as audited events in `apiKey-<keyId>` streams, verified against an in-memory view. */
@Injectable()
export class ApiKeysService implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger('ApiKeys');
  private readonly view: LiveCategoryView<ApiKeyRecord>;

  constructor(@InjectEventStore() private readonly store: EventStore) {
    this.view = new LiveCategoryView<ApiKeyRecord>(store, API_KEY_CATEGORY, evolveApiKey);
  }

  onModuleInit(): void {
    this.view.start();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.view.stop();
  }

  async authenticate(token: string): Promise<Principal | undefined> {
    const parsed = parseToken(token);
    if (!parsed) return undefined;
    let record = this.view.get(streamName('apiKey', parsed.keyId));
    if (!record) {
      await this.view.catchUp(); // a key issued a moment ago, possibly by another process
      record = this.view.get(streamName('apiKey', parsed.keyId));
    }
    if (!record || record.revoked || !secretMatches(record, parsed.secret)) return undefined;
    return { keyId: record.keyId, name: record.name, roles: record.roles };
  }

  async issue(
    name: string,
    roles: readonly string[],
    issuedBy: string,
    presetToken?: string,
  ): Promise<IssuedKey> {
    const unknown = roles.filter((role) => !isRole(role));
    if (roles.length === 0 || unknown.length > 0) {
      throw new Problem(
        422,
        'api-key.invalid-roles',
        'Invalid roles',
        `Roles must be a non-empty subset of: ${ROLES.join(', ')}.`,
        { unknown },
      );
    }
    const preset = presetToken ? parseToken(presetToken) : undefined;
    if (presetToken && !preset) {
      throw new Problem(
        422,
        'api-key.invalid-format',
        'Invalid key format',
        'A preset key must look like rdm_<24 hex chars>_<secret of 20+ url-safe chars>.',
      );
    }
    const generated = preset
      ? { keyId: preset.keyId, token: presetToken!, secretHash: hashSecret(preset.secret) }
      : generateApiKey();
    const issuedAt = new Date().toISOString();
    const stream = streamName('apiKey', generated.keyId);
    const issued = {
      id: randomUUID(),
      type: 'ApiKeyIssued',
      data: { keyId: generated.keyId, name, roles: [...roles], secretHash: generated.secretHash, issuedAt },
      metadata: { actor: issuedBy, role: 'admin', correlationId: randomUUID(), occurredAt: issuedAt, schemaVersion: 1 },
    };
    await this.store.append(stream, chainEvents(stream, undefined, [issued]), { expectedRevision: 'no_stream' });
    return { keyId: generated.keyId, name, roles, token: generated.token };
  }

  async revoke(keyId: string, revokedBy: string, reason: string): Promise<void> {
    await this.view.catchUp();
    const record = this.view.get(streamName('apiKey', keyId));
    if (!record)
      throw new Problem(
        404,
        'api-key.not-found',
        'API key not found',
        `No API key ${keyId}. List keys with GET /v1/api-keys.`,
      );
    if (record.revoked) return;
    const otherAdmins = this.view
      .all()
      .filter((key) => !key.revoked && key.keyId !== keyId && key.roles.includes('admin'));
    if (record.roles.includes('admin') && otherAdmins.length === 0) {
      throw new Problem(
        409,
        'api-key.last-admin',
        'Last admin key',
        'This is the last active admin key; issue another admin key before revoking it.',
      );
    }
    const occurredAt = new Date().toISOString();
    const stream = streamName('apiKey', keyId);
    const [last] = await this.store.readStream(stream, { direction: 'backwards', maxCount: 1 });
    const revoked = {
      id: randomUUID(),
      type: 'ApiKeyRevoked',
      data: { keyId, reason, revokedAt: occurredAt },
      metadata: { actor: revokedBy, role: 'admin', correlationId: randomUUID(), occurredAt, schemaVersion: 1 },
    };
    // At the revision read: a concurrent revocation cannot fork the hash chain.
    await this.store.append(stream, chainEvents(stream, last, [revoked]), { expectedRevision: last.revision });
    await this.view.catchUp(); // the revoked token stops working in this process before we answer
  }

  async list(): Promise<Array<Omit<ApiKeyRecord, 'secretHash'>>> {
    await this.view.catchUp();
    return this.view.all().map(({ secretHash: _hidden, ...rest }) => rest);
  }

  /**
   * A fresh data dir has no key, so nobody could call the API: issue an admin key once and hand it back
   * to be printed. With ADMIN_API_KEY set, that exact key is registered instead (nothing printed).
   */
  async ensureAdminKey(presetToken?: string): Promise<IssuedKey | undefined> {
    await this.view.catchUp();
    if (presetToken) {
      const parsed = parseToken(presetToken);
      if (parsed && this.view.get(streamName('apiKey', parsed.keyId))) return undefined;
      await this.issue('bootstrap admin (ADMIN_API_KEY)', ['admin'], 'system:bootstrap', presetToken);
      return undefined;
    }
    if (this.view.all().some((key) => !key.revoked && key.roles.includes('admin'))) return undefined;
    const issued = await this.issue('bootstrap admin', ['admin'], 'system:bootstrap');
    this.logger.log(`Issued bootstrap admin key ${issued.keyId}`);
    return issued;
  }
}
