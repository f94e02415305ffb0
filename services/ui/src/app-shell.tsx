import { useEffect, useState } from 'react'
import { NavLink, Outlet } from 'react-router'
import { useCan, useMe } from './auth/auth-context'
import { signOut } from './auth/session'
import { Logo } from './ui/logo'

type Theme = 'system' | 'light' | 'dark'
const THEME_KEY = 'baton.theme'

function useTheme(): [Theme, (t: Theme) => void] {
  const [theme, setTheme] = useState<Theme>(() => (localStorage.getItem(THEME_KEY) as Theme | null) ?? 'system')
  useEffect(() => {
    if (theme === 'system') document.documentElement.removeAttribute('data-theme')
    else document.documentElement.setAttribute('data-theme', theme)
    localStorage.setItem(THEME_KEY, theme)
  }, [theme])
  return [theme, setTheme]
}

/** The frame of every signed-in page: navigation, who is signed in, theme, sign out. */
export function AppShell() {
  const me = useMe()
  const can = useCan()
  const [theme, setTheme] = useTheme()
  const roles = [...new Set(me.grants.map((g) => (g.workflows ? `${g.role} on ${g.workflows}` : g.owner ? `${g.role} for owner ${g.owner}` : g.role)))].join(', ')
  return (
    <div className="shell">
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <header className="topbar">
        <NavLink to="/ui/workflows" className="brand">
          <Logo />{' '}
          Baton
        </NavLink>
        <nav aria-label="Main">
          <NavLink to="/ui/workflows">Workflows</NavLink>
          <NavLink to="/ui/alerts">Alerts</NavLink>
          <NavLink to="/ui/backfills">Backfills</NavLink>
          <NavLink to="/ui/dead-letters">Dead letters</NavLink>
          {can('audit') ? <NavLink to="/ui/audit">Audit</NavLink> : null}
          {can('tokens') ? <NavLink to="/ui/tokens">Tokens</NavLink> : null}
        </nav>
        <div className="topbar-end">
          <label className="theme-select">
            <span className="sr-only">Theme</span>
            <select value={theme} onChange={(e) => setTheme(e.target.value as Theme)} aria-label="Theme">
              <option value="system">System theme</option>
              <option value="light">Light</option>
              <option value="dark">Dark</option>
            </select>
          </label>
          <span className="who" title={`${me.id} · ${roles || 'no grants'}`} data-testid="who">
            {me.name} <span className="muted">({roles || 'no grants'})</span>
          </span>
          <button type="button" onClick={() => signOut()}>
            Sign out
          </button>
        </div>
      </header>
      <main id="main" tabIndex={-1}>
        <Outlet />
      </main>
    </div>
  )
}
