// `make pack`: installable tarballs in dist/packages/ for a project outside this repository.
//
// A user's project needs two: @baton/sdk (the workflow DSL, startWorker, types) and @baton/cli
// (the `baton` command). Neither needs the others from a registry:
//  - @baton/sdk is the compiled package (tsc -b: JavaScript + declarations) with @baton/shared
//    and @baton/worker bundled inside it (npm `bundleDependencies`), their third-party
//    dependencies declared at its top level, and zod as a peer dependency, so the project's own
//    zod schemas are the ones `workflow({ params })` converts.
//  - @baton/cli is the bundled command (scripts/build-cli.mjs), with only what stays outside the
//    bundle as dependencies (tsx, for the user's TypeScript files).
// The other workspaces are packed too (@baton/shared, @baton/coordinator, @baton/worker), for
// composing Baton in code; installed together they resolve each other by exact version.
//
// Requires `make build` first (the Makefile's `pack` target depends on it).
import { execFileSync } from 'node:child_process'
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { dirname } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = fileURLToPath(new URL('..', import.meta.url))
const out = `${root}dist/packages`
const stage = `${root}.baton/pack`
const readJson = (p) => JSON.parse(readFileSync(p, 'utf8'))
const rootPkg = readJson(`${root}package.json`)

const DIRS = { '@baton/shared': 'shared', '@baton/coordinator': 'services/coordinator', '@baton/worker': 'services/worker', '@baton/sdk': 'services/sdk', '@baton/cli': 'services/cli' }
const pkgOf = (name) => readJson(`${root}${DIRS[name]}/package.json`)
const isBaton = (name) => name.startsWith('@baton/')

/** The published exports map: compiled files only (the `baton-source` condition is for this repository). */
function publishedExports() {
  return { '.': { types: './dist/index.d.ts', default: './dist/index.js' } }
}

/** Third-party dependencies of a package, with Baton's own resolved to exact versions. */
function dependenciesOf(name) {
  const deps = { ...(pkgOf(name).dependencies ?? {}) }
  for (const d of Object.keys(deps)) if (isBaton(d)) deps[d] = pkgOf(d).version
  return deps
}

/**
 * Whether a file of `dist/` still has its source in `src/`: `tsc -b` never deletes the output of
 * a source file that was moved or removed, and a stale module must not ship.
 */
function hasSource(pkgDir, distFile) {
  const rel = distFile.slice(`${pkgDir}/dist`.length)
  if (!/\.(js|d\.ts)(\.map)?$/.test(rel)) return true
  return existsSync(`${pkgDir}/src${rel.replace(/\.(js|d\.ts)(\.map)?$/, '.ts')}`)
}

/** Copies a compiled workspace (dist + package.json rewritten for publishing) into `dir`. */
function stageCompiled(name, dir, { dependencies }) {
  const src = `${root}${DIRS[name]}`
  if (!existsSync(`${src}/dist/index.js`)) throw new Error(`${name} is not built (${DIRS[name]}/dist/index.js missing): run make build`)
  mkdirSync(dir, { recursive: true })
  cpSync(`${src}/dist`, `${dir}/dist`, { recursive: true, filter: (f) => !f.endsWith('.tsbuildinfo') && !/\.test\.(js|d\.ts)/.test(f) && hasSource(src, f) })
  const pkg = pkgOf(name)
  const published = {
    name,
    version: pkg.version,
    description: pkg.description,
    license: rootPkg.license ?? 'UNLICENSED',
    type: 'module',
    engines: rootPkg.engines,
    exports: publishedExports(),
    types: './dist/index.d.ts',
    ...(pkg.sideEffects === false ? { sideEffects: false } : {}),
    dependencies,
  }
  writeFileSync(`${dir}/package.json`, `${JSON.stringify(published, null, 2)}\n`)
  return published
}

/**
 * The command's bundles load each other lazily (`./actions/<group>.js`, `./nats-session.js`), so
 * a bundle copied while scripts/build-cli.mjs rewrites it (it empties dist/bundle first) would
 * pack a `baton` whose every command fails: each file a bundle imports must be in the copy.
 */
