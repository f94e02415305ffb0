// Bundles the `baton` command into services/cli/dist/bundle/: `baton.js`, the command list
// (commander and the option parsers, ~140 KiB), `actions/<group>.js`, one self-contained bundle
// per group of commands, loaded only when one of its commands runs, and `actions/nats-session.js`,
// the NATS client, loaded only by a command that talks to NATS. Start-up is dominated by how
// much code Node reads and compiles: Kysely alone is ~400 files, zod ~700 KiB, the NATS client
// and the OTel SDK more. `baton runs` reads the command list and one ~0.5 MiB bundle.
// Figures in docs/operations.md ("CLI start-up").
//
// Why separate bundles and not one split build: with splitting, esbuild assigns everything a
// re-exporting package entry (`@baton/shared`'s index) re-exports to the chunk of that entry,
// so every command shared one 4 MB chunk with zod, Kysely, NATS and the OTel SDK, and `baton
// --version` loaded it. Separate bundles are each tree-shaken on their own; they carry copies of
// a few shared modules (error classes among them: `instanceof` works across copies through
// markErrorClass). Disk, not start-up, pays for the copies.
//
//   node scripts/build-cli.mjs            build
//   node scripts/build-cli.mjs --analyze  build and print the size of each output
import { build } from 'esbuild'
import { cpSync, existsSync, readdirSync, readFileSync, renameSync, rmSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = fileURLToPath(new URL('..', import.meta.url))
const cli = `${root}services/cli`
const pkg = JSON.parse(readFileSync(`${cli}/package.json`, 'utf8'))
const finalDir = `${cli}/dist/bundle`
// Built beside the real one and renamed into place at the end: a failed build (or two at once)
// never leaves half a bundle for `baton` or `make pack` to pick up.
const outdir = `${cli}/dist/bundle.${process.pid}.tmp`

const common = {
  bundle: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  // Baton's packages from their TypeScript sources (type-checked separately by tsc).
  conditions: ['baton-source'],
  // tsx registers a loader for the user's TypeScript files and ships esbuild's native binary;
  // pg-native is pg's optional native driver. They stay real dependencies of @baton/cli.
  external: ['tsx', 'tsx/*', 'esbuild', 'pg-native'],
  define: { __BATON_VERSION__: JSON.stringify(pkg.version) },
  // CommonJS dependencies inside an ESM bundle call require() for Node's built-ins.
  banner: { js: "import { createRequire as __batonCreateRequire } from 'node:module'; const require = __batonCreateRequire(import.meta.url);" },
  sourcemap: 'linked',
  legalComments: 'none',
  logLevel: 'warning',
  metafile: true,
}

/** The command list imports `../actions/<group>.js` lazily: those are bundles of their own. */
const actionsExternal = {
  name: 'actions-external',
  setup(b) {
    b.onResolve({ filter: /^\.\.\/actions\/[a-z-]+\.js$/ }, (args) => ({ path: `./actions/${args.path.slice('../actions/'.length)}`, external: true }))
  },
}

/** The CLI client imports `./nats-session.js` lazily: a bundle of its own beside the actions. */
const natsSessionExternal = {
  name: 'nats-session-external',
  setup(b) {
    b.onResolve({ filter: /^\.\/nats-session\.js$/ }, (args) =>
      args.importer.endsWith('client.ts') ? { path: './nats-session.js', external: true } : undefined,
    )
  },
}

rmSync(outdir, { recursive: true, force: true })
const main = await build({ ...common, entryPoints: { baton: `${cli}/src/main.ts` }, outdir, plugins: [actionsExternal] })
const actionFiles = readdirSync(`${cli}/src/actions`).filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts'))
const actions = await build({
  ...common,
  entryPoints: {
    ...Object.fromEntries(actionFiles.map((f) => [f.replace(/\.ts$/, ''), `${cli}/src/actions/${f}`])),
    'nats-session': `${cli}/src/nats-session.ts`,
  },
  outdir: `${outdir}/actions`,
  plugins: [natsSessionExternal],
})
// `baton api` and `baton dev` serve the API reference page (/docs): the services bundle inlines
// @fastify/swagger-ui's code but not its files (the page, its scripts and styles, ~2.5 MiB), so
// they are copied beside it, where actions/services.ts points the API at them.
const swaggerUi = dirname(createRequire(`${root}services/api/package.json`).resolve('@fastify/swagger-ui/package.json'))
cpSync(`${swaggerUi}/static`, `${outdir}/actions/swagger-ui`, { recursive: true })
// ...and the web UI (built first by `make build` into services/ui/dist), served at `/`.
if (existsSync(`${root}services/ui/dist/index.html`)) cpSync(`${root}services/ui/dist`, `${outdir}/actions/ui`, { recursive: true })
else process.stderr.write('build-cli: services/ui/dist is not built: `baton api` will serve no web UI (run `make build`)\n')
rmSync(finalDir, { recursive: true, force: true })
renameSync(outdir, finalDir)
if (process.argv.includes('--analyze')) {
  for (const result of [main, actions]) {
    for (const [file, out] of Object.entries(result.metafile.outputs)) {
      if (!file.endsWith('.map')) process.stdout.write(`${(out.bytes / 1024).toFixed(0).padStart(6)} KiB  ${file.replace(/bundle\.\d+\.tmp/, 'bundle').replace(root, '')}\n`)
    }
  }
}
