/**
 * Which waiting attempts a slot group admits now: a pure function of the group's policy, its free
 * slots, what each owner holds and the waiting attempts (docs/architecture.md, "Slots and pools").
 */

/** A waiting attempt as the choice sees it. */
export interface SlotCandidate {
  /** `runId/taskId/attempt`. */
  readonly id: string
  readonly owner: string
  readonly priority: number
  /** Slots it needs in each of its groups (the group being admitted among them). */
  readonly needs: ReadonlyMap<string, number>
}

/** The group being admitted and how it shares its slots. */
export interface SlotPolicy {
  readonly group: string
  /** Split between owners by weight (the owner furthest below its share goes next). */
  readonly fairShare: boolean
  /** Owner → weight under fair share; absent owners weigh 1. */
  readonly weights: Readonly<Record<string, number>>
}

/**
 * Admits candidates (given highest priority first, then oldest) while they fit.
 *
 * - The group's own slots are strict: when the next candidate needs more than are free, admission
 *   stops rather than letting smaller, later work overtake it (a 4-slot task is never starved by
 *   a stream of 1-slot ones).
 * - Another group that is full (the task's own concurrency, say) only skips that candidate: it is
 *   not this group's to wait for.
 * - Under fair share the next candidate comes from the owner whose held slots divided by its
 *   weight is lowest (ties: the better candidate), so one owner's backlog cannot take every slot
 *   while another owner waits; within an owner, priority then age.
 *
 * `free` holds the free slots of every group a candidate needs (a group not in it is full); it is
 * not changed. `held` is the slots each owner holds in the group now.
 */
export function chooseAdmissions(policy: SlotPolicy, candidates: readonly SlotCandidate[], free: ReadonlyMap<string, number>, held: ReadonlyMap<string, number>): string[] {
  const left = new Map(free)
  const holding = new Map(held)
  const admitted: string[] = []
  const fits = (c: SlotCandidate) => [...c.needs].every(([g, n]) => g === policy.group || (left.get(g) ?? 0) >= n)
  const take = (c: SlotCandidate) => {
    for (const [g, n] of c.needs) left.set(g, (left.get(g) ?? 0) - n)
    holding.set(c.owner, (holding.get(c.owner) ?? 0) + (c.needs.get(policy.group) ?? 0))
    admitted.push(c.id)
  }
  const own = (c: SlotCandidate) => c.needs.get(policy.group) ?? 0

  if (!policy.fairShare) {
    for (const c of candidates) {
      if (own(c) > (left.get(policy.group) ?? 0)) break
      if (fits(c)) take(c)
    }
    return admitted
  }

  // Fair share: one queue per owner, in the given order.
  const queues = new Map<string, SlotCandidate[]>()
  for (const c of candidates) queues.set(c.owner, [...(queues.get(c.owner) ?? []), c])
  const rank = new Map(candidates.map((c, i) => [c.id, i]))
  const weight = (owner: string) => policy.weights[owner] ?? 1
  for (;;) {
    let best: SlotCandidate | undefined
    let bestShare = Infinity
    for (const [owner, q] of queues) {
      const head = q[0]
      if (!head) continue
      const share = (holding.get(owner) ?? 0) / weight(owner)
      if (share < bestShare || (share === bestShare && rank.get(head.id)! < rank.get(best!.id)!)) {
        best = head
        bestShare = share
      }
    }
    if (!best) return admitted
    if (own(best) > (left.get(policy.group) ?? 0)) return admitted
    queues.get(best.owner)!.shift()
    if (fits(best)) take(best)
  }
}
