// ESLint checks one thing in Baton: the package graph (docs/architecture.md, "Package
// boundaries"). No style or correctness rule sets are on — tsc checks types — so the whole tree
// passes with zero warnings. `make lint` and `make test` run `eslint --max-warnings 0 .`;
// test/integration/package-graph.test.ts proves that each rule below fires.
import { fileURLToPath } from 'node:url'
import { defineConfig } from 'eslint/config'
import { createTypeScriptImportResolver, defaultConditionNames } from 'eslint-import-resolver-typescript'
import { importX } from 'eslint-plugin-import-x'
import tseslint from 'typescript-eslint'

/** What ESLint parses: TypeScript and JavaScript, ES modules and CommonJS. */
const SOURCE_FILES = '**/*.{ts,tsx,mts,cts,js,mjs,cjs}'

/**
 * The workspace packages, by name. Each has one public entry, its `src/index.ts` (the web UI,
 * @baton/ui, is an app with no entry to import: nothing may import it).
 */
const PACKAGES = ['@baton/shared', '@baton/coordinator', '@baton/worker', '@baton/sdk', '@baton/api', '@baton/cli', '@baton/ui']

/**
 * The allowed graph: which packages the files under `files` may import by name. For a file that
 * several entries match, the last one wins (ESLint replaces a rule's options, it does not merge
 * them), so the CLI's composition root comes after the rest of the CLI.
 */
const GRAPH = [
  // Anything not named below (root config files, bin scripts): any package, but by its name.
  { files: [SOURCE_FILES], allowed: PACKAGES.filter((p) => p !== '@baton/ui') },
  // shared is the bottom of the graph: everything imports it, it imports no package.
  { files: ['shared/src/**'], allowed: [] },
  // Services never import services: they meet only through shared contracts (NATS, Postgres).
  { files: ['services/coordinator/src/**', 'services/worker/src/**', 'services/api/src/**'], allowed: ['@baton/shared'] },
  // The web UI runs in a browser and talks to the API over HTTP: from shared it takes only the
  // API's generated types (type-only imports, erased from the bundle).
  // Its folders (api/, ui/) share names with packages, so the by-name relative check is off
  // there; import-x/no-relative-packages still catches any relative import into another package.
  { files: ['services/ui/src/**'], allowed: ['@baton/shared'], relativeByName: false },
  // The SDK is the facade a user's project imports: DSL, errors and wire types from shared, the
  // worker runtime from worker. Never the coordinator or the CLI.
  { files: ['services/sdk/src/**'], allowed: ['@baton/shared', '@baton/worker'] },
  // The CLI talks to a deployment through shared (NATS, Postgres, definitions)...
  { files: ['services/cli/src/**'], allowed: ['@baton/shared'] },
  // ...and only its `coordinator`, `worker`, `api` and `dev` commands start services: the one
  // composition root. Anywhere else in the CLI they would load the services for every command.
  {
    files: ['services/cli/src/actions/services.ts'],
    allowed: ['@baton/shared', '@baton/coordinator', '@baton/worker', '@baton/api'],
  },
  // Tests, examples and scripts stand where a user stands: any package, by its name.
  { files: ['test/**', 'examples/**', 'scripts/**'], allowed: PACKAGES.filter((p) => p !== '@baton/ui') },
]

// No deep imports, told by the specifier. Every file is in GRAPH, so both patterns apply everywhere.
/** `@baton/<pkg>/<anything>`: past the package's one public entry (its exports map has only "."). */
const DEEP_PACKAGE_IMPORT = String.raw`^@baton/[^/]+/`
/**
 * A relative path that climbs out (`../`) and then names a package directory, such as
 * `../../shared/src/errors.js`: another package's internals, through a dependency its
 * package.json does not show. Caught by name even where it does not resolve;
 * `import-x/no-relative-packages` below catches every relative import that resolves into another
 * package, however it is spelled.
 */
const RELATIVE_INTO_PACKAGE = String.raw`^(\.\./)+(shared|services|coordinator|worker|sdk|api|cli)/`
const DEEP_MESSAGE = 'Import another package by its name only (`@baton/shared`): its src/index.ts is its one public entry.'

/**
 * The rules that draw the graph for files that may import only the `allowed` packages:
 * `no-restricted-imports` for static imports and re-exports (type-only ones too: a type is a
 * dependency between packages as well), and `no-restricted-syntax` for `import()` expressions
 * and `import('…')` types, which `no-restricted-imports` does not see — the CLI loads its
 * actions with `import()`, so that is where a stray service import would hide.
 */
