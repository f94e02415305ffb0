import { z } from 'zod'
import { task, workflow } from '@baton/sdk'

/**
 * The example pipeline of `make demo`: extract → load → build → quality check → refresh, with a
 * deliberately flaky extract that succeeds on its retry, a quality gate that fails when the
 * facts hold negative revenue (`simulate: 'bad_rows'`), and a `one_failed` notifier that only
 * runs when something upstream failed.
 */
export const dailyRevenue = workflow({
  name: 'daily_revenue',
  owner: 'revenue-team',
  description: 'Daily revenue facts and dashboard refresh',
  params: z.object({
    date: z.string().optional(),
    /** `bad_rows` makes build_facts emit two rows of negative revenue, which check_facts catches. */
    simulate: z.enum(['none', 'bad_rows']).default('none'),
  }),
  produces: ['revenue_facts'],
  tasks: {
    extract_orders: task({ queue: 'extract', retry: { attempts: 3, backoff: '1s', factor: 2 }, description: 'pull orders from the shop API (flaky on purpose)' }),
    load_raw: task({ after: ['extract_orders'], timeout: '10m', run: { sh: 'echo "loading $(echo $BATON_INPUTS | wc -c) bytes of orders for ${BATON_PARTITION}"; sleep 0.3; echo \'{"loaded":1250}\'' } }),
    build_facts: task({ after: ['load_raw'], queue: 'extract', description: 'aggregate revenue per order' }),
    check_facts: task({ after: ['build_facts'], kind: 'check', description: 'no order may have negative revenue' }),
    refresh_dashboard: task({ after: ['check_facts'], run: { sh: 'echo refreshed dashboard; echo \'{"dashboard":"revenue"}\'' } }),
    notify_failure: task({ after: ['refresh_dashboard'], trigger: 'one_failed', run: { sh: 'echo "daily_revenue failed for $BATON_PARTITION" >&2' } }),
  },
})
