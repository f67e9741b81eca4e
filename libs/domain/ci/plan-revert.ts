import { AttributeChange, RevertConflict } from './events';
import { deepEqual, ownValue } from '../shared/json';
import { ConfigurationItem } from './state';

export interface RevertPlan {
  /** Attributes that can be restored safely: they still hold what the release set. */
  readonly reverts: readonly AttributeChange[];
  /** Attributes changed again after the release; restoring them would lose that later change. */
  readonly conflicts: readonly RevertConflict[];
  /** False when the release has no unreverted changes on this CI (reverting is then a no-op). */
  readonly hasChanges: boolean;
}

/**
 * What reverting `releaseId` (optionally only `deploymentId`) would do to this CI. Pure; the rollback
 * tooling shows it before anyone decides to force.
 *
 * Per attribute, the release's first unreverted change gives the value to restore (`from`) and its last
 * one the value the release left (`expected`). If the attribute no longer holds `expected`, a later change
 * altered it: that is a conflict.
 */
export const planRevert = (
  state: ConfigurationItem,
  releaseId: string,
  deploymentId?: string,
): RevertPlan => {
  const relevant = state.releaseChanges.filter(
    (c) =>
      !c.reverted &&
      c.releaseId === releaseId &&
      (deploymentId === undefined || c.deploymentId === deploymentId),
  );
  const byAttribute = new Map<
    string,
    { restoreTo: AttributeChange['from']; expected: AttributeChange['to'] }
  >();
  for (const change of relevant) {
    const seen = byAttribute.get(change.attribute);
    byAttribute.set(change.attribute, {
      restoreTo: seen ? seen.restoreTo : change.from,
      expected: change.to,
    });
  }
  const reverts: AttributeChange[] = [];
  const conflicts: RevertConflict[] = [];
  for (const [attribute, { restoreTo, expected }] of byAttribute) {
    const actual = ownValue(state.attributes, attribute);
    if (deepEqual(actual, expected)) {
      if (!deepEqual(actual, restoreTo)) reverts.push({ attribute, from: actual, to: restoreTo });
      continue;
    }
    const provenance = ownValue(state.provenance, attribute) ?? undefined;
    conflicts.push({
      attribute,
      expected,
      actual,
      changedByReleaseId: provenance?.kind === 'release' ? provenance.releaseId : null,
      changedBy: provenance?.cause ?? 'unknown',
      restoreTo,
    });
  }
  return { reverts, conflicts, hasChanges: relevant.length > 0 };
};
