import type { FastifyInstance, LightMyRequestResponse } from 'fastify'
import { Browser } from '../helper.js'

export const USERS = '/settings/accounts/users'

/** The link the Users page shows once after an invitation (outside production, or when the mail failed). */
export function shownLink(page: LightMyRequestResponse | string): string | undefined {
  const body = typeof page === 'string' ? page : page.body
  const match = /id="invitation-link" readonly value="([^"]+)"/.exec(body)
  return match?.[1]?.replaceAll('&amp;', '&')
}

/** The link as a path with its query, for `inject`. */
export function pathOf(link: string): string {
  const url = new URL(link)
  return `${url.pathname}${url.search}`
}

/** The token of an invitation link. */
export function tokenOf(link: string): string {
  return new URL(link, 'http://localhost').searchParams.get('token') ?? ''
}

/** An admin invites on the Users page; answers the page and the link it shows. */
export async function inviteOnUsersPage(
  admin: Browser,
  email: string,
  role = 'browse',
): Promise<{ response: LightMyRequestResponse; link: string }> {
  const response = await admin.post(USERS, { email, role })
  if (response.statusCode !== 200) throw new Error(`invite failed: ${response.statusCode} ${response.body}`)
  const link = shownLink(response)
  if (!link) throw new Error('the Users page showed no invitation link')
  return { response, link: pathOf(link) }
}

/** A new person follows the link and chooses a name and password; answers their signed-in browser. */
export async function acceptAsNewPerson(
  app: FastifyInstance,
  link: string,
  name: string,
  password: string,
): Promise<{ browser: Browser; response: LightMyRequestResponse }> {
  const browser = new Browser(app)
  const page = await browser.get(link)
  if (page.statusCode !== 200) throw new Error(`the accept page answered ${page.statusCode}`)
  const response = await browser.post('/invitations/accept', { token: tokenOf(link), name, password })
  return { browser, response }
}

/** The first Accept form's action on a page (the overview lists the signed-in person's invitations). */
export function acceptFormOn(body: string): string {
  const match = /action="(\/invitations\/\d+\/accept)"/.exec(body)
  if (!match?.[1]) throw new Error('no Accept form on the page')
  return match[1]
}
