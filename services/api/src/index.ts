/**
 * @baton/api — the HTTP API service (`baton api`): read models, operator actions, access
 * control and audit over Baton's Postgres catalog and NATS streams (docs/api.md).
 */
export { startApi, buildApiServer, API_VERSION, type StartApiOptions, type RunningApi, type ApiServerDeps } from './server.js'
export { loadApiConfig, API_BODY_LIMIT_BYTES, type ApiConfig } from './config.js'
export { ConflictError, ErrorResponseSchema, type ErrorResponse, type FieldIssue } from './errors.js'
export { ROUTE_MODULES, type RouteDeps, type RouteModule, type ZodApp } from './routes/index.js'
export { Role, Permission, type Grant, type Principal, type ResourceScope } from './auth/types.js'
export { authorize, readableWorkflows, parseGrant, validateGrant, describeGrant, type Authorization } from './auth/permissions.js'
export { createAuthenticator, type Authenticator, type AuthenticatorDeps } from './auth/authenticate.js'
export { createOidcVerifier, oidcConfigFromEnv, type OidcConfig, type OidcVerifier } from './auth/oidc.js'
export { AuthenticationError, PermissionDeniedError } from './auth/errors.js'
export { createEventRoutes, eventRoutes, type EventRouteOptions } from './routes/events.js'
export { TransitionEventSchema, AlertEventSchema } from './schemas/events.js'
