/**
 * Every code the domain can refuse with. Codes are stable: they become the API's problem `type`
 * (RFC 9457), so rename only with a deprecation.
 *
 * HTTP status suggestion:
 * - 404 — the command targets an aggregate (or a part of it) that does not exist;
 * - 409 — the aggregate's current state forbids it (already exists, already final, in progress,
 *         conflicting history); the same request may succeed once the state changes;
 * - 422 — a business rule refuses the request as stated (invalid values, missing prerequisites
 *         such as an assessment, an authorized change, a blackout, the promotion order).
 */
import { DomainError, refuse } from './shared/domain-error';

export interface DomainErrorInfo {
  readonly title: string;
  readonly status: 404 | 409 | 422;
}

export const DOMAIN_ERROR_CODES = {
  // RFC (change enablement)
  'rfc.not-found': { title: 'RFC not found', status: 404 },
  'rfc.already-exists': { title: 'RFC already exists', status: 409 },
  'rfc.incomplete': { title: 'RFC is incomplete', status: 422 },
  'rfc.already-final': { title: 'RFC is rejected, cancelled or closed', status: 409 },
  'rfc.already-authorized': { title: 'RFC is already authorized', status: 409 },
  'rfc.not-assessed': { title: 'Normal change not assessed yet', status: 422 },
  'rfc.authority-mismatch': { title: 'Wrong change authority for this change type', status: 422 },
  'rfc.not-authorized': { title: 'RFC is not authorized', status: 409 },
  'rfc.reason-required': { title: 'A reason is required', status: 422 },

  // Release model
  'release-model.not-found': { title: 'Release model not found', status: 404 },
  'release-model.already-exists': { title: 'Release model already exists', status: 409 },
  'release-model.invalid-definition': { title: 'Release model definition is invalid', status: 422 },
  'release-model.unchanged': { title: 'Revision changes nothing', status: 422 },
  'release-model.retired': { title: 'Release model is retired', status: 409 },
  'release-model.invalid-review': { title: 'Review is incomplete', status: 422 },
  'release-model.reason-required': { title: 'A reason is required', status: 422 },

  // Release (release & deployment management)
  'release.not-found': { title: 'Release not found', status: 404 },
  'release.already-exists': { title: 'Release already exists', status: 409 },
  'release.closed': { title: 'Release is closed', status: 409 },
  'release.model-not-found': { title: 'Release model not found', status: 422 },
  'release.model-retired': { title: 'Release model is retired', status: 422 },
  'release.invalid-plan': { title: 'Release plan is invalid', status: 422 },
  'release.rfc-not-found': { title: 'Linked RFC not found', status: 422 },
  'release.rfc-not-usable': { title: 'Linked RFC is rejected, cancelled or closed', status: 422 },
  'release.rfc-already-linked': { title: 'RFC already linked', status: 409 },
  'release.unknown-stage': { title: 'Stage is not in the release model', status: 422 },
  'release.stage-order': { title: 'Stages must be completed in order', status: 422 },
  'release.missing-deliverables': { title: 'Stage deliverables missing', status: 422 },
  'release.deployment-already-exists': { title: 'Deployment already exists', status: 409 },
  'release.unknown-environment': { title: "Environment is not on the model's path", status: 422 },
  'release.invalid-window': { title: 'Deployment window is invalid', status: 422 },
  'release.deployment-in-progress': { title: 'A deployment is still open', status: 409 },
  'release.promotion-order': { title: 'Previous environment not deployed', status: 422 },
  'release.change-not-authorized': { title: 'Linked change not authorized', status: 422 },
  'release.blackout-active': { title: 'Blackout window active', status: 422 },
  'release.deployment-not-found': { title: 'Deployment not found', status: 404 },
  'release.deployment-not-active': { title: 'Deployment is no longer running', status: 409 },
  'release.task-not-found': { title: 'Deployment task not found', status: 404 },
  'release.task-already-finished': { title: 'Deployment task already finished', status: 409 },
  'release.task-order': { title: 'Earlier deployment tasks not completed', status: 422 },
  'release.reason-required': { title: 'A reason is required', status: 422 },
  'release.readiness-incomplete': { title: 'Operational readiness incomplete', status: 422 },
  'release.readiness-already-confirmed': { title: 'Operational readiness already confirmed', status: 409 },
  'release.invalid-exposure': { title: 'Exposure audience or percentage invalid', status: 422 },
  'release.not-deployed-to-production': { title: 'Not deployed to production', status: 422 },
  'release.readiness-required': { title: 'Operational readiness not confirmed', status: 422 },
  'release.exposure-decrease': { title: 'Exposure would decrease', status: 422 },
  'release.nothing-to-roll-back': { title: 'Nothing deployed to roll back', status: 409 },
  'release.invalid-cost': { title: 'Cost item is invalid', status: 422 },
  'release.cost-already-recorded': { title: 'Cost item already recorded', status: 409 },
  'release.review-notes-required': { title: 'Review notes required to close', status: 422 },

  // Configuration item (CMDB)
  'ci.not-found': { title: 'Configuration item not found', status: 404 },
  'ci.already-exists': { title: 'Configuration item already exists', status: 409 },
  'ci.invalid': { title: 'Configuration item is invalid', status: 422 },
  'ci.retired': { title: 'Configuration item is retired', status: 409 },
  'ci.environment-mismatch': { title: 'Change targets another environment', status: 422 },
  'ci.cause-required': { title: 'A cause is required', status: 422 },
  'ci.reason-required': { title: 'A reason is required', status: 422 },
  'ci.revert-conflict': { title: 'Later changes conflict with the revert', status: 409 },

  // Blackout window
  'blackout.not-found': { title: 'Blackout window not found', status: 404 },
  'blackout.already-exists': { title: 'Blackout window already exists', status: 409 },
  'blackout.invalid-window': { title: 'Blackout window times are invalid', status: 422 },
  'blackout.invalid-scope': { title: 'Blackout window needs services and environments', status: 422 },
  'blackout.reason-required': { title: 'A reason is required', status: 422 },
  'blackout.already-cancelled': { title: 'Blackout window already cancelled', status: 409 },
  'blackout.already-ended': { title: 'Blackout window already ended', status: 409 },

  // Service operations signals
  'service.already-recorded': { title: 'Signal already recorded', status: 409 },
  'service.invalid-time': { title: 'Time is not an ISO-8601 instant', status: 422 },
  'service.invalid-period': { title: 'Period ends before it starts', status: 422 },
} as const satisfies Record<string, DomainErrorInfo>;

export type DomainErrorCode = keyof typeof DOMAIN_ERROR_CODES;

export const isDomainErrorCode = (code: string): code is DomainErrorCode => code in DOMAIN_ERROR_CODES;

/** `refuse` restricted to catalogued codes: every refusal in the domain goes through here. */
export const fail = (
  code: DomainErrorCode,
  message: string,
  details?: Record<string, unknown>,
): DomainError => refuse(code, message, details);
