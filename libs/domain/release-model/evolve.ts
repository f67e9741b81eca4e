import { assertNever } from '../shared/decider';
import { ReleaseModelEvent } from './events';
import { ReleaseModelState } from './state';

export const evolveReleaseModel = (state: ReleaseModelState, event: ReleaseModelEvent): ReleaseModelState => {
  if (event.type === 'ReleaseModelDefined') {
    const { modelId, version, definition, definedAt } = event.data;
    return {
      modelId,
      version,
      definition,
      status: 'active',
      definedAt,
      revisedAt: null,
      reviewCount: 0,
      lastReview: null,
      retiredAt: null,
    };
  }
  if (state === null) return state; // cannot happen in a valid stream; ignore rather than break a replay
  switch (event.type) {
    case 'ReleaseModelRevised':
      return {
        ...state,
        version: event.data.version,
        definition: event.data.definition,
        revisedAt: event.data.revisedAt,
      };
    case 'ReleaseModelReviewed': {
      const { version, outcome, reviewedAt } = event.data;
      return { ...state, reviewCount: state.reviewCount + 1, lastReview: { version, outcome, reviewedAt } };
    }
    case 'ReleaseModelRetired':
      return { ...state, status: 'retired', retiredAt: event.data.retiredAt };
    default:
      return assertNever(event);
  }
};
