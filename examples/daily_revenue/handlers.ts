import type { TaskContext, TaskHandler } from '@baton/worker'

/** TypeScript handlers of the example (the other tasks use the built-in `sh` runner). */
export const handlers: Record<string, TaskHandler> = {
  async extract_orders(ctx: TaskContext) {
    // Fails on the first attempt to show a retry with backoff; succeeds on the next.
    if (ctx.attempt === 1) throw new Error('connection reset by the shop API (simulated flaky source)')
    await new Promise((r) => setTimeout(r, 200))
    const rows = 1250
    ctx.log.info({ rows }, 'extracted')
    return { rows, partition: ctx.partition }
  },
  async check_facts(ctx: TaskContext) {
    const facts = (ctx.inputs.build_facts as { facts?: number } | null)?.facts ?? 0
    return { passed: facts > 0, details: `${facts} fact rows`, sample: [] }
  },
}
