import { StrictMode } from 'react'
import { createRoot } from 'react-dom/client'
import { QueryClient, QueryClientProvider } from '@tanstack/react-query'
import { RouterProvider } from 'react-router'
import { toApiError } from './api/client'
import { router } from './routes'
import './styles.css'

/**
 * Reads are cached briefly and refetched when the tab regains focus; live pages also follow
 * GET /events. A 4xx is not retried (the answer will not change); anything else twice.
 */
const queryClient = new QueryClient({
  defaultOptions: {
    queries: {
      staleTime: 5_000,
      retry: (count, error) => {
        const status = toApiError(error).status
        return status >= 400 && status < 500 ? false : count < 2
      },
    },
  },
})

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <QueryClientProvider client={queryClient}>
      <RouterProvider router={router} />
    </QueryClientProvider>
  </StrictMode>,
)
