import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import type { Page } from 'playwright-core'

// What the layout check measures inside the page. The project's tsconfig has no DOM
// library, so the little of it these functions touch is typed here; the functions run in
// chromium (page.evaluate serialises them), so they may use nothing from this module.

interface Rect {
  left: number
  right: number
  top: number
  bottom: number
  width: number
  height: number
}
interface DomNode {
  nodeType: number
  textContent: string | null
  parentElement: DomElement | null
}
interface DomElement extends DomNode {
  tagName: string
  id: string
  className: unknown
  scrollWidth: number
  clientWidth: number
  getBoundingClientRect(): Rect
  getClientRects(): ArrayLike<Rect>
  contains(other: DomNode): boolean
  closest(selector: string): DomElement | null
  querySelectorAll(selector: string): ArrayLike<DomElement>
}
interface DomRange {
  selectNodeContents(node: DomNode): void
  getClientRects(): ArrayLike<Rect>
}
interface InPage {
  document: {
    documentElement: DomElement
    body: DomElement
    createRange(): DomRange
    createTreeWalker(root: DomNode, whatToShow: number): { nextNode(): DomNode | null }
  }
  getComputedStyle(element: DomElement): {
    display: string
    visibility: string
    clip: string
    clipPath: string
    overflowX: string
  }
}

export interface LayoutFindings {
  /** Elements that reach past the right edge of the viewport (the page scrolls sideways). */
  wider: string[]
  /** Boxes inside the page that scroll sideways: content hidden off to the right on a phone. */
  sideways: string[]
  /** Buttons whose label runs over two lines or is cut off. */
  wrapped: string[]
  /** Pairs of controls or text runs drawn over each other. */
  overlaps: string[]
  /** Buttons, fields and the links of the header, navigation and footer less than 44 px high. */
  smallTargets: string[]
}

