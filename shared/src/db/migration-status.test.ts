import { test } from 'node:test'
import assert from 'node:assert/strict'
import { readdirSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { MIGRATION_NAMES } from './migrate.js'

// Every file in migrations/ is registered in migrate.ts, in order: a migration written and not
// registered would never run (and `baton doctor` would call an old schema current).

test('MIGRATION_NAMES lists every file in migrations/, in order', () => {
  const files = readdirSync(fileURLToPath(new URL('./migrations/', import.meta.url)))
    .filter((f) => /^\d{4}_.*\.ts$/.test(f) && !f.endsWith('.test.ts'))
    .map((f) => f.replace(/\.ts$/, ''))
    .sort()
  assert.deepEqual([...MIGRATION_NAMES], files)
})
