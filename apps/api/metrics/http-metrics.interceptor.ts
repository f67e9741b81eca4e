import { CallHandler, ExecutionContext, Injectable, NestInterceptor } from '@nestjs/common';
import { Observable, finalize } from 'rxjs';
import { HttpReply, HttpRequest, routePattern, statusOf } from '../http/exchange';
import { MetricsService } from './metrics.service';

/** Counts and times every routed request by its route pattern (never the raw URL: bounded label set). */
@Injectable()
export class HttpMetricsInterceptor implements NestInterceptor {
  constructor(private readonly metrics: MetricsService) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const http = context.switchToHttp();
    const request = http.getRequest<HttpRequest>();
    const response = http.getResponse<HttpReply>();
    const route = routePattern(request) ?? 'unmatched';
    const stop = this.metrics.httpDuration.startTimer({ method: request.method, route });
    return next.handle().pipe(
      finalize(() => {
        stop();
        this.metrics.httpRequests.inc({ method: request.method, route, status: String(statusOf(response)) });
      }),
    );
  }
}
