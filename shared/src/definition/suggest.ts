import damerauLevenshtein from 'damerau-levenshtein'

/**
 * The candidate `word` was most likely meant to be, for "did you mean" hints: the closest by
 * Damerau–Levenshtein distance (case-insensitive; swapping two neighbouring letters is one edit,
 * as in `queeu` → `queue`), when at most a third of the longer word differs (at least one edit:
 * `shh` → `sh`, `slep` → `sleep`, `timout` → `timeout`). Undefined when nothing is close.
 */
export function suggestionFor(word: string, candidates: readonly string[]): string | undefined {
  if (word.length === 0) return undefined
  let best: { candidate: string; steps: number } | undefined
  for (const candidate of candidates) {
    if (candidate === word) continue
    const steps = damerauLevenshtein(word.toLowerCase(), candidate.toLowerCase()).steps
    if (!best || steps < best.steps) best = { candidate, steps }
  }
  if (!best) return undefined
  const limit = Math.max(1, Math.floor(Math.max(word.length, best.candidate.length) / 3))
  return best.steps <= limit ? best.candidate : undefined
}
