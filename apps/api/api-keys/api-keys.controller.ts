import { Body, Controller, Get, HttpCode, Param, Post, Req, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiKeysService, IssuedKey } from '@rdm/application/auth';
import { RequirePermission } from '../http/auth.guard';
import { answerWith, HttpReply, HttpRequest } from '../http/exchange';
import { IdParam } from '../http/id-param.pipe';
import { IssueApiKeyDto, RevokeApiKeyDto } from './api-key.dto';

/** Who did it, in the same form as command metadata (`name (keyId)`). */
const issuerOf = (req: HttpRequest): string =>
  `${req.principal?.name ?? 'unknown'} (${req.principal?.keyId ?? 'unknown'})`;

/**
 * API keys (admins only). Issuing and revoking are audited events in `apiKey-<keyId>` streams; only a
 * hash of the secret is stored, and the token is returned once, by the issuing request.
 */
@ApiTags('api-keys')
@ApiBearerAuth()
@Controller('v1/api-keys')
export class ApiKeysController {
  constructor(private readonly keys: ApiKeysService) {}

  @Post()
  @RequirePermission('keys.manage')
  @ApiOperation({ summary: 'Issue an API key with roles; the token is shown in this response only' })
  async issue(
    @Body() body: IssueApiKeyDto,
    @Req() req: HttpRequest,
    @Res({ passthrough: true }) res: HttpReply,
  ): Promise<IssuedKey> {
    const issued = await this.keys.issue(body.name, [...new Set(body.roles)], issuerOf(req));
    answerWith(res, { status: 201, headers: { 'Cache-Control': 'no-store' } });
    return { keyId: issued.keyId, name: issued.name, roles: issued.roles, token: issued.token };
  }

  @Get()
  @RequirePermission('keys.manage')
  @ApiOperation({ summary: 'Every API key (issued and revoked), without secrets' })
  async list() {
    const items = await this.keys.list();
    // Only the public fields, whatever the record grows into.
    return {
      items: items.map(({ keyId, name, roles, issuedAt, revoked }) => ({
        keyId,
        name,
        roles,
        issuedAt,
        revoked,
      })),
    };
  }

  @Post(':keyId/revocation')
  @HttpCode(200)
  @RequirePermission('keys.manage')
  @ApiOperation({ summary: 'Revoke an API key with a reason (revoking a revoked key changes nothing)' })
  async revoke(
    @Param('keyId', IdParam) keyId: string,
    @Body() body: RevokeApiKeyDto,
    @Req() req: HttpRequest,
  ) {
    await this.keys.revoke(keyId, issuerOf(req), body.reason);
    // revoke() appends without waiting for the live key view that authenticate() reads; list() catches
    // the view up, so once this answers, this process refuses the token (no window where it still works).
    await this.keys.list();
    return { keyId, revoked: true };
  }
}
