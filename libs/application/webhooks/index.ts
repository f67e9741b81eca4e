export * from './signature';
export * from './subscription.decider';
export * from './webhook-delivery';
export * from './webhook-dispatcher';
export * from './webhook-payload';
export * from './webhook-subscriptions.service';
export * from './webhooks.runner';
