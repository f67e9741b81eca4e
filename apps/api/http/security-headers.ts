import helmet from 'helmet';

/**
 * Helmet's headers, one configuration for both HTTP adapters. It runs on Node's request and response
 * (Express mounts it as its first middleware; under Fastify, the server calls it before Fastify sees
 * the request), so the headers are on every answer: one the body reader refuses, a hijacked event
 * stream, a URL the router cannot decode.
 * The CSP is off API-wide: JSON needs none, and the console sets its own.
 */
export const securityHeaders = helmet({ contentSecurityPolicy: false });
