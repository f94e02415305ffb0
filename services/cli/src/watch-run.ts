import { getRunDetails, TERMINAL_RUN_STATUSES, type Db, type RunDetails } from '@baton/shared'

/**
 * Polls a run until it is terminal, calling `onTaskChange` for every task status change seen.
 * Polling (every `intervalMs`) keeps the CLI independent of the coordinator's internals.
 */
export async function watchRun(
  db: Db,
  runId: string,
  onTaskChange: (task: RunDetails['tasks'][number], run: RunDetails) => void,
  options: { intervalMs?: number; timeoutMs?: number } = {},
): Promise<RunDetails> {
  const seen = new Map<string, string>()
  const deadline = options.timeoutMs ? Date.now() + options.timeoutMs : Infinity
  for (;;) {
    const run = await getRunDetails(db, runId)
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