/** Runs in the page: the measurements behind LayoutFindings. */
function measure(minTarget: number): LayoutFindings {
  const w = globalThis as unknown as InPage
  const doc = w.document
  const root = doc.documentElement
  const viewport = root.clientWidth

  function describe(node: DomNode): string {
    const element = node.nodeType === 1 ? (node as DomElement) : node.parentElement
    if (!element) return '?'
    const id = element.id ? `#${element.id}` : ''
    const cls =
      typeof element.className === 'string' && element.className ? `.${element.className.split(' ')[0]}` : ''
    const text = (node.textContent ?? '').replace(/\s+/g, ' ').trim().slice(0, 40)
    return `${element.tagName.toLowerCase()}${id}${cls} "${text}"`
  }

  /** Not drawn for anyone: display none, invisible, clipped away (visually-hidden) or moved off screen. */
  function hidden(element: DomElement | null): boolean {
    for (let e = element; e; e = e.parentElement) {
      const style = w.getComputedStyle(e)
      if (style.display === 'none' || style.visibility === 'hidden') return true
      if ((style.clip && style.clip !== 'auto') || (style.clipPath && style.clipPath !== 'none')) return true
      const box = e.getBoundingClientRect()
      if (box.right <= 0) return true
    }
    return false
  }

  const visible = (rects: ArrayLike<Rect>): Rect[] =>
    Array.from(rects).filter((r) => r.width > 1 && r.height > 1)

  const all = Array.from(doc.body.querySelectorAll('*')).filter((e) => !hidden(e))

  const wider = all
    .filter((e) => e.getBoundingClientRect().right > viewport + 1)
    // the innermost culprits: an element whose children all fit is the one that is too wide
    .filter(
      (e) => !Array.from(e.querySelectorAll('*')).some((c) => c.getBoundingClientRect().right > viewport + 1),
    )
    .map(describe)

  const sideways = all
    .filter((e) => !/^(INPUT|SELECT|TEXTAREA)$/.test(e.tagName))
    .filter((e) => /auto|scroll/.test(w.getComputedStyle(e).overflowX) && e.scrollWidth > e.clientWidth + 1)
    .map((e) => `${describe(e)} (${e.scrollWidth} px of content in ${e.clientWidth} px)`)

  const buttons = all.filter((e) => e.tagName === 'BUTTON' || e.closest('a.button') === e)
  const wrapped: string[] = []
  for (const button of buttons) {
    const range = doc.createRange()
    range.selectNodeContents(button)
    const lines = new Set(visible(range.getClientRects()).map((r) => Math.round(r.bottom / 4)))
    if (lines.size > 1) wrapped.push(`${describe(button)} runs over ${lines.size} lines`)
    else if (button.scrollWidth > button.clientWidth + 1) wrapped.push(`${describe(button)} is cut off`)
  }

  // Overlaps: controls by their boxes, other text by the boxes of its lines. A node is
  // never compared with what contains it (a label and its text, a button and its label).
  const CONTROLS = 'a, button, input:not([type=hidden]), select, textarea, img, svg'
  const items: { node: DomNode; rects: Rect[] }[] = []
  for (const control of all.filter((e) => e.closest(CONTROLS) === e)) {
    items.push({ node: control, rects: visible(control.getClientRects()) })
  }
  const walker = doc.createTreeWalker(doc.body, 4 /* NodeFilter.SHOW_TEXT */)
  for (let text = walker.nextNode(); text; text = walker.nextNode()) {
    const parent = text.parentElement
    if (!parent || !(text.textContent ?? '').trim()) continue
    if (parent.closest(`${CONTROLS}, option, script, style, title`) || hidden(parent)) continue
    const range = doc.createRange()
    range.selectNodeContents(text)
    items.push({ node: text, rects: visible(range.getClientRects()) })
  }
  const overlaps: string[] = []
  const meet = (a: Rect, b: Rect) =>
    Math.min(a.right, b.right) - Math.max(a.left, b.left) > 2 &&
    Math.min(a.bottom, b.bottom) - Math.max(a.top, b.top) > 2
  for (let i = 0; i < items.length; i += 1) {
    for (let j = i + 1; j < items.length; j += 1) {
      const a = items[i]!
      const b = items[j]!
      const nested =
        (a.node.nodeType === 1 && (a.node as DomElement).contains(b.node)) ||
        (b.node.nodeType === 1 && (b.node as DomElement).contains(a.node))
      if (nested) continue
      if (a.rects.some((ra) => b.rects.some((rb) => meet(ra, rb)))) {
        overlaps.push(`${describe(a.node)} overlaps ${describe(b.node)}`)
      }
    }
  }

  const TARGETS =
    'button, a.button, input:not([type=hidden]):not([type=radio]):not([type=checkbox]), select, header a, nav a, footer a'
  const smallTargets = all
    .filter((e) => e.closest(TARGETS) === e)
    .filter((e) => e.getBoundingClientRect().height < minTarget - 0.5)
    .map((e) => `${describe(e)} is ${Math.round(e.getBoundingClientRect().height)} px high`)

  return { wider, sideways, wrapped, overlaps, smallTargets }
}

/** WCAG 2.5.5's 44 CSS px, the size Apple and Android give for a finger. */
export const MIN_TARGET = 44

export async function measureLayout(page: Page): Promise<LayoutFindings> {
  // tsx compiles with esbuild's keepNames, which wraps inner functions in __name(); the page has no such helper.
  await page.evaluate('globalThis.__name ??= (f) => f')
  return page.evaluate(measure, MIN_TARGET)
}

const AXE_SOURCE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8')

interface AxeViolation {
  id: string
  impact?: string | null
  help: string
  nodes: { target: unknown[] }[]
}

/** axe-core's serious and critical violations on the page, one line each with where they are. */
export async function seriousAccessibilityViolations(page: Page): Promise<string[]> {
  // page.evaluate runs outside the page's CSP, so axe needs no script-src exception.
  await page.evaluate(AXE_SOURCE)
  const violations = await page.evaluate(async () => {
    const axe = (globalThis as unknown as { axe: { run(): Promise<{ violations: AxeViolation[] }> } }).axe
    return (await axe.run()).violations
  })
  return violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.impact} ${v.id}: ${v.help} at ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`)
}
