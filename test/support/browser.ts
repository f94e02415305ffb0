import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core'

/**
 * Real Chromium for the web UI's tests (docs/ui.md, "Tests"): Debian's browser driven by
 * playwright-core (never a downloaded one), headless, with the flags a closed network needs (no
 * background connections to Google's services). `make test` installs the package when missing
 * (scripts/ensure-chromium.sh).
 */

/** The browser binary: BATON_CHROMIUM, else Debian's. */
export const CHROMIUM = process.env.BATON_CHROMIUM ?? '/usr/bin/chromium'

const ROOT = fileURLToPath(new URL('../..', import.meta.url))

/**
 * Where screenshots go: `.baton/screenshots/` always; with BATON_UI_SCREENSHOTS=docs the set shown
 * in the README and docs/ui.md is written to `docs/images/` instead (then committed).
 */
export function screenshotDir(): string {
  const dir = process.env.BATON_UI_SCREENSHOTS === 'docs' ? join(ROOT, 'docs', 'images') : join(ROOT, '.baton', 'screenshots')
  mkdirSync(dir, { recursive: true })
  return dir
}

/** Launches headless Chromium. Close it with `browser.close()` in the file's `after`. */
export async function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage'],
  })
}

/** Problems the page reported: uncaught errors and console errors. A test asserts there are none. */
export interface PageProblems {
  readonly errors: string[]
}

/**
 * A fresh browser context (its own session storage: a new tab's session) at 1440×900, with the
 * page's uncaught errors and console errors collected. `ignore` drops expected console noise
 * (e.g. a 403 the test provokes).
 */
export async function openPage(browser: Browser, options: { colorScheme?: 'light' | 'dark'; ignore?: RegExp } = {}): Promise<{ context: BrowserContext; page: Page; problems: PageProblems }> {
  const context = await browser.newContext({ viewport: { width: 1440, height: 900 }, colorScheme: options.colorScheme ?? 'light', timezoneId: 'America/New_York' })
  const page = await context.newPage()
  const problems: PageProblems = { errors: [] }
  page.on('pageerror', (e) => problems.errors.push(`pageerror: ${e.message}`))
  page.on('console', (m) => {
    if (m.type() !== 'error') return
    const text = m.text()
    // A refused request is logged by the browser itself; the tests check the page's own messages.
    if (/Failed to load resource/.test(text)) return
    if (options.ignore?.test(text)) return
    problems.errors.push(`console: ${text}`)
  })
  page.setDefaultTimeout(20_000)
  return { context, page, problems }
}

/** Signs in by pasting `token` on the sign-in page, then waits for the app's frame. */
export async function signInWithToken(page: Page, baseUrl: string, token: string, path = '/ui/workflows'): Promise<void> {
  await page.goto(`${baseUrl}${path}`)
  await page.getByLabel('API token', { exact: true }).fill(token)
  await page.getByRole('button', { name: 'Sign in', exact: true }).click()
  await page.getByTestId('who').waitFor()
}

/** Saves a screenshot named `name.png` (see screenshotDir). */
export async function screenshot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: join(screenshotDir(), `${name}.png`) })
}
