/** How much of each of stdout and stderr a shell task keeps (the end, where errors are). */
export const OUTPUT_TAIL_BYTES = 64 * 1024

/**
 * The last `capBytes` bytes of a stream. Chunks are kept as they come and trimmed from the
 * front, so memory stays bounded however much a command prints.
 */
export class OutputTail {
  readonly #capBytes: number
  #chunks: Buffer[] = []
  #bytes = 0

  constructor(capBytes: number = OUTPUT_TAIL_BYTES) {
    this.#capBytes = capBytes
  }

  /** Appends a chunk, dropping the oldest bytes beyond the cap. */
  push(chunk: Buffer): void {
    this.#chunks.push(chunk)
    this.#bytes += chunk.length
    while (this.#chunks.length > 1 && this.#bytes - this.#chunks[0]!.length >= this.#capBytes) {
      this.#bytes -= this.#chunks.shift()!.length
    }
  }

  /** The kept text (UTF-8; a character cut at the start shows as U+FFFD). */
  text(): string {
    const all = Buffer.concat(this.#chunks)
    return all.subarray(Math.max(0, all.length - this.#capBytes)).toString('utf8')
  }
}
