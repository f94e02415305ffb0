import { existsSync, readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import fastifyStatic from '@fastify/static'
import type { Logger } from '@baton/shared'
import type { ZodApp } from '../routes/index.js'

/** Where the web UI's pages live: `/` and everything under `/ui/` (the API's own paths stay JSON). */
export const UI_PREFIX = '/ui'

/**
 * The Content-Security-Policy of the UI's page and assets: its own scripts and styles only
 * (inline style attributes for the graph's positioning), the API on the same origin, the
 * identity provider's origin for the sign-in's token exchange, workers from its own files.
 */
export function uiContentSecurityPolicy(oidcIssuer?: string): string {
  const idp = oidcIssuer ? ` ${new URL(oidcIssuer).origin}` : ''
  return [
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data: blob:",
    `connect-src 'self'${idp}`,
    "worker-src 'self' blob:",
    "frame-ancestors 'none'",
    "base-uri 'none'",
    "form-action 'self'",
    "object-src 'none'",
  ].join('; ')
}

/** The built UI of the installed @baton/ui package (`dist/`), or undefined when it is not built. */
export function installedUiDir(): string | undefined {
  try {
    const dir = join(dirname(createRequire(import.meta.url).resolve('@baton/ui/package.json')), 'dist')
    return existsSync(join(dir, 'index.html')) ? dir : undefined
  } catch {
    return undefined
  }
}

/**
 * Serves the single-page app: `index.html` at `/` and at every `/ui/…` path (the app routes
 * itself, so a shared link opens where it points), its hashed assets under `/assets/` cached for
 * a year. No credential is needed to load the page; every call it makes carries one. Without a
 * built UI, `/` says how to build it.
 */
export async function serveUi(app: ZodApp, options: { uiDir: string | undefined; oidcIssuer?: string; log: Logger }): Promise<void> {
  const csp = uiContentSecurityPolicy(options.oidcIssuer)
  const dir = options.uiDir
  if (!dir || !existsSync(join(dir, 'index.html'))) {
    options.log.warn({ uiDir: dir ?? null }, 'the web UI is not served: its build was not found (make build builds services/ui)')
    app.get('/', { config: { public: true }, schema: { hide: true } }, async (_request, reply) =>
      reply.code(404).type('text/plain; charset=utf-8').send('The Baton web UI is not built: run `make build` (it builds services/ui/dist), or set BATON_UI_DIR.\nThe API itself is at /openapi.json and /docs.\n'),
    )
    return
  }
  // Read once: the page is small and changes only with a new build (a new process).
  const page = readFileSync(join(dir, 'index.html'), 'utf8')
  const sendPage = async (_request: unknown, reply: import('fastify').FastifyReply) =>
    reply.header('content-security-policy', csp).header('cache-control', 'no-cache').type('text/html; charset=utf-8').send(page)
  app.get('/', { config: { public: true }, schema: { hide: true } }, sendPage)
  app.get(UI_PREFIX, { config: { public: true }, schema: { hide: true } }, sendPage)
  app.get(`${UI_PREFIX}/*`, { config: { public: true }, schema: { hide: true } }, sendPage)
  await app.register(fastifyStatic, {
    root: join(dir, 'assets'),
    prefix: '/assets/',
    decorateReply: false,
    immutable: true,
    maxAge: '365d',
    index: false,
    setHeaders: (res) => res.header('content-security-policy', csp),
  })
}
