import { extname, resolve } from 'node:path'
import { pathToFileURL } from 'node:url'
import { TYPESCRIPT_EXTENSIONS } from '@baton/shared'

let typescriptLoader: Promise<void> | undefined

/**
 * Imports a user's module (workflow definitions, worker handlers). TypeScript files load through
 * tsx's loader, registered on the first TypeScript file only: commands that read no user code
 * never load it, and plain ESM JavaScript never needs it.
 */
export async function importUserModule(file: string): Promise<Record<string, unknown>> {
  const abs = resolve(file)
  if (TYPESCRIPT_EXTENSIONS.has(extname(abs))) {
    typescriptLoader ??= import('tsx/esm/api').then((tsx) => {
      tsx.register()
    })
    await typescriptLoader
  }
  return (await import(pathToFileURL(abs).href)) as Record<string, unknown>
}
