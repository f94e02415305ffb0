import { useEffect, useRef, useState, type KeyboardEvent, type ReactNode } from 'react'
import { useVirtualizer } from '@tanstack/react-virtual'
import { movedIndex } from './list-keys'

/** What a row is drawn with. */
export interface RowState {
  active: boolean
  selected: boolean
}

/** The props of a VirtualListbox. */
export interface VirtualListboxProps {
  /** The accessible name of the list. */
  label: string
  /** A prefix for row element ids (unique on the page). */
  idPrefix: string
  count: number
  rowHeight: number
  maxHeight: number
  /** The chosen row (it also becomes the active one when it changes). */
  selectedIndex: number | null
  onChoose: (index: number) => void
  renderRow: (index: number, state: RowState) => ReactNode
  /** The accessible name of a row (status, durations…). */
  rowLabel: (index: number) => string
  /** Drawn under the rows, across the whole scrolled height (grid lines). */
  underlay?: ReactNode
  className?: string
}

/**
 * A keyboard-driven list that renders only the rows in view (2,000 tasks stay light): one tab
 * stop; arrows, Page Up/Down, Home/End move the active row (kept in view, announced through
 * aria-activedescendant); Enter or Space chooses it, as a click does.
 */
export function VirtualListbox(props: VirtualListboxProps) {
  const { count, rowHeight, selectedIndex } = props
  const scroller = useRef<HTMLDivElement>(null)
  const [active, setActive] = useState(selectedIndex ?? 0)
  const virtualizer = useVirtualizer({ count, getScrollElement: () => scroller.current, estimateSize: () => rowHeight, overscan: 8 })

  useEffect(() => {
    if (selectedIndex === null || selectedIndex < 0) return
    setActive(selectedIndex)
    virtualizer.scrollToIndex(selectedIndex, { align: 'auto' })
    // Follow the selection made elsewhere (graph click, URL), not every render.
  }, [selectedIndex])

  const onKeyDown = (e: KeyboardEvent<HTMLDivElement>) => {
    if (e.key === 'Enter' || e.key === ' ') {
      e.preventDefault()
      if (active < count) props.onChoose(active)
      return
    }
    const page = Math.max(1, Math.floor(props.maxHeight / rowHeight) - 1)
    const next = movedIndex(e.key, Math.min(active, count - 1), count, page)
    if (next === null) return
    e.preventDefault()
    setActive(next)
    virtualizer.scrollToIndex(next, { align: 'auto' })
  }

  const height = Math.min(props.maxHeight, Math.max(count, 1) * rowHeight)
  const activeId = count ? `${props.idPrefix}-${Math.min(active, count - 1)}` : undefined
  return (
    <div
      ref={scroller}
      className={`vlist ${props.className ?? ''}`}
      role="listbox"
      tabIndex={0}
      aria-label={props.label}
      aria-activedescendant={activeId}
      onKeyDown={onKeyDown}
      style={{ height, overflowY: 'auto', position: 'relative' }}
    >
      <div style={{ height: virtualizer.getTotalSize(), position: 'relative' }}>
        {props.underlay}
        {virtualizer.getVirtualItems().map((item) => {
          const selected = item.index === selectedIndex
          const isActive = item.index === active
          return (
            <div
              key={item.key}
              id={`${props.idPrefix}-${item.index}`}
              role="option"
              aria-selected={selected}
              aria-label={props.rowLabel(item.index)}
              className={`vlist-row${selected ? ' selected' : ''}${isActive ? ' active' : ''}`}
              style={{ position: 'absolute', top: 0, left: 0, right: 0, height: item.size, transform: `translateY(${item.start}px)` }}
              onClick={() => {
                setActive(item.index)
                props.onChoose(item.index)
              }}
            >
              {props.renderRow(item.index, { active: isActive, selected })}
            </div>
          )
        })}
      </div>
    </div>
  )
}
