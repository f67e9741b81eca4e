import helmet from 'helmet';

/**
 * Helmet's headers, one configuration for both HTTP adapters. It runs on Node's request and response
 * (Express mounts it as middleware, Fastify calls it from its first hook), so the headers are on every
 * answer, even one the body reader refuses, a hijacked event stream, or a URL the router cannot decode.
 * The CSP is off API-wide: JSON needs none, and the console sets its own.
 */
export const securityHeaders = helmet({ contentSecurityPolicy: false });
