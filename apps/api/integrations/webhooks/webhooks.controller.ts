import { Body, Controller, Get, HttpCode, Param, Post, Req, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { CommandResult } from '@rdm/application/commands';
import { Problem } from '@rdm/application/problem';
import { WebhookDispatcher, WebhookSubscription, WebhookSubscriptions } from '@rdm/application/webhooks';
import { RequirePermission } from '../../http/auth.guard';
import { CommandGateway, envelopeOf, respondWith } from '../../http/command-gateway';
import { answerWith, HttpReply, HttpRequest } from '../../http/exchange';
import { IdParam } from '../../http/id-param.pipe';
import { RegisterWebhookDto, WebhookReasonDto } from './webhook.dto';

/** At most this many parked events in a GET (the count is always exact). */
const PARKED_SHOWN = 500;

/**
 * Push subscriptions (webhooks) for integrators: register a URL and a filter; events are POSTed as
 * signed CloudEvents, retried with backoff, parked after `maxAttempts`, and parked events can be
 * replayed. See README.md next to this file for the delivery contract and the signature scheme.
 *
 * A webhook is visible to the key that registered it, admins and auditors; it is managed by the key
 * that registered it and admins. The secret is returned once, by the registering request.
 */
@ApiTags('webhooks')
@ApiBearerAuth()
@Controller('v1/webhooks')
export class WebhooksController {
  constructor(
    private readonly webhooks: WebhookSubscriptions,
    private readonly dispatcher: WebhookDispatcher,
    private readonly gateway: CommandGateway,
  ) {}

  @Post()
  @RequirePermission('events.subscribe')
  @ApiOperation({ summary: 'Register a webhook; the signing secret is in this response only' })
  async register(
    @Body() body: RegisterWebhookDto,
    @Req() req: HttpRequest,
    @Res({ passthrough: true }) res: HttpReply,
  ) {
    const subscriptionId = this.gateway.newId(req);
    const { result, secret } = await this.webhooks.register(
      {
        subscriptionId,
        url: body.url,
        filter: {
          ...(body.filter?.categories ? { categories: body.filter.categories } : {}),
          ...(body.filter?.eventTypes ? { eventTypes: body.filter.eventTypes } : {}),
        },
        maxAttempts: body.maxAttempts,
        startFrom: body.startFrom,
        description: body.description,
        ownerKeyId: req.principal!.keyId,
      },
      envelopeOf(req),
    );
    const response = respond(res, result, `/v1/webhooks/${subscriptionId}`);
    answerWith(res, { headers: { 'Cache-Control': 'no-store' } });
    return {
      ...response,
      subscriptionId,
      secret,
      signature: {
        headers: ['Webhook-Id', 'Webhook-Timestamp', 'Webhook-Signature'],
        scheme: 'Webhook-Signature: v1=hex(HMAC-SHA256(secret, "<Webhook-Timestamp>.<raw body>"))',
      },
    };
  }

  @Get(':subscriptionId')
  @RequirePermission('events.subscribe')
  @ApiOperation({
    summary: 'A webhook: settings, status, parked events and delivery progress (never the secret)',
  })
  async get(
    @Param('subscriptionId', IdParam) subscriptionId: string,
    @Req() req: HttpRequest,
    @Res({ passthrough: true }) res: HttpReply,
  ) {
    const { state, revision } = await this.load(subscriptionId, req, 'read');
    const checkpoint = await this.webhooks.checkpoint(subscriptionId);
    answerWith(res, { headers: { ETag: `"${revision}"` } });
    const { parked, ...rest } = state;
    return {
      ...rest,
      parkedCount: parked.length,
      parked: parked.slice(0, PARKED_SHOWN),
      delivery: {
        checkpoint: checkpoint === undefined ? null : checkpoint.toString(),
        ...(this.dispatcher.status(subscriptionId) ?? { running: false }),
      },
    };
  }

  @Post(':subscriptionId/pause')
  @HttpCode(200)
  @RequirePermission('events.subscribe')
  @ApiOperation({ summary: 'Pause deliveries (the checkpoint is kept; nothing is lost)' })
  async pause(
    @Param('subscriptionId', IdParam) subscriptionId: string,
    @Body() body: WebhookReasonDto,
    @Req() req: HttpRequest,
    @Res({ passthrough: true }) res: HttpReply,
  ) {
    await this.load(subscriptionId, req, 'manage');
    const result = await this.webhooks.pause(subscriptionId, body.reason, envelopeOf(req));
    return respond(res, result);
  }

  @Post(':subscriptionId/resume')
  @HttpCode(200)
  @RequirePermission('events.subscribe')
  @ApiOperation({ summary: 'Resume deliveries from the checkpoint' })
  async resume(
    @Param('subscriptionId', IdParam) subscriptionId: string,
    @Req() req: HttpRequest,
    @Res({ passthrough: true }) res: HttpReply,
  ) {
    await this.load(subscriptionId, req, 'manage');
    return respond(res, await this.webhooks.resume(subscriptionId, envelopeOf(req)));
  }

  @Post(':subscriptionId/deactivation')
  @HttpCode(200)
  @RequirePermission('events.subscribe')
  @ApiOperation({ summary: 'Deactivate a webhook for good (its history stays)' })
  async deactivate(
    @Param('subscriptionId', IdParam) subscriptionId: string,
    @Body() body: WebhookReasonDto,
    @Req() req: HttpRequest,
    @Res({ passthrough: true }) res: HttpReply,
  ) {
    await this.load(subscriptionId, req, 'manage');
    return respond(res, await this.webhooks.deactivate(subscriptionId, body.reason, envelopeOf(req)));
  }

  @Post(':subscriptionId/parked/replay')
  @HttpCode(200)
  @RequirePermission('events.subscribe')
  @ApiOperation({ summary: 'Queue every parked event for re-delivery' })
  async replay(
    @Param('subscriptionId', IdParam) subscriptionId: string,
    @Req() req: HttpRequest,
    @Res({ passthrough: true }) res: HttpReply,
  ) {
    await this.load(subscriptionId, req, 'manage');
    const result = await this.webhooks.replayParked(subscriptionId, envelopeOf(req));
    const replayed = result.events[0]?.data as { eventIds?: string[] } | undefined;
    return { ...respond(res, result), replaying: replayed?.eventIds?.length ?? 0 };
  }

  /** 404 when it does not exist or the caller may not see it (no probing of other integrators' ids). */
  private async load(
    subscriptionId: string,
    req: HttpRequest,
    access: 'read' | 'manage',
  ): Promise<{ state: WebhookSubscription; revision: bigint }> {
    const found = await this.webhooks.get(subscriptionId);
    const principal = req.principal!;
    const owner = found?.state.ownerKeyId === principal.keyId;
    const admin = principal.roles.includes('admin');
    if (!found || !(owner || admin || principal.roles.includes('auditor'))) {
      throw new Problem(
        404,
        'webhook.not-found',
        'Webhook subscription not found',
        `No webhook subscription ${subscriptionId}.`,
      );
    }
    if (access === 'manage' && !owner && !admin) {
      throw new Problem(
        403,
        'forbidden',
        'Forbidden',
        'Only the API key that registered this webhook, or an admin, may change it.',
      );
    }
    return found;
  }
}

const respond = (res: HttpReply, result: CommandResult, created?: string) => respondWith(res, result, { created });
