import type { LayoutRequest, LayoutResult } from './layout-types'

/** Size of a task box in the graph. */
export const NODE_WIDTH = 200
export const NODE_HEIGHT = 56

let worker: Worker | null = null
let nextId = 1
const waiting = new Map<number, { resolve: (p: Record<string, { x: number; y: number }>) => void; reject: (e: Error) => void }>()
const cache = new Map<string, Promise<Record<string, { x: number; y: number }>>>()

function layoutWorker(): Worker {
  if (!worker) {
    worker = new Worker(new URL('./elk.worker.ts', import.meta.url), { type: 'module' })
    worker.onmessage = (event: MessageEvent<LayoutResult>) => {
      const w = waiting.get(event.data.id)
      waiting.delete(event.data.id)
      if (!w) return
      if (event.data.positions) w.resolve(event.data.positions)
      else w.reject(new Error(event.data.error ?? 'layout failed'))
    }
  }
  return worker
}

/**
 * Positions of a DAG's nodes, computed by ELK in a Web Worker. Cached by the graph's shape (its
 * nodes and edges), so a status change never lays the graph out again.
 */
export function layoutDag(nodes: readonly string[], edges: readonly { from: string; to: string }[]): Promise<Record<string, { x: number; y: number }>> {
  const key = `${nodes.join('\u0000')}\u0001${edges.map((e) => `${e.from}>${e.to}`).join('\u0000')}`
  const hit = cache.get(key)
  if (hit) return hit
  const id = nextId++
  const promise = new Promise<Record<string, { x: number; y: number }>>((resolve, reject) => {
    waiting.set(id, { resolve, reject })
    const request: LayoutRequest = { id, nodes: [...nodes], edges: edges.map((e) => ({ from: e.from, to: e.to })), nodeWidth: NODE_WIDTH, nodeHeight: NODE_HEIGHT }
    layoutWorker().postMessage(request)
  })
  cache.set(key, promise)
  promise.catch(() => cache.delete(key))
  if (cache.size > 20) cache.delete(cache.keys().next().value!)
  return promise
}
