import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import type { Kysely } from 'kysely'
import { type Static, Type } from 'typebox'
import { requireFactorFor } from '../account-security/gate.js'
import { findApplication } from '../applications/repo.js'
import type { Config } from '../config.js'
import type { Application, Database } from '../db/schema.js'
import { BadRequestError, NotFoundError } from '../errors.js'
import type { Viewer } from '../http/session.js'
import { MAX_STATE_LENGTH } from './params.js'
import { type ConsentTicket, MAX_TICKET_LENGTH, verifyTicket } from './ticket.js'

/** The consent form (CONTRACT 4a.4): `app`, `account_id`, `state`, `decision`, plus the signed `ticket`. */
export const ConsentBody = Type.Object({
  app: Type.Optional(Type.String({ maxLength: 20 })),
  account_id: Type.Optional(Type.String({ maxLength: 20 })),
  state: Type.Optional(Type.String({ maxLength: MAX_STATE_LENGTH })),
  decision: Type.Optional(Type.String({ maxLength: 10 })),
  ticket: Type.Optional(Type.String({ maxLength: MAX_TICKET_LENGTH })),
  _csrf: Type.Optional(Type.String()),
})
export type ConsentForm = Static<typeof ConsentBody>

export type VerifiedConsent =
  | { decision: 'deny'; ticket: ConsentTicket; application: Application }
  | { decision: 'allow'; ticket: ConsentTicket; application: Application; accountId: number }

/** The end of one flow (app-flow.ts, code-flow.ts): answers a verified consent. */
export type CompleteFlow = (completion: {
  app: FastifyInstance
  request: FastifyRequest
  reply: FastifyReply
  viewer: Viewer
  consent: VerifiedConsent
}) => Promise<FastifyReply>

export const STALE =
  'This consent form has expired or does not match the authorization request it was shown for. Go back to the application and start again.'

/**
 * Checks a consent POST against the ticket the consent page was rendered with:
 * same session, same application, same state. Anything else is refused before
 * the database is touched. Whether the chosen account may be authorized is not
 * decided here: the flow's completion grants through `grantAuthorization`,
 * which reads the person's effective role on that account inside its
 * transaction and refuses (403) an account where it is missing or too low.
 * That check is the one authority, whatever the page offered.
 */
export async function verifyConsent(
  db: Kysely<Database>,
  config: Config,
  viewer: Viewer,
  form: ConsentForm,
): Promise<VerifiedConsent> {
  const ticket = verifyTicket(form.ticket, config.sessionSecrets, viewer.sessionIdHash, config.now())
  if (!ticket || form.app !== String(ticket.appId) || (form.state ?? '') !== ticket.state) {
    throw new BadRequestError(STALE)
  }
  if (form.decision !== 'allow' && form.decision !== 'deny') {
    throw new BadRequestError('decision must be allow or deny')
  }
  const application = await findApplication(db, ticket.appId)
  if (!application) throw new NotFoundError('This application no longer exists.')
  if (form.decision === 'deny') return { decision: 'deny', ticket, application }
  const accountId = Number(form.account_id)
  if (!form.account_id || !Number.isSafeInteger(accountId) || accountId < 1) {
    throw new BadRequestError('Choose an account.')
  }
  requireFactorFor(viewer, accountId)
  return { decision: 'allow', ticket, application, accountId }
}
