import { v7 } from 'uuid'

/** A new time-ordered id (UUID v7): runs, events and commands sort by creation time. */
export function newId(): string {
  return v7()
}
