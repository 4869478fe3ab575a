import type { FastifyInstance, LightMyRequestResponse } from 'fastify'
import type { Config } from '../../src/config.js'
import { Browser, build, type Teardown, type TestApp, uniqueEmail } from '../helper.js'
import { type Mailbox, startMailbox } from '../mailbox.js'

/** What the sign-up form sends; a fresh address unless one is given. */
export function signupFields(
  overrides: Partial<Record<'email' | 'name' | 'password' | 'account_name', string>> = {},
) {
  return {
    email: uniqueEmail('signup'),
    name: 'Sam Signup',
    password: 'a long enough password',
    account_name: 'Sam Studio',
    ...overrides,
  }
}

/** The app with SIGNUP=open and a real SMTP mailbox. */
export async function openSignupApp(
  t: Teardown,
  overrides: Partial<Config> = {},
): Promise<TestApp & { mailbox: Mailbox }> {
  const mailbox = await startMailbox(t)
  const built = await build(t, { signup: 'open', smtpUrl: mailbox.url, ...overrides })
  return { ...built, mailbox }
}

/** Opens /signup as a person would (for its CSRF token) and submits the form. */
export async function signUp(
  app: FastifyInstance,
  fields: Record<string, string>,
  browser = new Browser(app),
): Promise<LightMyRequestResponse> {
  await browser.get('/signup')
  return browser.post('/signup', fields)
}

/** How many rows users, accounts, memberships and signups hold. */
export async function rowCounts(
  app: FastifyInstance,
): Promise<{ users: number; accounts: number; memberships: number; signups: number }> {
  const count = async (table: 'users' | 'accounts' | 'memberships' | 'signups') =>
    Number(
      (
        await app.db
          .selectFrom(table)
          .select((eb) => eb.fn.countAll().as('n'))
          .executeTakeFirstOrThrow()
      ).n,
    )
  return {
    users: await count('users'),
    accounts: await count('accounts'),
    memberships: await count('memberships'),
    signups: await count('signups'),
  }
}
