import { Injectable } from '@nestjs/common';
import { CommandBus, QueryBus } from '@nestjs/cqrs';
import { randomUUID } from 'node:crypto';
import { actingRole } from '@rdm/application/auth';
import {
  AggregateName,
  AggregateView,
  CommandEnvelope,
  CommandResult,
  ExecuteDomainCommand,
  GetAggregate,
  requestHash,
  uuidV5,
} from '@rdm/application/commands';
import { Problem } from '@rdm/application/problem';
import { answerWith, HttpReply, HttpRequest, routePattern } from './exchange';

export interface CommandResponse {
  id: string;
  stream: string;
  revision: string;
  events: Array<{ id: string; type: string }>;
  replayed: boolean;
}

/** Turns HTTP requests into domain commands and aggregate reads; controllers only name the command. */
@Injectable()
export class CommandGateway {
  constructor(
    private readonly commands: CommandBus,
    private readonly queries: QueryBus,
  ) {}

  /**
   * A new aggregate's id: derived from the Idempotency-Key when there is one, so a retried creation
   * targets the same stream (and is recognised as a retry) instead of creating a twin.
   */
  newId(request: HttpRequest): string {
    const key = idempotencyKey(request);
    return key
      ? uuidV5(`${request.principal?.keyId}|${key}|${request.method} ${routePattern(request)}`)
      : randomUUID();
  }

  async send(
    request: HttpRequest,
    response: HttpReply,
    aggregate: AggregateName,
    command: { type: string; data: Record<string, unknown> },
    options: { created?: string } = {},
  ): Promise<CommandResponse> {
    // Plain JSON only: DTO instances carry `undefined` for every absent optional field.
    const data = JSON.parse(JSON.stringify(command.data)) as Record<string, unknown>;
    const result = await this.commands.execute<ExecuteDomainCommand, CommandResult>(
      new ExecuteDomainCommand(aggregate, { type: command.type, data }, envelopeOf(request)),
    );
    return respondWith(response, result, options);
  }

  async read(response: HttpReply, aggregate: AggregateName, id: string, what: string): Promise<unknown> {
    const view = await this.queries.execute<GetAggregate, AggregateView>(new GetAggregate(aggregate, id));
    if (view.revision === undefined || view.state === null) {
      throw new Problem(
        404,
        `${kebab(aggregate)}.not-found`,
        `${what} not found`,
        `No ${what.toLowerCase()} with id ${id}.`,
      );
    }
    answerWith(response, { headers: { ETag: `"${view.revision}"` } });
    return view.state;
  }
}

/** Status, ETag, Location and the replay marker of a command's response; the body all commands share. */
export function respondWith(
  response: HttpReply,
  result: CommandResult,
  options: { created?: string } = {},
): CommandResponse {
  answerWith(response, {
    status: options.created ? 201 : 200,
    headers: {
      ETag: `"${result.revision}"`,
      'Idempotent-Replayed': result.replayed ? 'true' : undefined,
      Location: options.created,
    },
  });
  return {
    id: result.id,
    stream: result.stream,
    revision: String(result.revision),
    events: result.events.map(({ id, type }) => ({ id, type })),
    replayed: result.replayed,
  };
}

/** Who asks (key, acting role), correlation, Idempotency-Key with its body hash, and If-Match. */
export function envelopeOf(request: HttpRequest): CommandEnvelope {
  const principal = request.principal!;
  const correlation = header(request, 'x-correlation-id');
  const key = idempotencyKey(request);
  return {
    actor: `${principal.name} (${principal.keyId})`,
    role: actingRole(principal.roles, request.permission!),
    correlationId: correlation && /^[\w.:-]{1,128}$/.test(correlation) ? correlation : randomUUID(),
    idempotencyKey: key,
    requestHash: key
      ? requestHash({
          method: request.method,
          path: (request.originalUrl ?? request.url).split('?')[0],
          body: request.body ?? null,
        })
      : undefined,
    expectedRevision: ifMatch(request),
  };
}

function idempotencyKey(request: HttpRequest): string | undefined {
  const key = header(request, 'idempotency-key');
  if (key === undefined) return undefined;
  if (!/^[\x21-\x7e]{1,255}$/.test(key)) {
    throw new Problem(
      400,
      'invalid-idempotency-key',
      'Invalid Idempotency-Key',
      'Idempotency-Key must be 1–255 visible ASCII characters (a UUID is ideal).',
    );
  }
  return key;
}

function ifMatch(request: HttpRequest): bigint | undefined {
  const value = header(request, 'if-match');
  if (value === undefined || value.trim() === '*') return undefined;
  const match = /^\s*(?:W\/)?"?(-?\d{1,18})"?\s*$/.exec(value);
  if (!match) {
    throw new Problem(
      400,
      'invalid-if-match',
      'Invalid If-Match',
      'If-Match must be the ETag of a previous response, e.g. "3".',
    );
  }
  return BigInt(match[1]);
}

function header(request: HttpRequest, name: string): string | undefined {
  const value = request.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

const kebab = (name: string) => name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
