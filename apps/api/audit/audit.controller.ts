import { Controller, Get, Param } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { ChainVerifier, historyLines } from '@rdm/application/audit';
import { InjectEventStore } from '@rdm/application';
import { Problem } from '@rdm/application/problem';
import { EventStore, StreamNotFound } from '@rdm/event-store';
import { RequirePermission } from '../http/auth.guard';

const STREAM_PATTERN = /^[A-Za-z]+-[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/;

/** Auditors: the full history of any stream, with its hash chain verified on the fly. */
@ApiTags('audit')
@Controller('v1/audit')
export class AuditController {
  constructor(@InjectEventStore() private readonly store: EventStore) {}

  @Get('streams/:stream')
  @RequirePermission('read.audit')
  @ApiOperation({ summary: 'Every event of a stream (who, role, when, what, why) and whether its hash chain verifies' })
  async history(@Param('stream') stream: string) {
    if (!STREAM_PATTERN.test(stream)) {
      throw new Problem(400, 'validation', 'Invalid request', 'The stream must be named category-id, e.g. release-3f2a….');
    }
    let events;
    try {
      events = await this.store.readStream(stream);
    } catch (error) {
      if (error instanceof StreamNotFound) throw new Problem(404, 'stream.not-found', 'Stream not found', `No stream ${stream}.`);
      throw error;
    }
    const verifier = new ChainVerifier();
    events.forEach((event) => verifier.check(event));
    const [broken] = verifier.brokenLinks();
    return {
      stream,
      revision: events[events.length - 1].revision.toString(),
      chain: broken ? { verified: false, brokenAt: broken.revision.toString(), reason: broken.reason } : { verified: true },
      events: historyLines(events),
    };
  }
}
