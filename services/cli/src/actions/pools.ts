import Table from 'cli-table3'
import { appendAudit, deletePool, listPools, NotFoundError, setPool, toError, ValidationError, type Db, type PoolSpec, type PoolView } from '@baton/shared'
import { ApiClient, apiTarget, type ApiTarget } from '../api-client.js'
import { ApiError } from '../api-error.js'
import { CliClient } from '../client.js'
import { cliActor } from '../cli-actor.js'
import { weightsOption } from '../options.js'

// `baton pools …`. Through the API when BATON_API_URL and BATON_TOKEN are set (it checks the
// `pools` permission and audits), else straight on the database, audited under `cli:<OS user>`.

/** Where the pool commands act. */
interface PoolStore {
  list(): Promise<PoolView[]>
  set(spec: PoolSpec): Promise<void>
  delete(name: string): Promise<void>
  close(): Promise<void>
}

function openStore(): PoolStore {
  const api = apiTarget()
  return api ? apiStore(api) : directStore()
}

async function audited(db: Db, action: string, name: string, params: unknown, work: () => Promise<unknown>): Promise<void> {
  const entry = { actor: cliActor(), role: null, action, resource: `pool:${name}`, params, status: null, clientAddress: null }
  try {
    await work()
  } catch (e) {
    await appendAudit(db, { ...entry, result: 'failed', reason: toError(e).message })
    throw e
  }
  await appendAudit(db, { ...entry, result: 'ok', reason: null })
}

function directStore(): PoolStore {
  const client = new CliClient()
  return {
    list: async () => listPools(await client.db({ readOnly: true })),
    async set(spec) {
      const db = await client.db()
      await audited(db, 'pool.set', spec.name, spec, () => setPool(db, spec, cliActor()))
    },
    async delete(name) {
      const db = await client.db()
      await audited(db, 'pool.delete', name, { name }, () => deletePool(db, name))
    },
    close: () => client.close(),
  }
}

function apiStore(target: ApiTarget): PoolStore {
  const api = new ApiClient(target)
  return {
    list: async () => (await api.ok(api.http.GET('/pools', {}))).data.items.map((p) => ({ ...p, updatedAt: new Date(p.updatedAt) })),
    async set(spec) {
      const { name, ...body } = spec
      await api.ok(api.http.PUT('/pools/{name}', { params: { path: { name } }, body: { ...body, weights: { ...body.weights } } }))
    },
    async delete(name) {
      await api.ok(api.http.DELETE('/pools/{name}', { params: { path: { name } } }))
    },
    close: () => api.close(),
  }
}

async function withStore(work: (store: PoolStore) => Promise<void>): Promise<void> {
  const store = openStore()
  try {
    await work(store)
  } finally {
    await store.close()
  }
}

/** `baton pools list`. */
export async function poolsList(opts: { json?: boolean }): Promise<void> {
  await withStore(async (store) => {
    const pools = await store.list()
    if (opts.json) return void process.stdout.write(`${JSON.stringify(pools, null, 2)}\n`)
    if (pools.length === 0) return void process.stdout.write('no pools (create one: baton pools set NAME --slots N)\n')
    const t = new Table({ head: ['pool', 'slots', 'used', 'waiting', 'sharing', 'description'], style: { head: [], border: [] } })
    for (const p of pools) {
      const weights = Object.entries(p.weights).sort(([a], [b]) => a.localeCompare(b)).map(([o, w]) => `${o}=${w}`).join(' ')
      t.push([p.name, String(p.slots), String(p.used), String(p.waiting), p.fairShare ? `fair share${weights ? ` (${weights})` : ''}` : 'priority, then age', p.description ?? ''])
    }
    process.stdout.write(`${t.toString()}\n`)
  })
}

/** `baton pools set NAME --slots N [--fair-share] [--weight owner=N]…`. */
export async function poolsSet(name: string, opts: { slots: number; fairShare?: boolean; weight: string[]; description?: string }): Promise<void> {
  const weights = weightsOption(opts.weight)
  if (Object.keys(weights).length > 0 && !opts.fairShare) throw new ValidationError([{ path: '--weight', reason: 'weights only apply with --fair-share' }])
  await withStore(async (store) => {
    await store.set({ name, slots: opts.slots, fairShare: opts.fairShare === true, weights, ...(opts.description !== undefined ? { description: opts.description } : {}) })
    process.stdout.write(`pool ${name}: ${opts.slots} slots${opts.fairShare ? ', fair share' : ''}\n`)
  })
}

/** `baton pools delete NAME`. */
export async function poolsDelete(name: string, opts: { ifExists?: boolean } = {}): Promise<void> {
  await withStore(async (store) => {
    try {
      await store.delete(name)
    } catch (e) {
      const missing = e instanceof NotFoundError || (e instanceof ApiError && e.status === 404)
      if (!(missing && opts.ifExists)) throw e
      process.stdout.write(`pool ${name} does not exist; nothing deleted\n`)
      return
    }
    process.stdout.write(`pool ${name} deleted\n`)
  })
}
