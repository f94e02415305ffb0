import { createHash } from 'node:crypto'

/**
 * The seeded pseudo-random generator behind every random choice of a chaos run (fault times,
 * victims, workloads, junk). sfc32, seeded through SHA-256 of `seed/label`: each concern gets a
 * stream of its own (`fork`), so adding a fault does not shift the workload drawn after it.
 */
export interface Prng {
  /** A float in [0, 1). */
  next(): number
  /** An integer in [min, max] (both inclusive). */
  int(min: number, max: number): number
  /** A float in [min, max). */
  float(min: number, max: number): number
  /** True with probability p. */
  chance(p: number): boolean
  /** One element of a non-empty list. */
  pick<T>(list: readonly T[]): T
  /** One key of `weights`, with probability proportional to its weight. */
  weighted<K extends string>(weights: Readonly<Record<K, number>>): K
  /** A shuffled copy (Fisher–Yates). */
  shuffle<T>(list: readonly T[]): T[]
  /** A version-4-shaped UUID made of generator output (same seed, same ids). */
  uuid(): string
  /** An independent generator for one concern, derived from the same seed. */
  fork(label: string): Prng
}

/** A generator for `seed`, optionally for one labelled concern. */
export function createPrng(seed: number, label = 'root'): Prng {
  const h = createHash('sha256').update(`${seed >>> 0}/${label}`).digest()
  let a = h.readUInt32LE(0)
  let b = h.readUInt32LE(4)
  let c = h.readUInt32LE(8)
  let d = h.readUInt32LE(12)
  const u32 = (): number => {
    a >>>= 0
    b >>>= 0
    c >>>= 0
    d >>>= 0
    const t = (a + b + d) | 0
    d = (d + 1) | 0
    a = b ^ (b >>> 9)
    b = (c + (c << 3)) | 0
    c = (c << 21) | (c >>> 11)
    c = (c + t) | 0
    return t >>> 0
  }
  // Warm-up, as sfc32's authors recommend.
  for (let i = 0; i < 12; i++) u32()
  const next = (): number => u32() / 4294967296
  const prng: Prng = {
    next,
    int: (min, max) => min + Math.floor(next() * (max - min + 1)),
    float: (min, max) => min + next() * (max - min),
    chance: (p) => next() < p,
    pick<T>(list: readonly T[]): T {
      if (list.length === 0) throw new Error('pick from an empty list')
      return list[Math.floor(next() * list.length)]!
    },
    weighted<K extends string>(weights: Readonly<Record<K, number>>): K {
      const entries = Object.entries(weights) as [K, number][]
      const total = entries.reduce((s, [, w]) => s + w, 0)
      let x = next() * total
      for (const [k, w] of entries) {
        x -= w
        if (x < 0) return k
      }
      return entries[entries.length - 1]![0]
    },
    shuffle<T>(list: readonly T[]): T[] {
      const out = [...list]
      for (let i = out.length - 1; i > 0; i--) {
        const j = Math.floor(next() * (i + 1))
        ;[out[i], out[j]] = [out[j]!, out[i]!]
      }
      return out
    },
    uuid() {
      const hex = Array.from({ length: 4 }, () => u32().toString(16).padStart(8, '0')).join('')
      const variant = ((parseInt(hex[16]!, 16) & 0x3) | 0x8).toString(16)
      return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-${variant}${hex.slice(17, 20)}-${hex.slice(20, 32)}`
    },
    fork: (sub) => createPrng(seed, `${label}/${sub}`),
  }
  return prng
}

/** A fresh seed for a run that was not given one: 1 to 2^31 − 1, short enough to type. */
export function randomSeed(): number {
  return 1 + Math.floor(Math.random() * 0x7ffffffe)
}
