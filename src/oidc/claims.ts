import type { IdentityScope } from '../oauth/scope.js'

/** The person an id token or a userinfo answer speaks of, and on which account. */
export interface Subject {
  userId: number
  name: string
  email: string
  accountId: number
}

/**
 * The claims about the person by the granted identity scopes (CONTRACT 10):
 * `sub` and `account_id` (a number) always, `name` with profile, `email` and
 * `email_verified` with email. email_verified is true because every address in
 * Latchkey was confirmed before its person existed: by the activation link of a
 * sign-up, by accepting an invitation mailed to it, or by the confirmation link
 * of an email change; an operator's `users create` is the operator vouching.
 */
export function personClaims(subject: Subject, scopes: ReadonlySet<IdentityScope>): Record<string, unknown> {
  return {
    sub: String(subject.userId),
    account_id: subject.accountId,
    ...(scopes.has('profile') ? { name: subject.name } : {}),
    ...(scopes.has('email') ? { email: subject.email, email_verified: true } : {}),
  }
}

/** The identity scopes stored with a code or token (space-separated text) as a set. */
export function identityScopesOf(stored: string): Set<IdentityScope> {
  return new Set(stored.split(' ').filter((word) => word !== '') as IdentityScope[])
}
