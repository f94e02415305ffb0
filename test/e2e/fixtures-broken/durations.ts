import { task, workflow } from '@baton/sdk'

/** A TypeScript workflow with a duration that does not parse and a dependency on a task that does not exist. */
export const brokenDurations = workflow({
  name: 'broken_durations',
  tasks: {
    extract: task({ timeout: '10 minutes' }),
    load: task({ after: ['extrct'] }),
  },
})
