/**
 * Generates the types of the HTTP API, `shared/src/api-types.ts`, from the OpenAPI
 * document the API serves at `/openapi.json` (itself generated from the routes' zod schemas), with
 * openapi-typescript. The CLI's API client (services/cli/src/api-client.ts) and the web UI's
 * (services/ui/src/api/client.ts), both openapi-fetch, are typed by it (exported by @baton/shared
 * as ApiPaths and ApiComponents), so a route or schema change a client does not follow fails `tsc`.
 *
 *   node --conditions=baton-source --import tsx scripts/generate-api-types.ts           write the file
 *   node --conditions=baton-source --import tsx scripts/generate-api-types.ts --check   exit 1 if it differs
 *
 * The document is built without any connection: `buildApiServer` opens nothing until a request
 * arrives (the database pool connects on first query; NATS is only used by handlers), so the
 * server is built on a pool that never connects and a stand-in NATS connection, asked for its
 * document, and closed.
 */
import { readFileSync, writeFileSync } from 'node:fs'
import { join, relative } from 'node:path'
import { fileURLToPath } from 'node:url'
import openapiTS, { astToString } from 'openapi-typescript'
import { buildApiServer, loadApiConfig } from '@baton/api'
import { createDb, createLogger, loadConfig, subjectsFor, type NatsConnection } from '@baton/shared'

const ROOT = fileURLToPath(new URL('..', import.meta.url))
/** The generated file, relative to the repository root. */
const OUT_FILE = join('shared', 'src', 'api-types.ts')
const USAGE = 'usage: node --conditions=baton-source --import tsx scripts/generate-api-types.ts [--check]'

const HEADER = `/**
 * Types of Baton's HTTP API (paths, request and answer bodies), generated from its OpenAPI
 * document by scripts/generate-api-types.ts with openapi-typescript. Do not edit: run
 * \`node --conditions=baton-source --import tsx scripts/generate-api-types.ts\` after changing a
 * route (test/integration/api-types.test.ts fails while this file is stale).
 */
`

/** The API's OpenAPI document, from a server that never connects to anything. */
export async function openApiDocument(): Promise<Record<string, unknown>> {
  const baton = loadConfig({}, { namespace: 'openapi', databaseUrl: 'postgres://openapi@127.0.0.1:1/never' })
  const db = createDb(baton.databaseUrl, baton.namespace, { max: 1 })
  // The server keeps the connection for its handlers; building the document calls none of them.
  const nc = { options: {} } as unknown as NatsConnection
  const app = buildApiServer({ db, nc, subjects: subjectsFor(baton.namespace), config: loadApiConfig({}, { baton }), logger: createLogger({ level: 'silent' }) })
  try {
    await app.ready()
    return app.swagger() as unknown as Record<string, unknown>
  } finally {
    await app.close()
    await db.destroy()
  }
}

/** The file's contents. */
async function render(): Promise<string> {
  const ast = await openapiTS(JSON.parse(JSON.stringify(await openApiDocument())) as never, { alphabetize: true })
  return `${HEADER}\n${astToString(ast)}`
}

function readOrUndefined(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8')
  } catch {
    return undefined
  }
}

async function main(args: readonly string[]): Promise<number> {
  const unknown = args.filter((a) => a !== '--check')
  if (unknown.length > 0) {
    process.stderr.write(`unknown argument(s): ${unknown.join(' ')}\n${USAGE}\n`)
    return 2
  }
  const content = await render()
  const path = join(ROOT, OUT_FILE)
  const current = readOrUndefined(path)
  if (args.includes('--check')) {
    if (current === content) {
      process.stdout.write(`${OUT_FILE} is up to date\n`)
      return 0
    }
    process.stderr.write(`${OUT_FILE} is ${current === undefined ? 'missing' : 'stale'}: run node --conditions=baton-source --import tsx scripts/generate-api-types.ts\n`)
    return 1
  }
  if (current !== content) writeFileSync(path, content)
  process.stdout.write(`wrote ${relative(ROOT, path)}\n`)
  return 0
}

process.exitCode = await main(process.argv.slice(2))
