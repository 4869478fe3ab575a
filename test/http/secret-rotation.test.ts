import type { FastifyInstance, LightMyRequestResponse } from 'fastify'
import t from 'tap'
import { buildApp } from '../../src/app.js'
import { Sealer } from '../../src/security/sealed.js'
import { consentFields, seedClient } from '../consent/flow-helpers.js'
import { seedChooser } from '../consent/people.js'
import { DATABASE_KIND, freshDatabase, loginAs, type Teardown, testConfig } from '../helper.js'

// CONTRACT 12: SESSION_SECRET lists secrets; the first signs, all verify. Three
// deployments of one database: before the rotation (OLD), during it (NEW,OLD)
// and after the old secret is dropped (NEW).

const OLD = 'the-old-session-secret-0123456789abcdefghijklmn'
const NEW = 'the-new-session-secret-0123456789abcdefghijklmn'

async function deployment(
  t: Teardown,
  database: Awaited<ReturnType<typeof freshDatabase>>['database'],
  secret: string,
) {
  const app = await buildApp(testConfig({ sessionSecret: secret }), { database, logger: false })
  t.teardown(() => app.close())
  await app.ready()
  return app
}

type Cookies = Map<string, string>

function cookieHeader(cookies: Cookies): string {
  return [...cookies].map(([name, value]) => `${name}=${value}`).join('; ')
}

/** A page as the browser holding these cookies sees it; cookies the page sets are kept. */
async function open(app: FastifyInstance, url: string, cookies: Cookies): Promise<LightMyRequestResponse> {
  const response = await app.inject({ url, headers: { cookie: cookieHeader(cookies), accept: 'text/html' } })
  for (const c of response.cookies as { name: string; value: string }[]) cookies.set(c.name, c.value)
  return response
}

/** A form posted with exactly these cookies and fields (no fresh CSRF token fetched). */
function post(app: FastifyInstance, url: string, cookies: Cookies, fields: Record<string, string>) {
  return app.inject({
    method: 'POST',
    url,
    payload: new URLSearchParams(fields).toString(),
    headers: {
      cookie: cookieHeader(cookies),
      'content-type': 'application/x-www-form-urlencoded',
      accept: 'text/html',
    },
  })
}

function csrfOn(page: LightMyRequestResponse): string {
  const token = /name="_csrf" value="([^"]+)"/.exec(page.body)?.[1]
  if (!token) throw new Error(`no CSRF token on the page (${page.statusCode})`)
  return token
}

/** A signed-in browser's cookies, a form's CSRF token and a consent form, all made before the rotation. */
async function beforeRotation(
  app: FastifyInstance,
  user: Awaited<ReturnType<typeof seedChooser>>,
  appId: number,
) {
  const browser = await loginAs(app, user)
  const cookies: Cookies = new Map(browser.cookies)
  const csrf = csrfOn(await open(app, '/settings/profile/sessions', cookies))
  const consent = consentFields((await open(app, `/authorize?app=${appId}&state=s1`, cookies)).body)
  return { cookies, csrf, consent }
}

