import { NonRetryableError, type Handlers } from '@baton/sdk'

/** TypeScript handlers of the answers fixtures (run by `baton dev --handlers`). */
export const handlers: Handlers = {
  async build(ctx) {
    if (ctx.attempt === 1) throw new Error('warehouse busy, try again')
    return { rows: 3 }
  },
  async check_rows() {
    return { passed: false, details: '2 rows with negative revenue', sample: [{ id: 7, revenue: -3 }, { id: 9, revenue: -1 }] }
  },
  async publish() {
    return { published: true }
  },
  async echo_params(ctx) {
    return { params: ctx.params }
  },
  async flip(ctx) {
    if (ctx.params.fail === true) throw new NonRetryableError('flip was told to fail')
    return { flipped: true }
  },
}