function graphRules(allowed, relativeByName = true) {
  const forbidden = PACKAGES.filter((name) => !allowed.includes(name))
  const notAllowed = `Not allowed here: ${forbidden.join(', ')}; allowed: ${allowed.join(', ') || 'no @baton package'} (docs/architecture.md, "Package boundaries").`
  /** An esquery selector for `import('…')` expressions and types whose specifier matches `regex`. */
  const importCalls = (regex, message) => {
    const literal = `Literal[value=/${regex.replaceAll('/', '\\/')}/]` // esquery regexes end at an unescaped `/`
    return [
      { selector: `ImportExpression > ${literal}`, message },
      { selector: `TSImportType ${literal}`, message },
    ]
  }
  return {
    'no-restricted-imports': [
      'error',
      {
        paths: forbidden.map((name) => ({ name, message: notAllowed })),
        patterns: [
          { regex: DEEP_PACKAGE_IMPORT, message: DEEP_MESSAGE },
          ...(relativeByName ? [{ regex: RELATIVE_INTO_PACKAGE, message: DEEP_MESSAGE }] : []),
        ],
      },
    ],
    'no-restricted-syntax': [
      'error',
      ...importCalls(relativeByName ? `${DEEP_PACKAGE_IMPORT}|${RELATIVE_INTO_PACKAGE}` : DEEP_PACKAGE_IMPORT, DEEP_MESSAGE),
      ...(forbidden.length > 0 ? importCalls(`^(${forbidden.join('|')})$`, notAllowed) : []),
    ],
  }
}

export default defineConfig(
  {
    // Build output (incl. the CLI bundle), dependencies, local state and scratch space, docs,
    // and declaration files, which are generated.
    ignores: ['**/dist/**', '**/node_modules/**', '.baton/**', '.scratch/**', 'coverage/**', 'docs/**', '**/*.d.ts'],
  },
  {
    files: [SOURCE_FILES],
    languageOptions: {
      // typescript-eslint's parser only; none of its rule sets (see the top of this file).
      parser: tseslint.parser,
      ecmaVersion: 'latest',
      sourceType: 'module',
    },
    plugins: { 'import-x': importX },
    settings: {
      // The files import-x reads to follow imports (no-cycle). Its default is JavaScript only,
      // which would make no-cycle pass vacuously on a TypeScript code base.
      'import-x/extensions': ['.ts', '.tsx', '.mts', '.cts', '.js', '.mjs', '.cjs'],
      'import-x/resolver-next': [
        // `.js` specifiers resolve to the `.ts` files beside them, and `@baton/*` to their
        // sources through the `baton-source` export condition (as tsconfig.json and the tests
        // do), so the path-based rules see the code as it is, not a stale or missing dist/.
        createTypeScriptImportResolver({
          noWarnOnMultipleProjects: true,
          project: [fileURLToPath(new URL('./tsconfig.json', import.meta.url)), fileURLToPath(new URL('./services/ui/tsconfig.json', import.meta.url))],
          conditionNames: ['baton-source', ...defaultConditionNames],
        }),
      ],
    },
    linterOptions: {
      // A stale `eslint-disable` comment would be a hole in the graph nobody sees.
      reportUnusedDisableDirectives: 'error',
    },
    rules: {
      // A relative import that resolves into another package (`../../../shared/src/errors.js`
      // from services/worker/src) reaches past that package's public entry and hides the
      // dependency from package.json. Packages are told apart by their package.json, so this
      // also covers test/, examples/ and scripts/ (the root package).
      'import-x/no-relative-packages': 'error',
      // Every `@baton/<pkg>` import must resolve: no-relative-packages and no-cycle silently
      // skip what they cannot resolve. (Deep `@baton/…/…` paths are reported by the graph
      // rules instead; other modules are tsc's business.)
      'import-x/no-unresolved': ['error', { ignore: [String.raw`^(?!@baton/[^/]+$)`] }],
    },
  },
  ...GRAPH.map(({ files, allowed, relativeByName }) => ({ files, rules: graphRules(allowed, relativeByName) })),
  {
    // No import cycles in product code: in a cycle, module evaluation order decides whether a
    // binding is initialised yet (TDZ errors at start-up), and the modules are one concept
    // split in two. `import()` counts; `import type` does not (erased at run time). Imports
    // of other packages are followed to their sources, so a cycle through packages is found
    // too. The fixture directory holds product-like files the package-graph test closes into
    // a cycle; on disk they are acyclic.
    files: ['shared/src/**/*.ts', 'services/*/src/**/*.{ts,tsx}', 'test/integration/fixtures/package-graph/**/*.ts'],
    rules: { 'import-x/no-cycle': 'error' },
  },
)
