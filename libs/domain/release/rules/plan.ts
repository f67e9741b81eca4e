import { fail } from '../../errors';
import { DomainError } from '../../shared/domain-error';
import { duplicates, isBlank } from '../../shared/text';
import { isValidWindow } from '../../shared/time';
import { FINAL_RFC_STATUSES } from '../../rfc/state';
import { LinkRfcToRelease, PlanRelease } from '../commands';
import type { ReleaseDecision } from '../decide';
import type { ReleaseContext, RfcFact } from '../decider';
import { Release, ReleaseState } from '../state';

/** Linked RFCs must exist and still be live (not rejected, cancelled or closed). */
const checkRfcs = (rfcIds: readonly string[], facts: readonly RfcFact[]): DomainError | null => {
  const missing = rfcIds.filter((id) => !facts.some((f) => f.rfcId === id));
  if (missing.length > 0) {
    return fail(
      'release.rfc-not-found',
      `RFC ${missing.join(', ')} does not exist; raise it or fix the id.`,
      { rfcIds: missing },
    );
  }
  const unusable = facts.filter((f) => rfcIds.includes(f.rfcId) && FINAL_RFC_STATUSES.includes(f.status));
  if (unusable.length > 0) {
    return fail(
      'release.rfc-not-usable',
      `RFC ${unusable.map((f) => `${f.rfcId} (${f.status})`).join(', ')} can no longer carry a release; link a live RFC.`,
      { rfcs: unusable },
    );
  }
  return null;
};

export const decidePlanRelease = (
  command: PlanRelease,
  state: ReleaseState,
  context: ReleaseContext,
): ReleaseDecision => {
  const d = command.data;
  if (state !== null)
    return fail('release.already-exists', `Release ${d.releaseId} already exists; use a new id.`);
  const model = context.model;
  if (model === null || model === undefined || model.modelId !== d.modelId) {
    return fail(
      'release.model-not-found',
      `Release model ${d.modelId} does not exist; define it or pick another model.`,
    );
  }
  // A retired model describes a procedure nobody should follow any more.
  if (model.status === 'retired') {
    return fail(
      'release.model-retired',
      `Release model ${d.modelId} is retired; plan the release with a current model.`,
      {
        modelId: d.modelId,
      },
    );
  }
  const path = model.definition.environmentPath;
  const problems = [
    isBlank(d.name) && 'name is required',
    d.services.length === 0 && 'at least one service is required',
    isBlank(d.releaseManager) && 'releaseManager is required',
    !isValidWindow(d.plannedWindow) && 'plannedWindow needs ISO-8601 start and end, end after start',
    ...d.manifest
      .filter((m) => !path.includes(m.environment))
      .map((m) => `manifest: ${m.ciId} targets ${m.environment}, which is not on the path ${path.join('→')}`),
    ...duplicates(d.manifest.map((m) => `${m.ciId}@${m.environment}`)).map(
      (key) => `manifest: ${key} appears twice`,
    ),
    ...duplicates(d.rfcIds).map((id) => `RFC ${id} is linked twice`),
  ].filter((p): p is string => typeof p === 'string');
  if (problems.length > 0)
    return fail('release.invalid-plan', `Fix the release plan: ${problems.join('; ')}.`, { problems });
  const rfcProblem = checkRfcs(d.rfcIds, context.rfcs ?? []);
  if (rfcProblem) return rfcProblem;
  return [
    {
      type: 'ReleasePlanned',
      data: {
        releaseId: d.releaseId,
        name: d.name,
        description: d.description ?? '',
        model: { modelId: model.modelId, version: model.version, ...model.definition },
        rfcIds: d.rfcIds,
        services: d.services,
        manifest: d.manifest,
        plannedWindow: d.plannedWindow,
        releaseManager: d.releaseManager,
        plannedAt: context.now,
      },
    },
  ];
};

export const decideLinkRfc = (
  command: LinkRfcToRelease,
  state: Release,
  context: ReleaseContext,
): ReleaseDecision => {
  const { rfcId } = command.data;
  if (state.rfcIds.includes(rfcId))
    return fail('release.rfc-already-linked', `RFC ${rfcId} is already linked to this release.`);
  const rfcProblem = checkRfcs([rfcId], context.rfcs ?? []);
  if (rfcProblem) return rfcProblem;
  return [{ type: 'RfcLinkedToRelease', data: { releaseId: state.releaseId, rfcId, linkedAt: context.now } }];
};
