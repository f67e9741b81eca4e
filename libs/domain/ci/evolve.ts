import { assertNever } from '../shared/decider';
import { JsonObject } from '../shared/json';
import { AttributeChange, CiEvent } from './events';
import { AttributeProvenance, CiState } from './state';

/** Applies changes to the attribute map; a `null` value removes the attribute. */
const applyChanges = (attributes: JsonObject, changes: readonly AttributeChange[]): JsonObject => {
  const next: JsonObject = { ...attributes };
  for (const { attribute, to } of changes) {
    if (to === null) delete next[attribute];
    else next[attribute] = to;
  }
  return next;
};

const withProvenance = (
  provenance: Readonly<Record<string, AttributeProvenance>>,
  changes: readonly AttributeChange[],
  source: AttributeProvenance,
): Record<string, AttributeProvenance> => ({
  ...provenance,
  ...Object.fromEntries(changes.map((c) => [c.attribute, source])),
});

export const evolveCi = (state: CiState, event: CiEvent): CiState => {
  if (event.type === 'CiRegistered') {
    const { registeredAt, attributes, ...rest } = event.data;
    const source: AttributeProvenance = {
      kind: 'registration',
      releaseId: null,
      deploymentId: null,
      cause: 'registration',
      at: registeredAt,
    };
    return {
      ...rest,
      attributes: applyChanges(
        {},
        Object.entries(attributes).map(([attribute, to]) => ({ attribute, from: null, to })),
      ),
      provenance: Object.fromEntries(Object.keys(attributes).map((a) => [a, source])),
      releaseChanges: [],
      status: 'active',
      registeredAt,
      retiredAt: null,
    };
  }
  if (state === null) return state; // cannot happen in a valid stream; ignore rather than break a replay
  switch (event.type) {
    case 'CiAttributesChanged': {
      const { releaseId, deploymentId, cause, changes, changedAt } = event.data;
      const source: AttributeProvenance = {
        kind: releaseId === null ? 'manual' : 'release',
        releaseId,
        deploymentId,
        cause,
        at: changedAt,
      };
      const recorded =
        releaseId === null || deploymentId === null
          ? []
          : changes.map((c) => ({
              releaseId,
              deploymentId,
              attribute: c.attribute,
              from: c.from,
              to: c.to,
              reverted: false,
            }));
      return {
        ...state,
        attributes: applyChanges(state.attributes, changes),
        provenance: withProvenance(state.provenance, changes, source),
        releaseChanges: [...state.releaseChanges, ...recorded],
      };
    }
    case 'CiAttributesReverted': {
      const { releaseId, deploymentId, reverts, reason, revertedAt } = event.data;
      const source: AttributeProvenance = {
        kind: 'revert',
        releaseId,
        deploymentId,
        cause: `revert of release ${releaseId}: ${reason}`,
        at: revertedAt,
      };
      return {
        ...state,
        attributes: applyChanges(state.attributes, reverts),
        provenance: withProvenance(state.provenance, reverts, source),
        releaseChanges: state.releaseChanges.map((c) =>
          c.releaseId === releaseId && (deploymentId === null || c.deploymentId === deploymentId)
            ? { ...c, reverted: true }
            : c,
        ),
      };
    }
    case 'CiRetired':
      return { ...state, status: 'retired', retiredAt: event.data.retiredAt };
    default:
      return assertNever(event);
  }
};
