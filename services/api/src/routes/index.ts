import { accessRoutes } from './access-routes.js'
import { backfillActionRoutes } from './backfill-actions.js'
import { eventRoutes } from './events.js'
import { healthRoutes } from './health.js'
import { landingActionRoutes } from './landing-actions.js'
import { observeRoutes } from './observe.js'
import { poolRoutes } from './pool-routes.js'
import { runActionRoutes } from './run-actions.js'
import { runRoutes } from './runs.js'
import { taskLogLiveRoutes } from './task-log-live-routes.js'
import { taskRoutes } from './task-routes.js'
import { triggerActionRoutes } from './trigger-actions.js'
import { uiRoutes } from './ui-routes.js'
import { workflowActionRoutes } from './workflow-actions.js'
import type { RouteDeps, RouteModule, ZodApp } from './route-deps.js'
import { workflowRoutes } from './workflows.js'

export type { RouteDeps, RouteModule, ZodApp } from './route-deps.js'

/**
 * Every route module of the API, registered in this order. Read routes are here; the operator
 * actions (`POST …`: trigger, cancel, retry, clear, mark, pause, approve, backfills, tokens,
 * audit) are modules of their own in routes/actions*.ts, added to this list. Each route declares
 * `config.permission` and `config.scope` (auth/route-access.ts): the auth plugin refuses to start
 * with a route that declares neither a permission nor `public: true`.
 */
export const ROUTE_MODULES: readonly RouteModule[] = [
  healthRoutes,
  workflowRoutes,
  runRoutes,
  taskRoutes,
  taskLogLiveRoutes,
  observeRoutes,
  // What the web UI needs: who the caller is, how to sign in, the runs × tasks grid.
  uiRoutes,
  // Operator actions: each one event through the coordinators (the API never writes run state).
  triggerActionRoutes,
  runActionRoutes,
  workflowActionRoutes,
  backfillActionRoutes,
  landingActionRoutes,
  // API tokens and the audit log (admins).
  accessRoutes,
  // Pools: read by anyone who reads, changed by admins.
  poolRoutes,
  // Live updates: GET /events (Server-Sent Events from the committed history).
  eventRoutes,
]

/** Registers every route module on `app`. */
export async function registerRoutes(app: ZodApp, deps: RouteDeps, modules: readonly RouteModule[] = ROUTE_MODULES): Promise<void> {
  for (const register of modules) await register(app, deps)
}
