import type { FastifyInstance } from 'fastify'
import type { Application } from '../../../src/db/schema.js'
import { authorizeUrl, pkcePair } from '../../oauth/oauth-helpers.js'

// Which pages the layout check visits, and why the list cannot go stale.
//
// The list is built from the app's own route table (app.routeList): every GET route of
// the page scope (errorStyle 'page') is a page. A route without parameters is visited
// at its own path, so a page someone adds later (invitations, sessions, a profile) is
// checked the day it is registered, with nobody editing this file. A route whose URL
// needs a seeded id or a query cannot be guessed: it must have an entry in URL_OF,
// and a GET page route with a `:param` that has none fails the check by name, telling
// its author to add one. An entry whose route no longer exists fails too, so the table
// follows the routes. Pages a signed-in admin does not see (setup, login) are visited
// signed out instead (SIGNED_OUT).

export interface LayoutSeedIds {
  application: Application
  subAccountId: number
  deviceUserCode: string
}

/** Routes whose URL needs an id of a seeded row or a query to show their page. */
const URL_OF: Record<string, (seed: LayoutSeedIds) => string> = {
  '/developers/applications/:id': (s) => `/developers/applications/${s.application.id}`,
  '/developers/applications/:id/edit': (s) => `/developers/applications/${s.application.id}/edit`,
  '/settings/accounts/sub-accounts/:id/delete': (s) =>
    `/settings/accounts/sub-accounts/${s.subAccountId}/delete`,
  // The consent page of each flow, for the application with the longest name and URLs.
  '/authorize': (s) => `/authorize?app=${s.application.id}&state=layout-check`,
  '/oauth/authorize': (s) =>
    authorizeUrl(s.application, { code_challenge: pkcePair().challenge, code_challenge_method: 'S256' }),
  // The device flow's consent page, with the user code to compare (the code form is the same page's first step).
  '/device': (s) => `/device?user_code=${s.deviceUserCode}`,
  // A link that names no sign-up: the page that says so (the layout suite opens sign-up).
  '/activate': () => '/activate?token=not-a-link-we-sent',
  // The other mailed links, with a token that names nothing: each shows its problem page.
  '/invitations/accept': () => '/invitations/accept?token=not-a-link-we-sent',
  '/password/reset': () => '/password/reset?token=not-a-link-we-sent',
  '/settings/profile/email/confirm': () => '/settings/profile/email/confirm?token=not-a-link-we-sent',
}

/** Pages whose right answer is not 200: they show a problem, and that page is what is measured. */
const STATUS_OF: Record<string, number> = {
  '/activate': 404,
  '/invitations/accept': 404,
  '/password/reset': 404,
  '/settings/profile/email/confirm': 404,
}

/** Pages that only a signed-out visitor sees: /setup before the first user, /login. */
export const SIGNED_OUT = ['/setup', '/login']

/** An error page, as a signed-in admin meets one (a missing application). */
export const ERROR_PAGE = '/developers/applications/2147483647'

export interface PageToCheck {
  /** For screenshots and messages: the path without its ids. */
  name: string
  url: string
  /** The status the page answers with; 200 unless said. */
  status?: number
}

export function nameOf(route: string): string {
  return (
    route
      .replace(/^\//, '')
      .replace(/[/:?&=]+/g, '-')
      .replace(/-+$/, '') || 'home'
  )
}

/** The signed-in pages from the route table; throws naming every route it cannot visit. */
export function signedInPages(app: FastifyInstance, seed: LayoutSeedIds): PageToCheck[] {
  const routes = app.routeList
    .filter((r) => r.method === 'GET' && r.errorStyle === 'page')
    .map((r) => r.url)
    .filter((url) => !SIGNED_OUT.includes(url))
  const missing = routes.filter((url) => url.includes(':') && !URL_OF[url])
  const stale = Object.keys(URL_OF).filter((url) => !routes.includes(url))
  if (missing.length > 0 || stale.length > 0) {
    throw new Error(
      [
        ...missing.map(
          (url) => `GET ${url} needs an id: add it to URL_OF in test/system/browser/layout-pages.ts`,
        ),
        ...stale.map((url) => `URL_OF in layout-pages.ts names ${url}, which is no longer a GET page route`),
      ].join('\n'),
    )
  }
  const pages = routes.map((url) => ({
    name: nameOf(url),
    url: URL_OF[url]?.(seed) ?? url,
    status: STATUS_OF[url] ?? 200,
  }))
  return [...pages, { name: 'error-page', url: ERROR_PAGE, status: 404 }]
}
