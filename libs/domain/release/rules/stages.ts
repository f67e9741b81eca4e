import { fail } from '../../errors';
import { CompleteReleaseStage } from '../commands';
import type { ReleaseDecision } from '../decide';
import type { ReleaseContext } from '../decider';
import { Release } from '../state';

/** Stages are completed one by one in the pinned model's order, each with every deliverable it requires. */
export const decideCompleteStage = (
  command: CompleteReleaseStage,
  state: Release,
  context: ReleaseContext,
): ReleaseDecision => {
  const { stage, deliverables, notes } = command.data;
  const stages = state.model.stages;
  const index = stages.findIndex((s) => s.name === stage);
  if (index < 0) {
    return fail(
      'release.unknown-stage',
      `Model ${state.model.name} has no stage ${stage}; stages are ${stages.map((s) => s.name).join(', ')}.`,
      {
        stages: stages.map((s) => s.name),
      },
    );
  }
  const next = state.completedStages.length;
  if (index !== next) {
    const message =
      index < next
        ? `Stage ${stage} is already completed.`
        : `Stage ${stage} cannot be completed before ${stages[next]?.name ?? ''}; complete the stages in order.`;
    return fail('release.stage-order', message, { stage, expected: stages[next]?.name ?? null });
  }
  const missing = stages[index].deliverables.filter((required) => !deliverables.includes(required));
  if (missing.length > 0) {
    return fail(
      'release.missing-deliverables',
      `Stage ${stage} still needs: ${missing.join(', ')}. Hand them in to complete it.`,
      {
        missing,
      },
    );
  }
  return [
    {
      type: 'ReleaseStageCompleted',
      data: {
        releaseId: state.releaseId,
        stage,
        stageIndex: index,
        deliverables,
        notes: notes ?? null,
        completedAt: context.now,
      },
    },
  ];
};
