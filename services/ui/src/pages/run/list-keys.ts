/**
 * Arrow-key movement in the run page's lists (tasks, timeline rows), without React: which row a
 * key moves to. Enter and Space choose the row (handled by the list).
 */

/** The row `key` moves to from `current` in a list of `count` rows (`page` rows per screen); null: not a movement key. */
export function movedIndex(key: string, current: number, count: number, page = 10): number | null {
  if (count <= 0) return null
  const clamp = (i: number) => Math.min(count - 1, Math.max(0, i))
  switch (key) {
    case 'ArrowDown':
      return clamp(current + 1)
    case 'ArrowUp':
      return clamp(current - 1)
    case 'PageDown':
      return clamp(current + page)
    case 'PageUp':
      return clamp(current - page)
    case 'Home':
      return 0
    case 'End':
      return count - 1
    default:
      return null
  }
}
