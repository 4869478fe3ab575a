import type { FastifyInstance } from 'fastify'
import type { AuditContext } from '../../../src/audit/record.js'
import type { Application } from '../../../src/db/schema.js'
import { startDeviceAuthorization } from '../../../src/device/service.js'
import { createSubAccount } from '../../../src/sub-accounts/service.js'
import { addUserWithRole, setupFirstAdmin } from '../../../src/users/service.js'
import { authorize, personalToken, seedApplication } from '../../fixtures.js'
import { PASSWORD } from '../../helper.js'

// Realistic rows for the layout check: the long names, emails and URLs people really
// have, which are what break a table on a phone. Everything goes through the services
// the pages use, so the rows are what the pages would show after real use.

export const LONG_ADMIN = {
  name: 'Alexandra Konstantinopoulou-Whitfield',
  email: 'alexandra.konstantinopoulou-whitfield@platform-engineering.example-corporation.com',
  password: PASSWORD,
}

const LONG_AGENT =
  'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36'

export interface LayoutSeed {
  userId: number
  accountId: number
  /** An application with a long name, URL and redirect URL (for its details, edit and consent pages). */
  application: Application
  subAccountId: number
  /** The user code of a device authorization the long application asked for (the device flow's consent page). */
  deviceUserCode: string
}

export async function seedLayoutData(app: FastifyInstance): Promise<LayoutSeed> {
  const { userId, accountId } = await setupFirstAdmin(
    app.db,
    { ...LONG_ADMIN, accountName: 'Studio Meridian Creative Production Partners' },
    { ip: '203.0.113.17', userAgent: LONG_AGENT },
  )
  const audit: AuditContext = {
    actorUserId: userId,
    actorLabel: LONG_ADMIN.email,
    ip: '2001:db8:85a3:0000:0000:8a2e:0370:7334',
    userAgent: LONG_AGENT,
  }
  // A second account of the admin's, so the header shows the account switcher.
  await addUserWithRole(
    app.db,
    {
      ...LONG_ADMIN,
      role: 'admin',
      account: {
        newAccountName: 'Northwind Traders International Holdings (Europe, Middle East and Africa)',
      },
    },
    audit,
  )
  const people = [
    [
      'Maximilian Featherstonehaugh-Montgomery',
      'maximilian.featherstonehaugh-montgomery@subsidiary.example.co.uk',
    ],
    ['Bo Li', 'bo@example.com'],
    ['Zoë Ångström', 'zoe.angstrom+latchkey-notifications@research-laboratories.example.org'],
  ] as const
  const others: number[] = []
  for (const [index, [name, email]] of people.entries()) {
    const added = await addUserWithRole(
      app.db,
      { name, email, password: PASSWORD, role: index === 1 ? 'browse' : 'publish', account: { accountId } },
      audit,
    )
    others.push(added.userId)
  }

  const owner = { accountId, userId }
  const long = await seedApplication(app, owner, {
    name: 'Quarterly Revenue Forecasting and Reporting Dashboard for the Regional Sales Teams',
    description:
      'Reads published catalogues every night and builds the regional revenue forecasts that the sales teams review each Monday.',
    url: 'https://reporting.analytics.example-corporation.com/dashboards/quarterly-revenue-forecasting',
    redirect_url:
      'https://reporting.analytics.example-corporation.com/oauth/callback/latchkey?tenant=emea-north&return=%2Fdashboards%2Fquarterly',
    permission: 'design',
  })
  const local = await seedApplication(app, owner, {
    name: 'Build Bot',
    redirect_url: 'http://localhost:8080/callback',
    permission: 'browse',
  })
  const pipeline = await seedApplication(app, owner, {
    name: 'Publishing Pipeline Integration (staging environment)',
    permission: 'publish',
  })
  await authorize(app, long.application, owner)
  await authorize(app, local.application, { accountId, userId: others[0] ?? userId })
  await authorize(app, pipeline.application, { accountId, userId: others[2] ?? userId })

  for (const [name, permission] of [
    ['Continuous deployment of the marketing website (production cluster)', 'publish'],
    ['Nightly catalogue export', 'browse'],
    ['Design system sync from Figma to the component library', 'design'],
  ] as const) {
    await personalToken(app, owner, permission, { name })
  }

  const parent = await createSubAccount(
    app.db,
    {
      rootId: accountId,
      actorUserId: userId,
      parentId: accountId,
      name: 'Meridian Europe — Amsterdam Studio',
    },
    audit,
  )
  const child = await createSubAccount(
    app.db,
    {
      rootId: accountId,
      actorUserId: userId,
      parentId: parent.id,
      name: 'Amsterdam Post-production and Colour Grading Department',
    },
    audit,
  )
  await createSubAccount(
    app.db,
    { rootId: accountId, actorUserId: userId, parentId: child.id, name: 'Night shift' },
    audit,
  )
  const device = await startDeviceAuthorization(app.db, {
    application: long.application,
    scope: { permission: long.application.permission, identity: new Set() },
    now: app.config.now(),
  })
  return {
    userId,
    accountId,
    application: long.application,
    subAccountId: parent.id,
    deviceUserCode: device.userCode,
  }
}
