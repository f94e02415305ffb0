/** Baton's mark: a slanted baton (an inline SVG, so no font needs the glyph). */
export function Logo() {
  return (
    <svg className="logo" viewBox="0 0 16 16" width="16" height="16" aria-hidden="true" focusable="false">
      <rect x="1" y="7" width="14" height="2.4" rx="1.2" fill="currentColor" transform="rotate(-30 8 8)" />
    </svg>
  )
}
