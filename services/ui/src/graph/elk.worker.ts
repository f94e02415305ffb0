/// <reference lib="webworker" />
import ELK from 'elkjs/lib/elk.bundled.js'
import type { LayoutRequest, LayoutResult } from './layout-types'

/**
 * Lays out DAGs off the main thread: ELK's layered algorithm (the Sugiyama family Airflow's and
 * Dagster's graphs use), left to right. A 2,000-task graph takes seconds; the page stays responsive.
 */
const elk = new ELK()

/** Above this many tasks the layout trades polish for time. */
const LARGE = 300
/**
 * Measured on a 2,000-task, 20-layer graph (docs/ui.md, "Performance"): ELK's
 * defaults took ~20 s, almost all of it in network-simplex layering; longest-path layering,
 * simple node placement, polyline routing and no greedy switch take ~2 s and still read as
 * layers left to right.
 */
const LARGE_GRAPH_OPTIONS = {
  'elk.layered.layering.strategy': 'LONGEST_PATH',
  'elk.layered.nodePlacement.strategy': 'SIMPLE',
  'elk.layered.crossingMinimization.greedySwitch.type': 'OFF',
  'elk.layered.thoroughness': '1',
  'elk.edgeRouting': 'POLYLINE',
}

self.onmessage = async (event: MessageEvent<LayoutRequest>) => {
  const { id, nodes, edges, nodeWidth, nodeHeight } = event.data
  try {
    const graph = await elk.layout({
      id: 'root',
      layoutOptions: {
        'elk.algorithm': 'layered',
        'elk.direction': 'RIGHT',
        'elk.layered.spacing.nodeNodeBetweenLayers': '56',
        'elk.spacing.nodeNode': '18',
        ...(nodes.length > LARGE ? LARGE_GRAPH_OPTIONS : { 'elk.layered.nodePlacement.strategy': 'BRANDES_KOEPF' }),
      },
      children: nodes.map((n) => ({ id: n, width: nodeWidth, height: nodeHeight })),
      edges: edges.map((e, i) => ({ id: `e${i}`, sources: [e.from], targets: [e.to] })),
    })
    const positions: LayoutResult['positions'] = {}
    for (const c of graph.children ?? []) positions[c.id] = { x: c.x ?? 0, y: c.y ?? 0 }
    self.postMessage({ id, positions } satisfies LayoutResult)
  } catch (e) {
    self.postMessage({ id, error: (e as Error).message } satisfies LayoutResult)
  }
}
