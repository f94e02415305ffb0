import { getRunDetails, TERMINAL_RUN_STATUSES, type Db, type RunDetails } from '@baton/shared'

/**
 * Polls a run until it is terminal, calling `onTaskChange` for every task status change seen.
 * Polling (every `intervalMs`) keeps the CLI independent of the coordinator's internals. `source`
 * is the database, or a function that loads the run (the CLI through the API: `GET /runs/{id}`).
 */
export async function watchRun(
  source: Db | (() => Promise<RunDetails | undefined>),
  runId: string,
  onTaskChange: (task: RunDetails['tasks'][number], run: RunDetails) => void,
  options: { intervalMs?: number; timeoutMs?: number } = {},
): Promise<RunDetails> {
  const seen = new Map<string, string>()
  const deadline = options.timeoutMs ? Date.now() + options.timeoutMs : Infinity
  const load = typeof source === 'function' ? source : () => getRunDetails(source, runId)
  for (;;) {
    const run = await load()
    if (!run) throw new Error(`run ${runId} disappeared`)
    for (const t of run.tasks) {
      const key = `${t.status}/${t.attempts}`
      if (seen.get(t.id) !== key) {
        seen.set(t.id, key)
        if (t.status !== 'pending') onTaskChange(t, run)
      }
    }
    if (TERMINAL_RUN_STATUSES.includes(run.status)) return run
    if (Date.now() > deadline) throw new Error(`run ${runId} still ${run.status} after the wait timeout`)
    await new Promise((r) => setTimeout(r, options.intervalMs ?? 150))
  }
}
