import { Controller, Get, Res } from '@nestjs/common';
import { ApiExcludeEndpoint } from '@nestjs/swagger';
import { Public } from '../http/auth.guard';
import { answerWith, HttpReply } from '../http/exchange';
import { MetricsService } from './metrics.service';

@Controller('metrics')
export class MetricsController {
  constructor(private readonly metrics: MetricsService) {}

  @Get()
  @Public()
  @ApiExcludeEndpoint()
  async scrape(@Res({ passthrough: true }) res: HttpReply): Promise<string> {
    answerWith(res, { headers: { 'Content-Type': this.metrics.registry.contentType } });
    return this.metrics.registry.metrics();
  }
}
