import { task, workflow } from '@baton/sdk'

/**
 * Known outcome: `build` fails its first attempt and succeeds on the retry (a 300 ms backoff),
 * the `check_rows` quality check fails with a sample of bad rows, `publish` is held back
 * (upstream_failed). Scheduled daily at 06:00 Paris time; its owner's alerts go to two channels.
 */
export const ansQuality = workflow({
  name: 'ans_quality',
  owner: 'answers-team',
  schedule: { cron: '0 6 * * *', timezone: 'Europe/Paris' },
  tasks: {
    build: task({ queue: 'ans', retry: { attempts: 2, backoff: '300ms', jitter: false } }),
    check_rows: task({ after: ['build'], kind: 'check', queue: 'ans' }),
    publish: task({ after: ['check_rows'], queue: 'ans' }),
  },
})
