import { Injectable } from '@nestjs/common';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { EventStore } from '@rdm/event-store';
import { InjectEventStore } from '@rdm/application';
import { CmdbSyncProcessManager } from '@rdm/application/process-managers';
import { ProjectionRunner } from '@rdm/projections/runner';
import { registerProjectionMetrics } from '../read-models/projection-metrics';

/** Prometheus metrics: process defaults, HTTP traffic, the log head and process-manager lag. */
@Injectable()
export class MetricsService {
  readonly registry = new Registry();
  readonly httpRequests = new Counter({
    name: 'rdm_http_requests_total',
    help: 'HTTP requests by method, route and status',
    labelNames: ['method', 'route', 'status'] as const,
    registers: [this.registry],
  });
  readonly httpDuration = new Histogram({
    name: 'rdm_http_request_duration_seconds',
    help: 'HTTP request latency',
    labelNames: ['method', 'route'] as const,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [this.registry],
  });

  constructor(
    @InjectEventStore() store: EventStore,
    cmdbSync: CmdbSyncProcessManager,
    projections: ProjectionRunner,
  ) {
    registerProjectionMetrics(this.registry, projections);
    collectDefaultMetrics({ register: this.registry, prefix: 'rdm_' });
    new Gauge({
      name: 'rdm_event_store_head_position',
      help: 'Global position of the newest event',
      registers: [this.registry],
      async collect() {
        this.set(Number(await store.headPosition()));
      },
    });
    new Gauge({
      name: 'rdm_process_manager_lag_events',
      help: 'Positions between the log head and what a process manager has examined',
      labelNames: ['name'] as const,
      registers: [this.registry],
      async collect() {
        const head = await store.headPosition();
        const position = cmdbSync.position();
        this.set({ name: 'cmdbSync' }, Number(head > position ? head - position : 0n));
      },
    });
    new Gauge({
      name: 'rdm_process_manager_skipped_total',
      help: 'Commands a process manager could not apply (domain refusals), e.g. unknown CIs',
      labelNames: ['name'] as const,
      registers: [this.registry],
      collect() {
        this.set({ name: 'cmdbSync' }, cmdbSync.skipped.length);
      },
    });
  }
}