t.test(
  `rotating SESSION_SECRET keeps sessions, forms and consent tickets; dropping the old one ends what was signed (${DATABASE_KIND})`,
  async (t) => {
    const { database } = await freshDatabase(t)
    const old = await deployment(t, database, OLD)
    const user = await seedChooser(old)
    const { application } = await seedClient(old, user)
    const kept = await beforeRotation(old, user, application.id)
    const dropped = await beforeRotation(old, user, application.id)
    const renewed = await beforeRotation(old, user, application.id)
    t.ok(kept.consent.ticket, 'a consent ticket was rendered')

    const rotated = await deployment(t, database, `${NEW},${OLD}`)
    const consent = { ...kept.consent, decision: 'allow', account_id: String(user.studioId) }
    const wrongTicket = await post(rotated, '/authorize', kept.cookies, {
      ...consent,
      ticket: `${kept.consent.ticket}x`,
    })
    t.equal(wrongTicket.statusCode, 400, 'an altered ticket is still refused')
    const forged = await post(rotated, '/logout', kept.cookies, { _csrf: `${kept.csrf}x` })
    t.equal(forged.statusCode, 403, 'an altered CSRF token is still refused')
    const allowed = await post(rotated, '/authorize', kept.cookies, consent)
    t.equal(
      allowed.statusCode,
      303,
      'a consent page opened before the rotation still decides (its CSRF cookie, token and ticket)',
    )
    t.match(String(allowed.headers.location), /^https:\/\/app\.example\.com\/callback\?.*token=lka_/)
    const page = await open(rotated, '/settings/profile/sessions', kept.cookies)
    t.equal(page.statusCode, 200, 'still signed in after the rotation')
    const loggedOut = await post(rotated, '/logout', kept.cookies, { _csrf: kept.csrf })
    t.equal(loggedOut.statusCode, 303, 'a form rendered before the rotation posts')
    t.equal(
      (await open(rotated, '/settings/profile/sessions', kept.cookies)).statusCode,
      303,
      'and did what it says: signed out',
    )

    const signedWithOldKey = renewed.cookies.get('lk_csrf')
    const renewedCsrf = csrfOn(await open(rotated, '/settings/profile/sessions', renewed.cookies))
    t.not(
      renewed.cookies.get('lk_csrf'),
      signedWithOldKey,
      'a CSRF cookie signed with an older secret is signed again',
    )
    t.equal(
      renewed.cookies.get('lk_csrf')?.split('.')[0],
      signedWithOldKey?.split('.')[0],
      'with the same value, so the forms on screen keep working',
    )

    const newApp = await deployment(t, database, NEW)
    const renewedForm = await post(newApp, '/logout', renewed.cookies, { _csrf: renewedCsrf })
    t.equal(
      renewedForm.statusCode,
      303,
      'what the rotated deployment signed is good once the old secret is gone',
    )
    const oldForm = await post(newApp, '/logout', dropped.cookies, { _csrf: dropped.csrf })
    t.equal(
      oldForm.statusCode,
      403,
      'after the old secret is dropped, a form rendered before the rotation fails',
    )
    t.match(oldForm.body, 'The form has expired or did not come from this site')
    const signedWithOld = dropped.cookies.get('lk_csrf')
    const fresh = await open(newApp, '/settings/profile/sessions', dropped.cookies)
    t.equal(
      fresh.statusCode,
      200,
      'sessions are not signed (a random id kept as a hash): they outlive the old secret',
    )
    t.not(
      dropped.cookies.get('lk_csrf'),
      signedWithOld,
      'the CSRF cookie signed with the dropped secret is replaced',
    )
    const oldTicket = await post(newApp, '/authorize', dropped.cookies, {
      ...dropped.consent,
      _csrf: csrfOn(fresh),
      decision: 'allow',
      account_id: String(user.studioId),
    })
    t.equal(oldTicket.statusCode, 400, 'and a consent ticket issued before it is stale')
    t.match(oldTicket.body, 'This consent form has expired')
  },
)

t.test('sealed values: the deployment’s secrets seal with the first and open with any', async (t) => {
  const before = new Sealer(testConfig({ sessionSecret: OLD }).sessionSecrets, 'totp').seal(
    'JBSWY3DPEHPK3PXP',
  )
  const rotated = testConfig({ sessionSecret: `${NEW}, ${OLD}` })
  t.same(rotated.sessionSecrets, [NEW, OLD], 'the list, trimmed')
  t.equal(rotated.sessionSecret, NEW, 'the first secret signs')
  t.equal(new Sealer(rotated.sessionSecrets, 'totp').open(before), 'JBSWY3DPEHPK3PXP')
  t.throws(() => new Sealer(testConfig({ sessionSecret: NEW }).sessionSecrets, 'totp').open(before))
})

t.test(
  `dropping the SESSION_SECRET a signing key was sealed under: the server starts and a new key signs (${DATABASE_KIND})`,
  async (t) => {
    const { database } = await freshDatabase(t)
    const old = await deployment(t, database, OLD)
    const before = (await old.inject({ url: '/oauth/jwks' })).json().keys as { kid: string }[]
    t.equal(before.length, 1, 'the first key, made at start')
    const newApp = await deployment(t, database, NEW)
    const token = await newApp.signingKeys.sign({ sub: '1' })
    const kid = JSON.parse(Buffer.from(token.split('.')[0] ?? '', 'base64url').toString()).kid
    t.not(kid, before[0]?.kid, 'a key the listed secret can open signs')
    const after = (await newApp.inject({ url: '/oauth/jwks' })).json().keys as { kid: string }[]
    t.same(
      after.map((key) => key.kid).sort(),
      [kid, before[0]?.kid].sort(),
      'the old public key stays published, so id tokens it signed still verify',
    )
    const rotated = await database.db
      .selectFrom('audit_events')
      .select(['action', 'actor_label'])
      .where('action', '=', 'signing_key.rotated')
      .execute()
    t.same(rotated, [{ action: 'signing_key.rotated', actor_label: 'latchkey server' }], 'audited')
  },
)
