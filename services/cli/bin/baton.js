#!/usr/bin/env node
// The baton command: compiled, bundled JavaScript (scripts/build-cli.mjs); no TypeScript loader
// unless a command reads a user's .ts file.
try {
  await import('../dist/bundle/baton.js')
} catch (e) {
  if (e?.code === 'ERR_MODULE_NOT_FOUND' && String(e.message).includes('dist/bundle/baton.js')) {
    process.stderr.write('error: the baton command is not built: run `make build` in the Baton repository\n')
    process.exit(1)
  }
  throw e
}
