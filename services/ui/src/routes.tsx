import { lazy, Suspense, type ReactNode } from 'react'
import { createBrowserRouter, Navigate, Outlet } from 'react-router'
import { AppShell } from './app-shell'
import { RequireSignIn } from './auth/auth-context'
import { OidcCallbackPage } from './auth/oidc-callback-page'
import { CALLBACK_PATH } from './auth/oidc-sign-in'
import { WorkflowsPage } from './pages/workflows/workflows-page'
import { Empty, Loading } from './ui/states'
const WorkflowPage = lazy(() => import('./pages/workflow/workflow-page').then((m) => ({ default: m.WorkflowPage })))
const RunPage = lazy(() => import('./pages/run/run-page').then((m) => ({ default: m.RunPage })))
const TokensPage = lazy(() => import('./pages/ops/tokens-page').then((m) => ({ default: m.TokensPage })))
const DeadLettersPage = lazy(() => import('./pages/ops/dead-letters-page').then((m) => ({ default: m.DeadLettersPage })))
const BackfillsPage = lazy(() => import('./pages/ops/backfills-page').then((m) => ({ default: m.BackfillsPage })))
const AuditPage = lazy(() => import('./pages/ops/audit-page').then((m) => ({ default: m.AuditPage })))
const AlertsPage = lazy(() => import('./pages/ops/alerts-page').then((m) => ({ default: m.AlertsPage })))

/**
 * Pages other than the workflows list load on first use (their own chunks: the graph, the grid,
 * the forms), so the first page a user opens downloads and parses only what it needs.
 */
function page(element: ReactNode) {
  return <Suspense fallback={<Loading what="the page" />}>{element}</Suspense>
}

/**
 * Every page and its URL: a page's whole state (filters, tab, selected task, attempt) lives in its
 * path and query string, so any view can be shared or bookmarked, and BATON_RUN_URL can point
 * alerts at `/ui/runs/{runId}`.
 */
export const router = createBrowserRouter([
  { path: '/', element: <Navigate to="/ui/workflows" replace /> },
  { path: '/ui', element: <Navigate to="/ui/workflows" replace /> },
  { path: CALLBACK_PATH, element: <OidcCallbackPage /> },
  {
    element: (
      <RequireSignIn>
        <Outlet />
      </RequireSignIn>
    ),
    children: [
      {
        element: <AppShell />,
        children: [
          { path: '/ui/workflows', element: <WorkflowsPage /> },
          { path: '/ui/workflows/:name', element: page(<WorkflowPage />) },
          { path: '/ui/runs/:id', element: page(<RunPage />) },
          { path: '/ui/alerts', element: page(<AlertsPage />) },
          { path: '/ui/backfills', element: page(<BackfillsPage />) },
          { path: '/ui/dead-letters', element: page(<DeadLettersPage />) },
          { path: '/ui/audit', element: page(<AuditPage />) },
          { path: '/ui/tokens', element: page(<TokensPage />) },
          {
            path: '*',
            element: (
              <Empty>
                No page here. Go to <a href="/ui/workflows">Workflows</a>.
              </Empty>
            ),
          },
        ],
      },
    ],
  },
])
