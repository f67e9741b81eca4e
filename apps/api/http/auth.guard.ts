import {
  applyDecorators,
  CanActivate,
  ExecutionContext,
  HttpException,
  Injectable,
  SetMetadata,
} from '@nestjs/common';
import { ApiBearerAuth, ApiExtension } from '@nestjs/swagger';
import { Reflector } from '@nestjs/core';
import { allows, ApiKeysService, Permission, PERMISSIONS, Principal } from '@rdm/application/auth';
import { Problem } from '@rdm/application/problem';

const PERMISSION_KEY = 'rdm:permission';
const PUBLIC_KEY = 'rdm:public';

/**
 * The permission a route needs (see PERMISSIONS for the roles that hold it). Also published in the
 * OpenAPI document as `x-required-permission` / `x-roles`, so clients can see who may call what.
 */
export const RequirePermission = (permission: Permission) =>
  applyDecorators(
    SetMetadata(PERMISSION_KEY, permission),
    ApiBearerAuth(),
    ApiExtension('x-required-permission', permission),
    ApiExtension('x-roles', [...PERMISSIONS[permission]]),
  );
/** No authentication (health only). */
export const Public = () => SetMetadata(PUBLIC_KEY, true);

export interface AuthenticatedRequest {
  principal?: Principal;
  permission?: Permission;
  headers: Record<string, string | string[] | undefined>;
}

const AUTHENTICATED = Symbol('authenticated');

/**
 * The principal of the request's bearer key (undefined without a valid one), looked up once per
 * request: the rate limiter (which runs first) and the AuthGuard both need it.
 */
export function authenticateOnce(
  keys: ApiKeysService,
  request: object & { headers?: Record<string, string | string[] | undefined> },
): Promise<Principal | undefined> {
  const memo = request as { [AUTHENTICATED]?: Promise<Principal | undefined> };
  if (memo[AUTHENTICATED]) return memo[AUTHENTICATED];
  const token = bearerToken(request.headers?.authorization);
  return (memo[AUTHENTICATED] = token ? keys.authenticate(token) : Promise.resolve(undefined));
}

/** The key of an `Authorization: Bearer <key>` header; undefined for anything else. */
const bearerToken = (header: string | string[] | undefined): string | undefined =>
  typeof header === 'string' && /^Bearer\s+\S/i.test(header)
    ? header.replace(/^Bearer\s+/i, '').trim()
    : undefined;

/** Bearer API keys → roles → permission. A route without a declared permission is refused (deny by default). */
@Injectable()
export class AuthGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly keys: ApiKeysService,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const targets = [context.getHandler(), context.getClass()];
    if (this.reflector.getAllAndOverride<boolean>(PUBLIC_KEY, targets)) return true;
    const request = context.switchToHttp().getRequest<AuthenticatedRequest>();
    if (!bearerToken(request.headers.authorization))
      throw unauthorized('Send an API key as "Authorization: Bearer <key>".');
    const principal = await authenticateOnce(this.keys, request);
    if (!principal) throw unauthorized('The API key is unknown or revoked. Ask an admin for a valid key.');
    const permission = this.reflector.getAllAndOverride<Permission>(PERMISSION_KEY, targets);
    if (!permission)
      throw new Problem(
        403,
        'forbidden',
        'Forbidden',
        'This route declares no permission, so nobody may call it.',
      );
    if (!allows(principal.roles, permission)) {
      throw new Problem(
        403,
        'forbidden',
        'Forbidden',
        `This action needs one of the roles ${PERMISSIONS[permission].join(', ')}; your key has ${principal.roles.join(', ')}.`,
      );
    }
    request.principal = principal;
    request.permission = permission;
    return true;
  }
}

const unauthorized = (detail: string): HttpException =>
  new Problem(401, 'unauthorized', 'Unauthorized', detail) as unknown as HttpException;
