import { specFor } from '../shared/spec';
import { RaiseRfc, RfcCommand } from './commands';
import { rfcDecider } from './decider';
import { RfcAuthorized, RfcEvent, RFC_EVENT_TYPES } from './events';

const now = '2025-03-01T10:00:00Z';
const spec = specFor(rfcDecider, { now, actor: 'cab-chair' });
const rfcId = 'rfc-1';

const raiseData: RaiseRfc['data'] = {
  rfcId,
  title: 'Upgrade payments API to v2',
  changeType: 'normal',
  risk: 'medium',
  impact: 'high',
  services: ['payments'],
  affectedCis: ['ci-payments-api'],
  justification: 'PCI requirement',
  backOutPlan: 'Redeploy v1 package',
};
const raise = (overrides: Partial<RaiseRfc['data']> = {}): RfcCommand => ({
  type: 'RaiseRfc',
  data: { ...raiseData, ...overrides },
});

const raised = (overrides: Partial<RaiseRfc['data']> = {}): RfcEvent => {
  const { description, ...rest } = { ...raiseData, ...overrides };
  return { type: 'RfcRaised', data: { ...rest, description: description ?? '', raisedAt: now } };
};
const assessed: RfcEvent = {
  type: 'RfcAssessed',
  data: { rfcId, risk: 'low', impact: 'medium', assessment: 'Tested in staging', assessedAt: now },
};
const authorized = (authority: 'CAB' | 'ECAB' | 'pre-authorized' = 'CAB'): RfcAuthorized => ({
  type: 'RfcAuthorized',
  data: {
    rfcId,
    authority,
    authorizedBy: authority === 'pre-authorized' ? null : 'cab-chair',
    conditions: null,
    authorizedAt: now,
  },
});
const assess: RfcCommand = {
  type: 'AssessRfc',
  data: { rfcId, risk: 'low', impact: 'medium', assessment: 'Tested in staging' },
};
const authorizeBy = (authority: 'CAB' | 'ECAB'): RfcCommand => ({
  type: 'AuthorizeRfc',
  data: { rfcId, authority },
});
const rejected: RfcEvent = { type: 'RfcRejected', data: { rfcId, reason: 'Too risky', rejectedAt: now } };
const cancelled: RfcEvent = { type: 'RfcCancelled', data: { rfcId, reason: 'Superseded', cancelledAt: now } };
const closed: RfcEvent = {
  type: 'RfcClosed',
  data: { rfcId, outcome: 'successful', notes: null, closedAt: now },
};

