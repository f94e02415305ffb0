import { loadVersion, type CompiledWorkflow, type Db } from '@baton/shared'

/**
 * Compiled workflow versions by hash. Versions are immutable, so entries never go stale; the
 * cache is bounded (least recently used out) so memory stays flat however many versions exist.
 */
export class DefinitionCache {
  readonly #entries = new Map<string, CompiledWorkflow>()
  /** Which version each recently seen run uses (a run's version never changes). */
  readonly #runs = new Map<string, string>()
  constructor(
    private readonly maxEntries = 500,
    private readonly maxRuns = 20_000,
  ) {}

  /** Remembers the version a run uses, so its next batch can plan its reads before reading it. */
  rememberRun(runId: string, hash: string): void {
    // A run moved to another version (retry --to-latest) is remembered on its new one.
    if (this.#runs.get(runId) === hash) return
    this.#runs.delete(runId)
    this.#runs.set(runId, hash)
    if (this.#runs.size > this.maxRuns) this.#runs.delete(this.#runs.keys().next().value!)
  }

  /** The compiled version of a recently seen run, without any I/O; undefined when not known here. */
  forRun(runId: string): CompiledWorkflow | undefined {
    const hash = this.#runs.get(runId)
    return hash === undefined ? undefined : this.#entries.get(hash)
  }

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
