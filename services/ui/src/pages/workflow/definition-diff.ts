/**
 * The diff of two workflow versions (no React, no DOM): each definition as pretty JSON with its
 * keys sorted (so a key's move is not a change), compared line by line (`diff`'s diffLines), with
 * long unchanged stretches folded to a few lines of context.
 */
import { diffLines } from 'diff'

/** A JSON value with object keys sorted at every depth, printed with two-space indents. */
export function stableJson(value: unknown): string {
  return JSON.stringify(sortKeys(value), null, 2)
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys)
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.keys(value as object)
        .sort()
        .map((k) => [k, sortKeys((value as Record<string, unknown>)[k])]),
    )
  }
  return value
}

/** One line of the diff: added, removed or the same, with its line numbers in the old and new text. */
export type DiffLine = { kind: 'add' | 'del' | 'same'; text: string; oldNo: number | null; newNo: number | null } | { kind: 'fold'; count: number }

/** The line diff of `a` (old) and `b` (new), unchanged stretches longer than 2×`context` folded. */
export function definitionDiff(a: unknown, b: unknown, context = 3): DiffLine[] {
  const lines: DiffLine[] = []
  let oldNo = 1
  let newNo = 1
  for (const part of diffLines(stableJson(a), stableJson(b))) {
    const texts = part.value.replace(/\n$/, '').split('\n')
    for (const text of texts) {
      if (part.added) lines.push({ kind: 'add', text, oldNo: null, newNo: newNo++ })
      else if (part.removed) lines.push({ kind: 'del', text, oldNo: oldNo++, newNo: null })
      else lines.push({ kind: 'same', text, oldNo: oldNo++, newNo: newNo++ })
    }
  }
  return fold(lines, context)
}

function fold(lines: DiffLine[], context: number): DiffLine[] {
  const out: DiffLine[] = []
  let i = 0
  while (i < lines.length) {
    if (lines[i]!.kind !== 'same') {
      out.push(lines[i++]!)
      continue
    }
    let j = i
    while (j < lines.length && lines[j]!.kind === 'same') j++
    // Keep `context` lines after a change and before the next one; the file's ends need none.
    const keepHead = i === 0 ? 0 : context
    const keepTail = j === lines.length ? 0 : context
    if (j - i > keepHead + keepTail + 1) {
      out.push(...lines.slice(i, i + keepHead), { kind: 'fold', count: j - i - keepHead - keepTail }, ...lines.slice(j - keepTail, j))
    } else out.push(...lines.slice(i, j))
    i = j
  }
  return out
}

/** How many lines were added and removed. */
export function diffCounts(lines: readonly DiffLine[]): { added: number; removed: number } {
  let added = 0
  let removed = 0
  for (const l of lines) {
    if (l.kind === 'add') added++
    else if (l.kind === 'del') removed++
  }
  return { added, removed }
}
