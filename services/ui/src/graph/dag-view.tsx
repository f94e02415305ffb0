import { memo, useEffect, useMemo, useState } from 'react'
import { Background, Controls, Handle, MiniMap, Position, ReactFlow, type Edge, type Node, type NodeProps } from '@xyflow/react'
import '@xyflow/react/dist/style.css'
import { barSegments, countsWords, mappedLabel, type MapCounts } from '../ui/map-counts'
import { statusClass, statusIcon, statusLabel } from '../ui/status'
import { layoutDag, NODE_HEIGHT, NODE_WIDTH } from './layout'

/** A task in the graph: its id, what kind it is, where it runs, its trigger rule and (in a run) its status. */
export interface DagTask {
  id: string
  kind: string
  queue: string
  trigger: string
  upstream: readonly string[]
  status?: string
  /** A short extra line: attempts, duration. */
  note?: string
  /** A mapped task (in a run): how many instances it has (null until its list was read) and their counts by status. */
  map?: { total: number | null; counts: MapCounts }
}

type TaskNodeData = { task: DagTask; selected: boolean }

/** One task box: status colour, icon and word, kind, queue and (when not the default) trigger rule. */
const TaskNode = memo(function TaskNode({ data }: NodeProps<Node<TaskNodeData>>) {
  const t = data.task
  const status = t.status
  return (
    <div
      className={`dag-node ${status ? statusClass(status) : 'st-none'}${data.selected ? ' selected' : ''}`}
      data-task={t.id}
      data-status={status ?? ''}
      data-map-total={t.map ? (t.map.total ?? '') : undefined}
      title={`${t.id}: ${status ? statusLabel(status) : t.kind} · queue ${t.queue} · trigger ${t.trigger}${t.map ? ` · mapped: ${countsWords(t.map.counts)}` : ''}${t.note ? ` · ${t.note}` : ''}`}
    >
      <Handle type="target" position={Position.Left} isConnectable={false} />
      <div className="dag-node-title">
        {status ? <span aria-hidden="true">{statusIcon(status)} </span> : null}
        {t.map ? mappedLabel(t.id, t.map.total) : t.id}
      </div>
      {t.map ? <MapBar counts={t.map.counts} /> : null}
      <div className="dag-node-meta">
        {status ? <span className="dag-node-status">{statusLabel(status)}</span> : null}
        {t.kind !== 'task' ? <span className="tag">{t.kind}</span> : null}
        <span className="tag" title="queue">⇢ {t.queue}</span>
        {t.trigger !== 'all_success' ? <span className="tag rule" title="trigger rule">{t.trigger}</span> : null}
        {t.note ? <span className="muted">{t.note}</span> : null}
      </div>
      <Handle type="source" position={Position.Right} isConnectable={false} />
    </div>
  )
})

/** A mapped task's instances as a thin bar of status colours, with the counts in words for screen readers and on hover. */
function MapBar({ counts }: { counts: MapCounts }) {
  const words = countsWords(counts)
  return (
    <div className="dag-map-bar" role="img" aria-label={`instances: ${words}`} title={words} data-testid="map-bar">
      {barSegments(counts).map((s) => (
        <span key={s.status} className={statusClass(s.status)} style={{ width: `${s.percent}%` }} />
      ))}
    </div>
  )
}

const nodeTypes = { task: TaskNode }

/** Above this many tasks the first view shows the start of the graph, not all of it. */
const LARGE_GRAPH = 150

/**
 * A workflow's or run's DAG: laid out by ELK off the main thread, zoomable and pannable
 * (@xyflow/react), only the visible part rendered (2,000-task graphs stay smooth). Status changes
 * recolour nodes without a new layout. Clicking a task (or Enter on it) selects it.
 */
export function DagView({ tasks, selected, onSelect, height = 520 }: { tasks: readonly DagTask[]; selected?: string | null; onSelect?: (taskId: string) => void; height?: number | string }) {
  const ids = useMemo(() => tasks.map((t) => t.id), [tasks])
  const edgeList = useMemo(() => tasks.flatMap((t) => t.upstream.map((u) => ({ from: u, to: t.id }))), [tasks])
  const shape = `${ids.join(',')}|${edgeList.length}`
  const [positions, setPositions] = useState<Record<string, { x: number; y: number }> | null>(null)
  const [layoutError, setLayoutError] = useState<string | null>(null)
  useEffect(() => {
    let live = true
    layoutDag(ids, edgeList)
      .then((p) => live && setPositions(p))
      .catch((e: Error) => live && setLayoutError(e.message))
    return () => {
      live = false
    }
    // The layout depends on the graph's shape only.
  }, [shape])

  const nodes = useMemo<Node<TaskNodeData>[]>(
    () =>
      positions
        ? tasks.map((t) => ({
            id: t.id,
            type: 'task',
            position: positions[t.id] ?? { x: 0, y: 0 },
            data: { task: t, selected: t.id === selected },
            width: NODE_WIDTH,
            height: NODE_HEIGHT,
            draggable: false,
            connectable: false,
            ariaLabel: `${t.id}${t.status ? `, ${statusLabel(t.status)}` : ''}`,
          }))
        : [],
    [positions, tasks, selected],
  )
  const edges = useMemo<Edge[]>(
    () =>
      edgeList.map((e) => ({ id: `${e.from}>${e.to}`, source: e.from, target: e.to, type: 'smoothstep', focusable: false })),
    [edgeList],
  )

  // A large graph opens on its first tasks at a readable zoom, not all of it as specks: only what
  // is on screen is drawn, so 2,000 tasks cost what 40 do until the user zooms out.
  const fitView = tasks.length > LARGE_GRAPH ? { nodes: tasks.slice(0, 40).map((t) => ({ id: t.id })), maxZoom: 1, minZoom: 0.4 } : { maxZoom: 1, minZoom: 0.05 }

  if (layoutError) return <div className="state state-error">Could not lay out the graph: {layoutError}</div>
  if (!positions) {
    return (
      <div className="dag dag-loading" style={{ height }} role="status">
        <span className="spinner" aria-hidden="true" /> Laying out {tasks.length.toLocaleString()} tasks…
      </div>
    )
  }
  return (
    <div
      className="dag"
      style={{ height }}
      data-testid="dag"
      data-nodes={tasks.length}
      onKeyDown={(e) => {
        // xyflow makes each node focusable; Enter on one selects that task, as a click does.
        const id = (e.target as HTMLElement).closest('.react-flow__node')?.getAttribute('data-id')
        if (e.key === 'Enter' && id) onSelect?.(id)
      }}
    >
      <ReactFlow
        nodes={nodes}
        edges={edges}
        nodeTypes={nodeTypes}
        fitView
        fitViewOptions={fitView}
        minZoom={0.02}
        maxZoom={2}
        onlyRenderVisibleElements
        nodesDraggable={false}
        nodesConnectable={false}
        elementsSelectable
        onNodeClick={(_e, node) => onSelect?.(node.id)}
        proOptions={{ hideAttribution: true }}
      >
        <Background gap={24} size={1} />
        <Controls showInteractive={false} />
        {tasks.length > 30 ? <MiniMap pannable zoomable bgColor="var(--bg-raised)" maskColor="color-mix(in srgb, var(--bg-soft) 70%, transparent)" nodeClassName={(n) => statusClass((n.data as TaskNodeData).task.status ?? 'none')} /> : null}
      </ReactFlow>
    </div>
  )
}