function assertBundleComplete(bundleDir) {
  // The web UI and the reference page's assets (actions/ui, actions/swagger-ui) are files served
  // to browsers, not modules of the command: their strings are not imports to follow.
  const files = readdirSync(bundleDir, { recursive: true }).filter((f) => f.endsWith('.js') && !/^actions\/(ui|swagger-ui)\//.test(f))
  const missing = new Set()
  for (const file of files) {
    const dir = dirname(`${bundleDir}/${file}`)
    for (const [, rel] of readFileSync(`${bundleDir}/${file}`, 'utf8').matchAll(/["'](\.\/[\w/-]+\.js)["']/g)) {
      if (!existsSync(`${dir}/${rel}`)) missing.add(`${dirname(file) === '.' ? '' : `${dirname(file)}/`}${rel.slice(2)}`)
    }
  }
  if (missing.size > 0) throw new Error(`the baton command's bundle is incomplete (${[...missing].join(', ')} missing in services/cli/dist/bundle): run make build (and no other build at the same time)`)
}

function npmPack(dir) {
  const file = execFileSync('npm', ['pack', '--pack-destination', out, '--silent'], { cwd: dir, encoding: 'utf8' }).trim().split('\n').pop()
  process.stdout.write(`packed dist/packages/${file}\n`)
}

rmSync(stage, { recursive: true, force: true })
rmSync(out, { recursive: true, force: true })
mkdirSync(out, { recursive: true })

// The plain workspaces.
for (const name of ['@baton/shared', '@baton/coordinator', '@baton/worker']) {
  const dir = `${stage}/${DIRS[name]}`
  stageCompiled(name, dir, { dependencies: dependenciesOf(name) })
  npmPack(dir)
}

// @baton/sdk: self-contained, with shared and worker bundled.
{
  const dir = `${stage}/sdk`
  const bundled = ['@baton/shared', '@baton/worker']
  const thirdParty = {}
  for (const name of ['@baton/sdk', ...bundled]) for (const [d, v] of Object.entries(pkgOf(name).dependencies ?? {})) if (!isBaton(d)) thirdParty[d] = v
  delete thirdParty.zod
  // npm packs a bundled dependency only when it is also a dependency.
  const sdk = stageCompiled('@baton/sdk', dir, { dependencies: { ...thirdParty, ...Object.fromEntries(bundled.map((b) => [b, pkgOf(b).version])) } })
  // The bundled copies resolve each other as siblings; their third-party dependencies are the sdk's.
  for (const name of bundled) stageCompiled(name, `${dir}/node_modules/${name}`, { dependencies: {} })
  writeFileSync(
    `${dir}/package.json`,
    `${JSON.stringify({ ...sdk, peerDependencies: { zod: pkgOf('@baton/sdk').peerDependencies.zod }, bundleDependencies: bundled }, null, 2)}\n`,
  )
  npmPack(dir)
}

// @baton/cli: the bundled command.
{
  const dir = `${stage}/cli`
  const src = `${root}services/cli`
  if (!existsSync(`${src}/dist/bundle/baton.js`)) throw new Error('the baton command is not bundled (services/cli/dist/bundle missing): run make build')
  mkdirSync(dir, { recursive: true })
  cpSync(`${src}/bin`, `${dir}/bin`, { recursive: true })
  // Source maps stay in the repository: they would triple the download.
  cpSync(`${src}/dist/bundle`, `${dir}/dist/bundle`, { recursive: true, filter: (f) => !f.endsWith('.map') })
  assertBundleComplete(`${dir}/dist/bundle`)
  const pkg = pkgOf('@baton/cli')
  const published = {
    name: '@baton/cli',
    version: pkg.version,
    description: pkg.description,
    license: rootPkg.license ?? 'UNLICENSED',
    type: 'module',
    engines: rootPkg.engines,
    bin: { baton: './bin/baton.js' },
    // Outside the bundle: tsx loads the user's TypeScript files (and brings esbuild).
    dependencies: { tsx: pkg.dependencies.tsx },
  }
  writeFileSync(`${dir}/package.json`, `${JSON.stringify(published, null, 2)}\n`)
  npmPack(dir)
}
