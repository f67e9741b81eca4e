import { deepEqual, JsonObject, JsonValue } from '../shared/json';
import { ConfigurationItem } from './state';

export interface RestorePlan {
  /** The values to set (`null` removes an attribute), as a `ChangeCiAttributes` command takes them. */
  readonly attributes: JsonObject;
  readonly changes: Array<{ attribute: string; from: JsonValue | null; to: JsonValue | null }>;
}

/**
 * The compensating change that brings a CI from its state `now` back to its state `then` (an earlier
 * fold of its own stream). Attributes added since are removed; nothing is deleted from history.
 */
export const planRestore = (now: ConfigurationItem, then: ConfigurationItem): RestorePlan => {
  const valueIn = (item: ConfigurationItem, attribute: string) =>
    Object.hasOwn(item.attributes, attribute) ? item.attributes[attribute] : null;
  const names = new Set([...Object.keys(then.attributes), ...Object.keys(now.attributes)]);
  const changes = [...names]
    .map((attribute) => ({ attribute, from: valueIn(now, attribute), to: valueIn(then, attribute) }))
    .filter((change) => !deepEqual(change.from, change.to));
  return { attributes: Object.fromEntries(changes.map((c) => [c.attribute, c.to])), changes };
};