describe('RFC', () => {
  it('lists its event types', () => {
    expect(RFC_EVENT_TYPES).toEqual([
      'RfcRaised',
      'RfcAssessed',
      'RfcAuthorized',
      'RfcRejected',
      'RfcCancelled',
      'RfcClosed',
    ]);
  });

  describe('raise', () => {
    it('raises a normal change', () => {
      const state = spec
        .given([])
        .when(raise({ description: 'details' }))
        .then([raised({ description: 'details' })]);
      expect(state?.status).toBe('raised');
    });

    it('authorizes a standard change as it is raised (pre-authorized)', () => {
      const state = spec
        .given([])
        .when(raise({ changeType: 'standard' }))
        .then([raised({ changeType: 'standard' }), authorized('pre-authorized')]);
      expect(state).toMatchObject({ status: 'authorized', authority: 'pre-authorized' });
    });

    it('refuses an id that already exists', () => {
      spec.given([raised()]).when(raise()).thenRefused('rfc.already-exists');
    });

    it('refuses an RFC without justification, services or back-out plan', () => {
      spec
        .given([])
        .when(raise({ justification: ' ', backOutPlan: '', services: [] }))
        .thenRefused('rfc.incomplete', { missing: ['services', 'justification', 'backOutPlan'] });
    });
  });

  describe('assess', () => {
    it('records the assessed risk and impact', () => {
      const state = spec.given([raised()]).when(assess).then([assessed]);
      expect(state).toMatchObject({ status: 'assessed', risk: 'low', impact: 'medium' });
    });

    it('refuses an assessment without findings', () => {
      spec
        .given([raised()])
        .when({ ...assess, data: { ...assess.data, assessment: '' } } as RfcCommand)
        .thenRefused('rfc.incomplete');
    });

    it('refuses to assess an authorized change', () => {
      spec.given([raised(), assessed, authorized()]).when(assess).thenRefused('rfc.already-authorized');
    });

    it('refuses a command on an RFC that was never raised', () => {
      spec.given([]).when(assess).thenRefused('rfc.not-found');
    });
  });

  describe('authorize', () => {
    it('authorizes an assessed normal change by the CAB, recording who and any conditions', () => {
      spec
        .given([raised(), assessed])
        .when({
          type: 'AuthorizeRfc',
          data: { rfcId, authority: 'CAB', conditions: 'Outside business hours' },
        })
        .then([
          { type: 'RfcAuthorized', data: { ...authorized().data, conditions: 'Outside business hours' } },
        ]);
    });

    it('refuses to authorize a normal change before it is assessed', () => {
      spec.given([raised()]).when(authorizeBy('CAB')).thenRefused('rfc.not-assessed');
    });

    it('refuses an ECAB authorization of a normal change', () => {
      spec.given([raised(), assessed]).when(authorizeBy('ECAB')).thenRefused('rfc.authority-mismatch');
    });

    it('authorizes an emergency change by the ECAB without a prior assessment', () => {
      spec
        .given([raised({ changeType: 'emergency' })])
        .when(authorizeBy('ECAB'), { actor: undefined })
        .then([{ type: 'RfcAuthorized', data: { ...authorized('ECAB').data, authorizedBy: null } }]);
    });

    it('refuses to authorize twice', () => {
      spec
        .given([raised({ changeType: 'standard' }), authorized('pre-authorized')])
        .when(authorizeBy('CAB'))
        .thenRefused('rfc.already-authorized');
    });
  });

  describe('reject', () => {
    it('rejects with a reason', () => {
      const state = spec
        .given([raised()])
        .when({ type: 'RejectRfc', data: { rfcId, reason: 'Too risky' } })
        .then([rejected]);
      expect(state).toMatchObject({ status: 'rejected', finalReason: 'Too risky' });
    });

    it('refuses a rejection without a reason', () => {
      spec
        .given([raised()])
        .when({ type: 'RejectRfc', data: { rfcId, reason: '' } })
        .thenRefused('rfc.reason-required');
    });

    it('refuses to reject an authorized change (cancel it instead)', () => {
      spec
        .given([raised(), assessed, authorized()])
        .when({ type: 'RejectRfc', data: { rfcId, reason: 'x' } })
        .thenRefused('rfc.already-authorized');
    });
  });

  describe('cancel', () => {
    it('cancels an authorized change', () => {
      spec
        .given([raised(), assessed, authorized()])
        .when({ type: 'CancelRfc', data: { rfcId, reason: 'Superseded' } })
        .then([cancelled]);
    });

    it('refuses a cancellation without a reason', () => {
      spec
        .given([raised()])
        .when({ type: 'CancelRfc', data: { rfcId, reason: ' ' } })
        .thenRefused('rfc.reason-required');
    });
  });

  describe('close', () => {
    it('closes an authorized change with its outcome', () => {
      const state = spec
        .given([raised(), assessed, authorized()])
        .when({ type: 'CloseRfc', data: { rfcId, outcome: 'backed-out', notes: 'Rolled back after errors' } })
        .then([
          {
            type: 'RfcClosed',
            data: { rfcId, outcome: 'backed-out', notes: 'Rolled back after errors', closedAt: now },
          },
        ]);
      expect(state).toMatchObject({ status: 'closed', outcome: 'backed-out' });
    });

    it('refuses to close a change that was never authorized', () => {
      spec
        .given([raised(), assessed])
        .when({ type: 'CloseRfc', data: { rfcId, outcome: 'successful' } })
        .thenRefused('rfc.not-authorized');
    });
  });

  describe('nothing happens to a rejected, cancelled or closed RFC', () => {
    const finals: Array<[string, RfcEvent[]]> = [
      ['rejected', [raised(), rejected]],
      ['cancelled', [raised(), cancelled]],
      ['closed', [raised(), assessed, authorized(), closed]],
    ];
    it.each(finals)('refuses commands on a %s RFC', (_status, history) => {
      spec.given(history).when(assess).thenRefused('rfc.already-final');
      spec.given(history).when(authorizeBy('CAB')).thenRefused('rfc.already-final');
      spec
        .given(history)
        .when({ type: 'CancelRfc', data: { rfcId, reason: 'x' } })
        .thenRefused('rfc.already-final');
    });
  });

  it('ignores non-creation events on an empty stream when folding', () => {
    expect(rfcDecider.evolve(null, assessed)).toBeNull();
  });
});
