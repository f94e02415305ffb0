import { createBrowserRouter, Navigate, Outlet } from 'react-router'
import { AppShell } from './app-shell'
import { RequireSignIn } from './auth/auth-context'
import { OidcCallbackPage } from './auth/oidc-callback-page'
import { CALLBACK_PATH } from './auth/oidc-sign-in'
import { AlertsPage } from './pages/ops/alerts-page'
import { AuditPage } from './pages/ops/audit-page'
import { BackfillsPage } from './pages/ops/backfills-page'
import { DeadLettersPage } from './pages/ops/dead-letters-page'
import { TokensPage } from './pages/ops/tokens-page'
import { RunPage } from './pages/run/run-page'
import { WorkflowPage } from './pages/workflow/workflow-page'
import { WorkflowsPage } from './pages/workflows/workflows-page'
import { Empty } from './ui/states'

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
          { path: '/ui/workflows/:name', element: <WorkflowPage /> },
          { path: '/ui/runs/:id', element: <RunPage /> },
          { path: '/ui/alerts', element: <AlertsPage /> },
          { path: '/ui/backfills', element: <BackfillsPage /> },
          { path: '/ui/dead-letters', element: <DeadLettersPage /> },
          { path: '/ui/audit', element: <AuditPage /> },
          { path: '/ui/tokens', element: <TokensPage /> },
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
