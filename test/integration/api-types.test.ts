import { after, test } from 'node:test'
import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { assertNoLeaks } from '../support/leak-check.js'

// The types of the HTTP API (shared/src/api-types.ts, used by the CLI and the web UI) are what openapi-typescript
// makes of the OpenAPI document the API serves: regenerated here (no servers needed) and
// compared, so a route change the CLI's client was not regenerated for fails.

const ROOT = fileURLToPath(new URL('../..', import.meta.url))

after(assertNoLeaks)

test('shared/src/api-types.ts matches the OpenAPI document of the API', () => {
  const r = spawnSync(process.execPath, ['--conditions=baton-source', '--import', 'tsx', 'scripts/generate-api-types.ts', '--check'], { cwd: ROOT, encoding: 'utf8', timeout: 120_000 })
  assert.equal(r.status, 0, `the API types are stale: run node --conditions=baton-source --import tsx scripts/generate-api-types.ts\n${r.stderr}${r.stdout}`)
})
