import { Controller, Get, Header } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { buildAsyncApiDocument } from '@rdm/application/integrations/asyncapi';
import { Public } from '../../http/auth.guard';

/** The AsyncAPI 3.0 document of the live event stream, next to the OpenAPI one (public, like /docs). */
@ApiTags('events')
@Controller('docs')
export class AsyncApiController {
  /** Generated once from the event catalog: it only changes with the code. */
  private readonly document = JSON.stringify(buildAsyncApiDocument());

  @Get('asyncapi.json')
  @Public()
  @Header('Content-Type', 'application/json; charset=utf-8')
  @Header('Cache-Control', 'public, max-age=300')
  @ApiOperation({
    summary: 'AsyncAPI 3.0 document of GET /v1/events/stream, generated from the event catalog',
  })
  @ApiOkResponse({ description: 'The AsyncAPI document (JSON)' })
  asyncApi(): string {
    return this.document;
  }
}
