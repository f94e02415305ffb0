import type { Handlers, TaskContext } from '@baton/sdk'

interface Fact {
  order: number
  revenue: number
}

/** TypeScript handlers of the example (the other tasks use the built-in `sh` runner). */
export const handlers: Handlers = {
  async extract_orders(ctx: TaskContext) {
    // Fails on the first attempt to show a retry with backoff; succeeds on the next.
    if (ctx.attempt === 1) throw new Error('connection reset by the shop API (simulated flaky source)')
    await new Promise((r) => setTimeout(r, 200))
    const rows = 1250
    ctx.log.info({ rows }, 'extracted')
    return { rows, partition: ctx.partition }
  },
  async build_facts(ctx: TaskContext) {
    const facts: Fact[] = Array.from({ length: 42 }, (_, i) => ({ order: 1000 + i, revenue: 10 + i }))
    if (ctx.params.simulate === 'bad_rows') facts.push({ order: 1042, revenue: -3 }, { order: 1043, revenue: -12.5 })
    ctx.log.info({ facts: facts.length }, 'built facts')
    return { facts: facts.length, rows: facts }
  },
  async check_facts(ctx: TaskContext) {
    const rows = (ctx.inputs.build_facts as { rows?: Fact[] } | null)?.rows ?? []
    const bad = rows.filter((r) => r.revenue < 0)
    return { passed: rows.length > 0 && bad.length === 0, details: bad.length ? `${bad.length} orders with negative revenue` : `${rows.length} fact rows, none negative`, sample: bad.slice(0, 5) }
  },
}
