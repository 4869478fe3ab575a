import { mkdirSync } from 'node:fs'
import type { Browser, Page } from 'playwright-core'
import t, { type Test } from 'tap'
import { listenOnLoopback } from '../../consent/loopback.js'
import { DATABASE_KIND } from '../../helper.js'
import { CHROMIUM as CHROMIUM_PACKAGE, requirePrograms } from '../require-program.js'
import { LONG_ADMIN, seedLayoutData } from './layout-data.js'
import { nameOf, type PageToCheck, SIGNED_OUT, signedInPages } from './layout-pages.js'
import { measureLayout, seriousAccessibilityViolations } from './layout-probe.js'
import { collectProblems, launchChromium } from './page-checks.js'

// Every page at a phone's width and a laptop's, with long names, emails and URLs in
// every table: nothing may make the page wider than the screen or scroll sideways, no
// button label may wrap, nothing may be drawn over something else, touch targets are
// 44 px high, axe-core finds nothing serious, and every page has the footer's
// "Developers" link. Screenshots: test-artifacts/layout/<width>-<page>.png.

// About 2 minutes alone (axe runs about a second a page); the 2-core CI box is slower.
t.setTimeout(600_000)

const ARTIFACTS = 'test-artifacts/layout'
const VIEWPORTS = [
  { name: 'phone', width: 390, height: 844 },
  { name: 'desktop', width: 1280, height: 800 },
] as const

const skip = requirePrograms(t, [CHROMIUM_PACKAGE])

async function checkPage(
  t: Test,
  page: Page,
  base: string,
  target: PageToCheck,
  width: number,
): Promise<void> {
  const where = `${target.name} at ${width} px`
  const response = await page.goto(`${base}${target.url}`)
  const expected = target.status ?? 200
  t.equal(response?.status(), expected, `${where}: answers ${expected}`)
  await page.screenshot({ path: `${ARTIFACTS}/${width}-${target.name}.png`, fullPage: true })
  const findings = await measureLayout(page)
  t.same(findings.wider, [], `${where}: nothing is wider than the viewport`)
  t.same(findings.sideways, [], `${where}: nothing scrolls sideways`)
  t.same(findings.wrapped, [], `${where}: no button label wraps or is cut off`)
  t.same(findings.overlaps, [], `${where}: nothing overlaps`)
  t.same(findings.smallTargets, [], `${where}: buttons, fields and navigation are at least 44 px high`)
  t.same(await seriousAccessibilityViolations(page), [], `${where}: no serious or critical axe violations`)
  const footer = page.locator('footer a[href="/developers"]')
  t.same(await footer.allTextContents(), ['Developers'], `${where}: the footer links to /developers`)
}

async function signIn(page: Page, base: string): Promise<void> {
  await page.goto(`${base}/login`)
  await page.getByLabel('Email').fill(LONG_ADMIN.email)
  await page.getByLabel('Password').fill(LONG_ADMIN.password)
  await Promise.all([page.waitForURL(`${base}/`), page.getByRole('button', { name: 'Sign in' }).click()])
}

async function newPage(t: Test, browser: Browser, viewport: { width: number; height: number }) {
  const context = await browser.newContext({ viewport })
  t.teardown(() => context.close())
  const page = await context.newPage()
  return { page, problems: collectProblems(page) }
}

// The checks themselves can fail: a page built to break each rule is caught by each.
const BROKEN_PAGE = `<!doctype html><html lang="en"><head><title>Broken</title></head><body><main>
<p style="width:600px">far too wide</p>
<button style="width:60px;height:50px">Revoke access</button>
<p>first text</p><p style="margin-top:-1.5em">drawn over it</p>
<nav><a href="/x" style="display:inline-block;height:20px">tiny</a></nav>
<div style="overflow-x:auto;width:200px"><table><tr><td style="white-space:nowrap">a row much wider than the box that holds it, so the box scrolls</td></tr></table></div>
</main></body></html>`

t.test('the layout probe finds each kind of problem', { skip }, async (t) => {
  const browser = await launchChromium(t)
  const { page } = await newPage(t, browser, { width: 390, height: 844 })
  await page.setContent(BROKEN_PAGE)
  const findings = await measureLayout(page)
  t.match(findings.wider, [/^p "far too wide"/], 'a block wider than the viewport')
  t.match(findings.wrapped, [/^button "Revoke access" runs over 2 lines/], 'a wrapped button label')
  t.ok(
    findings.overlaps.some((o) => o.includes('first text') && o.includes('drawn over it')),
    'text drawn over text',
  )
  t.match(findings.smallTargets, [/^a "tiny" is 20 px high/], 'a navigation link under 44 px')
  t.match(findings.sideways, [/^div "a row much wider/], 'a box that scrolls sideways')
})

t.test(
  `every page at ${VIEWPORTS.map((v) => v.width).join(' and ')} px (${DATABASE_KIND})`,
  { skip },
  async (t) => {
    const browser = await launchChromium(t)
    // Sign-up open, so its pages are there to measure.
    const { app, publicUrl } = await listenOnLoopback(t, { signup: 'open' })
    mkdirSync(ARTIFACTS, { recursive: true })

    // Each width in a page of its own at the same time: chromium lays out and runs axe
    // in a renderer process per page, so the two widths take both cores.
    const eachWidth = (check: (viewport: (typeof VIEWPORTS)[number]) => Promise<void>) =>
      Promise.all(VIEWPORTS.map(check))

    // /setup exists only before the first user: measured first, then the data goes in.
    await eachWidth(async (viewport) => {
      const { page } = await newPage(t, browser, viewport)
      await checkPage(
        t,
        page,
        publicUrl,
        { name: nameOf(SIGNED_OUT[0] ?? ''), url: '/setup' },
        viewport.width,
      )
    })
    const seed = await seedLayoutData(app)
    const pages = signedInPages(app, seed)
    t.ok(pages.length >= 12, `${pages.length} signed-in pages from the route table`)

    await eachWidth(async (viewport) => {
      const { page, problems } = await newPage(t, browser, viewport)
      await checkPage(t, page, publicUrl, { name: 'login', url: '/login' }, viewport.width)
      await signIn(page, publicUrl)
      for (const target of pages) await checkPage(t, page, publicUrl, target, viewport.width)
      t.same(problems, [], `${viewport.name}: no script errors or CSP violations on any page`)
    })
  },
)
