import { z } from 'zod'
import { task, workflow } from '@baton/sdk'

/** Params with zod defaults: a run gets `sleep` and `label` filled in when they are not given. */
export const ansParams = workflow({
  name: 'ans_params',
  params: z.object({ sleep: z.number().default(3), label: z.string().default('nightly') }),
  tasks: {
    echo_params: task({ queue: 'ans' }),
  },
})
