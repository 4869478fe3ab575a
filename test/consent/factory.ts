import type { FastifyInstance } from 'fastify'
import { generateClientSecret } from '../../src/applications/client-secret.js'
import { insertApplication } from '../../src/applications/repo.js'
import type { Application, Role } from '../../src/db/schema.js'

export interface TestApplication {
  application: Application
  /** The client secret, as a developer would have copied it. */
  secret: string
}

let counter = 0

/** An application registered straight through the repository (the dashboard is built elsewhere). */
export async function createTestApplication(
  app: FastifyInstance,
  values: {
    accountId: number
    permission?: Role
    redirectUrl?: string
    name?: string
    description?: string
    url?: string
  },
): Promise<TestApplication> {
  counter += 1
  const { secret, hash } = generateClientSecret()
  const application = await insertApplication(app.db, {
    accountId: values.accountId,
    name: values.name ?? `Test App ${counter}`,
    description: values.description ?? 'Publishes your designs to the web.',
    url: values.url ?? 'https://app.example.com',
    redirectUrl: values.redirectUrl ?? 'https://app.example.com/callback',
    permission: values.permission ?? 'design',
    clientSecretHash: hash,
    createdBy: null,
  })
  return { application, secret }
}

/** The hidden inputs of the consent form on a page. */
export function consentFields(html: string): Record<string, string> {
  const fields: Record<string, string> = {}
  const form = /<form method="post" action="\/authorize">([\s\S]*?)<\/form>/.exec(html)?.[1] ?? ''
  for (const match of form.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)">/g)) {
    fields[match[1] as string] = decodeEntities(match[2] as string)
  }
  return fields
}

function decodeEntities(value: string): string {
  return value
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&')
}
