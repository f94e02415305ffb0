import { z } from 'zod'
import { task, workflow } from '@baton/shared'

/**
 * The example pipeline of the README: extract → load → build → quality check → refresh, with a
 * deliberately flaky extract that succeeds on its retry and a `one_failed` notifier that only
 * runs when something upstream failed.
 */
export const dailyRevenue = workflow({
  name: 'daily_revenue',
  owner: 'revenue-team',
  description: 'Daily revenue facts and dashboard refresh',
  params: z.object({ date: z.string().optional() }),
  produces: ['revenue_facts'],
  tasks: {
    extract_orders: task({ queue: 'extract', retry: { attempts: 3, backoff: '1s', factor: 2 }, description: 'pull orders from the shop API (flaky on purpose)' }),
    load_raw: task({ after: ['extract_orders'], timeout: '10m', run: { sh: 'echo "loading $(echo $BATON_INPUTS | wc -c) bytes of orders for ${BATON_PARTITION}"; sleep 0.3; echo \'{"loaded":1250}\'' } }),
    build_facts: task({ after: ['load_raw'], run: { sh: 'sleep 0.2; echo \'{"facts":42}\'' } }),
    check_facts: task({ after: ['build_facts'], kind: 'check' }),
    refresh_dashboard: task({ after: ['check_facts'], run: { sh: 'echo refreshed dashboard; echo \'{"dashboard":"revenue"}\'' } }),
    notify_failure: task({ after: ['refresh_dashboard'], trigger: 'one_failed', run: { sh: 'echo "daily_revenue failed for $BATON_PARTITION" >&2' } }),
  },
})
