import type { Command } from 'commander'
import { loadWorkflows } from '@baton/shared'
import { deployWorkflow } from '@baton/coordinator'
import { CliClient } from '../client.js'

/** `baton deploy PATH…`: validates and stores workflow definitions (TS, JSON or YAML). */
export function registerDeployCommand(program: Command): void {
  program
    .command('deploy')
    .description('validate and deploy workflow definitions (files or folders: .ts, .json, .yaml)')
    .argument('<paths...>', 'files or folders')
    .option('--json', 'print the result as JSON')
    .action(async (paths: string[], opts: { json?: boolean }) => {
      const workflows = await loadWorkflows(paths)
      if (workflows.length === 0) throw new Error(`no workflow definitions found in ${paths.join(', ')}`)
      const client = new CliClient()
      try {
        const db = await client.db()
        const results = []
        for (const wf of workflows) results.push({ workflow: wf.name, ...(await deployWorkflow(db, wf)), tasks: wf.tasks.size, queues: wf.queues })
        if (opts.json) process.stdout.write(`${JSON.stringify(results, null, 2)}\n`)
        else for (const r of results) process.stdout.write(`${r.changed ? 'deployed' : 'unchanged'} ${r.workflow} (version ${r.hash.slice(0, 12)}, ${r.tasks} tasks, queues: ${r.queues.join(', ')})\n`)
      } finally {
        await client.close()
      }
    })
}
