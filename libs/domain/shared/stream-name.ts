/**
 * Streams are named `category-id` (EventStoreDB convention, so `$ce-category` works).
 * A category never contains `-`; the id may.
 */
export const CATEGORIES = [
  'rfc',
  'release',
  'releaseModel',
  'ci',
  'blackout',
  'service',
  // Not domain aggregates, but audited the same way: API keys and integrators' push subscriptions.
  'apiKey',
  'subscription',
] as const;
export type Category = (typeof CATEGORIES)[number];

export const streamName = (category: Category, id: string): string => `${category}-${id}`;

export const parseStreamName = (stream: string): { category: string; id: string } => {
  const dash = stream.indexOf('-');
  return dash < 0
    ? { category: stream, id: '' }
    : { category: stream.slice(0, dash), id: stream.slice(dash + 1) };
};
