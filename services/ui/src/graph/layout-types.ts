/** A layout asked of the layout worker. */
export interface LayoutRequest {
  id: number
  nodes: string[]
  edges: { from: string; to: string }[]
  nodeWidth: number
  nodeHeight: number
}

/** Its answer: each node's top-left corner, or why it failed. */
export interface LayoutResult {
  id: number
  positions?: Record<string, { x: number; y: number }>
  error?: string
}
