import { factorRequiredOn } from '../account-security/gate.js'
import { ineligibility } from '../authorizations/service.js'
import type { Role } from '../db/schema.js'
import type { Viewer } from '../http/session.js'
import { param } from './params.js'

/** An account as the consent page offers it: choosable, or disabled with the reason. */
export interface ConsentAccountOption {
  id: number
  name: string
  role: Role
  /** Why it cannot be chosen; undefined when it can. */
  reason: string | undefined
  selected: boolean
}

/** What the consent page shows of the person's accounts: one page of them, searched or not. */
export interface AccountChoice {
  options: ConsentAccountOption[]
  /** The search as typed ('' for none). */
  query: string
  /** 1-based page number and how many there are (at least 1). */
  page: number
  pages: number
  /** Accounts matching the search, over all pages. */
  matching: number
  /** Whether any of the person's accounts (not only this page's) can be chosen. */
  anyEligible: boolean
}

/**
 * Accounts listed per consent page. A person may belong to thousands of
 * accounts (issue 11, item 6); the page stays small and the rest is reached by
 * the search box or the next-page link, both plain GET forms and links, so the
 * page works without JavaScript.
 */
export const ACCOUNTS_PER_PAGE = 50
/** CONTRACT 9: an account under the second-factor policy, for a person who has none. */
const FACTOR_REASON = 'This account requires a second factor; set one up on your profile first.'
export const MAX_ACCOUNT_QUERY_LENGTH = 100
/** The query parameters the account search adds to the authorization request's URL. */
export const ACCOUNT_SEARCH_PARAMS = ['q', 'page'] as const

function searchOf(query: unknown): { text: string; page: number } {
  const q = param(query, 'q')
  const page = param(query, 'page')
  const text = typeof q === 'string' ? q.trim().slice(0, MAX_ACCOUNT_QUERY_LENGTH) : ''
  const number = typeof page === 'string' && /^\d{1,6}$/.test(page) ? Number(page) : 1
  return { text, page: Math.max(1, number) }
}

// A search matches an account's name (case-insensitively, anywhere) or its exact id.
function matches(account: { id: number; name: string }, text: string): boolean {
  if (!text) return true
  return String(account.id) === text || account.name.toLowerCase().includes(text.toLowerCase())
}

/**
 * The accounts the viewer can act on, searched by `?q=` and paged by `?page=`
 * (CONTRACT 4a.3: those where the effective role is below the requested
 * permission are disabled with the reason, and so are those whose policy asks for
 * a second factor the person lacks, CONTRACT 9). On the first unsearched page the
 * account preselected (the current account when it qualifies, otherwise the
 * first that does) is listed first, so the common case needs no search.
 */
export function accountChoice(viewer: Viewer, permission: Role, query: unknown): AccountChoice {
  const { text, page: asked } = searchOf(query)
  const all = viewer.accounts.map((account) => ({
    id: account.id,
    name: account.name,
    role: account.role,
    reason:
      ineligibility(account.role, permission) ??
      (factorRequiredOn(viewer, account.id) ? FACTOR_REASON : undefined),
    selected: false,
  }))
  const eligible = all.filter((c) => !c.reason)
  const preferred = eligible.find((c) => c.id === viewer.account?.id) ?? eligible[0]
  if (preferred) preferred.selected = true
  const ordered = preferred ? [preferred, ...all.filter((c) => c !== preferred)] : all
  const found = ordered.filter((c) => matches(c, text))
  const pages = Math.max(1, Math.ceil(found.length / ACCOUNTS_PER_PAGE))
  const page = Math.min(asked, pages)
  const options = found.slice((page - 1) * ACCOUNTS_PER_PAGE, page * ACCOUNTS_PER_PAGE)
  return { options, query: text, page, pages, matching: found.length, anyEligible: eligible.length > 0 }
}

/**
 * The authorization request's own query parameters, without the search's, as
 * name/value pairs: the search form repeats them as hidden inputs and the page
 * links carry them, so searching or paging shows the same request again.
 */
export function requestParams(query: unknown): [string, string][] {
  if (typeof query !== 'object' || query === null) return []
  const pairs: [string, string][] = []
  for (const [name, value] of Object.entries(query as Record<string, unknown>)) {
    if ((ACCOUNT_SEARCH_PARAMS as readonly string[]).includes(name)) continue
    for (const one of Array.isArray(value) ? value : [value]) {
      if (typeof one === 'string') pairs.push([name, one])
    }
  }
  return pairs
}

/** The link to another page of the same search, on the same authorization request. */
export function pageLink(path: string, query: unknown, search: string, page: number): string {
  const params = new URLSearchParams(requestParams(query))
  if (search) params.set('q', search)
  params.set('page', String(page))
  return `${path}?${params.toString()}`
}
