import { StringDecoder } from 'node:string_decoder'

/** Longest line kept whole; a longer run of text without a newline is cut into pieces this long. */
export const MAX_LINE_CHARS = 16 * 1024

/**
 * Turns a byte stream (a shell task's stdout or stderr) into lines as they arrive: UTF-8 is
 * decoded across chunk boundaries, `\r\n` counts as one break, and a line never waits for a
 * newline once it is MAX_LINE_CHARS long, so memory stays bounded whatever the command prints.
 */
export class LineSplitter {
  readonly #decoder = new StringDecoder('utf8')
  readonly #onLine: (line: string) => void
  readonly #maxLineChars: number
  #partial = ''

  constructor(onLine: (line: string) => void, maxLineChars: number = MAX_LINE_CHARS) {
    this.#onLine = onLine
    this.#maxLineChars = maxLineChars
  }

  /** Emits every complete line of `chunk` (with what was left over before it). */
  push(chunk: Buffer): void {
    const text = this.#partial + this.#decoder.write(chunk)
    let start = 0
    for (let nl = text.indexOf('\n', start); nl >= 0; nl = text.indexOf('\n', start)) {
      this.#emit(text.slice(start, nl))
      start = nl + 1
    }
    while (text.length - start >= this.#maxLineChars) {
      this.#onLine(text.slice(start, start + this.#maxLineChars))
      start += this.#maxLineChars
    }
    this.#partial = text.slice(start)
  }

  /** The stream ended: emits the last line when it had no newline. */
  end(): void {
    const rest = this.#partial + this.#decoder.end()
    this.#partial = ''
    if (rest) this.#emit(rest)
  }

  #emit(line: string): void {
    this.#onLine(line.endsWith('\r') ? line.slice(0, -1) : line)
  }
}
