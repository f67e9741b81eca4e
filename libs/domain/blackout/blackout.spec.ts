import { specFor } from '../shared/spec';
import { BlackoutCommand, ScheduleBlackoutWindow } from './commands';
import { blackoutDecider } from './decider';
import { BlackoutEvent } from './events';

const now = '2025-03-01T10:00:00Z';
const spec = specFor(blackoutDecider, { now });
const blackoutId = 'bo-1';

const scheduleData: ScheduleBlackoutWindow['data'] = {
  blackoutId,
  services: ['payments'],
  environments: ['production'],
  start: '2025-03-20T00:00:00Z',
  end: '2025-03-22T00:00:00Z',
  reason: 'Quarter-end close',
  slaReference: 'SLA-PAY-7.2',
};
const schedule = (overrides: Partial<ScheduleBlackoutWindow['data']> = {}): BlackoutCommand => ({
  type: 'ScheduleBlackoutWindow',
  data: { ...scheduleData, ...overrides },
});
const scheduled: BlackoutEvent = {
  type: 'BlackoutWindowScheduled',
  data: { ...scheduleData, slaReference: 'SLA-PAY-7.2', scheduledAt: now },
};
const cancel = (reason = 'Close moved'): BlackoutCommand => ({
  type: 'CancelBlackoutWindow',
  data: { blackoutId, reason },
});
const cancelled: BlackoutEvent = {
  type: 'BlackoutWindowCancelled',
  data: { blackoutId, reason: 'Close moved', cancelledAt: now },
};

describe('Blackout window', () => {
  describe('schedule', () => {
    it('schedules a window for services and environments', () => {
      const state = spec.given([]).when(schedule()).then([scheduled]);
      expect(state).toMatchObject({ status: 'scheduled', cancelledAt: null });
    });

    it('records a missing SLA reference as null', () => {
      spec
        .given([])
        .when(schedule({ slaReference: undefined }))
        .then([{ type: 'BlackoutWindowScheduled', data: { ...scheduled.data, slaReference: null } }]);
    });

    it('refuses an id that already exists', () => {
      spec.given([scheduled]).when(schedule()).thenRefused('blackout.already-exists');
    });

    it('refuses a window that ends before it starts', () => {
      spec
        .given([])
        .when(schedule({ end: '2025-03-19T00:00:00Z' }))
        .thenRefused('blackout.invalid-window');
    });

    it('refuses times that are not ISO-8601 instants', () => {
      spec
        .given([])
        .when(schedule({ start: 'next tuesday' }))
        .thenRefused('blackout.invalid-window');
    });

    it('refuses a window that is already over', () => {
      spec
        .given([])
        .when(schedule({ start: '2025-02-01T00:00:00Z', end: '2025-02-02T00:00:00Z' }))
        .thenRefused('blackout.invalid-window');
    });

    it('refuses a window without services or environments', () => {
      spec
        .given([])
        .when(schedule({ services: [] }))
        .thenRefused('blackout.invalid-scope');
      spec
        .given([])
        .when(schedule({ environments: [] }))
        .thenRefused('blackout.invalid-scope');
    });

    it('refuses a window without a reason', () => {
      spec
        .given([])
        .when(schedule({ reason: '' }))
        .thenRefused('blackout.reason-required');
    });
  });

  describe('cancel', () => {
    it('cancels a scheduled window', () => {
      const state = spec.given([scheduled]).when(cancel()).then([cancelled]);
      expect(state?.status).toBe('cancelled');
    });

    it('refuses to cancel twice', () => {
      spec.given([scheduled, cancelled]).when(cancel()).thenRefused('blackout.already-cancelled');
    });

    it('refuses to cancel a window that has ended', () => {
      spec
        .given([scheduled])
        .when(cancel(), { now: '2025-04-01T00:00:00Z' })
        .thenRefused('blackout.already-ended');
    });

    it('refuses a cancellation without a reason', () => {
      spec.given([scheduled]).when(cancel(' ')).thenRefused('blackout.reason-required');
    });

    it('refuses to cancel an unknown window', () => {
      spec.given([]).when(cancel()).thenRefused('blackout.not-found');
    });
  });

  it('ignores a cancellation on an empty stream when folding', () => {
    expect(blackoutDecider.evolve(null, cancelled)).toBeNull();
  });
});
