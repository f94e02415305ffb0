import { loadVersion, type CompiledWorkflow, type Db } from '@baton/shared'

/**
 * Compiled workflow versions by hash. Versions are immutable, so entries never go stale; the
 * cache is bounded (least recently used out) so memory stays flat however many versions exist.
 */
export class DefinitionCache {
  readonly #entries = new Map<string, CompiledWorkflow>()
  constructor(private readonly maxEntries = 500) {}

  /** The compiled version, loading it on a miss; undefined when no such version is stored. */
  async get(db: Db, hash: string): Promise<CompiledWorkflow | undefined> {
    const hit = this.#entries.get(hash)
    if (hit) {
      this.#entries.delete(hash)
      this.#entries.set(hash, hit)
      return hit
    }
    const wf = await loadVersion(db, hash)
    if (wf) this.put(wf)
    return wf
  }

  /** Adds an already compiled version. */
  put(wf: CompiledWorkflow): void {
    this.#entries.set(wf.hash, wf)
    if (this.#entries.size > this.maxEntries) this.#entries.delete(this.#entries.keys().next().value!)
  }
}
