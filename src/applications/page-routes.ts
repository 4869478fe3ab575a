import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { FastifyReply } from 'fastify'
import { type Static, Type } from 'typebox'
import { ROLE_DESCRIPTIONS, roleAtLeast } from '../accounts/roles.js'
import { fromViewer } from '../audit/context.js'
import type { Application } from '../db/schema.js'
import { displayTime } from '../http/display.js'
import { noticeFor, redirectOrShowProblem } from '../http/form-outcome.js'
import { IdParams, NoticeQuery } from '../http/schemas.js'
import { requireRole, requireViewer, viewerOf } from '../http/session.js'
import { requireStepUp } from '../step-up/require-step-up.js'
import { APPLICATION_ACCESS, APPLICATION_DENIED } from './access.js'
import type { ApplicationInput } from './input.js'
import { listApplications } from './repo.js'
import * as applications from './service.js'
import { MAX_REDIRECT_URLS } from './urls.js'
import { applicationView } from './view.js'

const FormBody = Type.Object({
  name: Type.Optional(Type.String()),
  description: Type.Optional(Type.String()),
  url: Type.Optional(Type.String()),
  redirect_url: Type.Optional(Type.String()),
  /** One URL per line (CONTRACT 10); `redirect_url` is still accepted from older clients. */
  redirect_urls: Type.Optional(Type.String()),
  permission: Type.Optional(Type.String()),
  access_token_lifetime: Type.Optional(Type.String()),
})

type FormFields = Static<typeof FormBody>

/** The form's fields as the service takes them: the textarea's lines become the list. */
function formInput({ redirect_urls, ...fields }: FormFields): ApplicationInput {
  return redirect_urls === undefined ? fields : { ...fields, redirect_urls: redirect_urls.split(/\r?\n/) }
}

/** What the form shows in its redirect URLs textarea: the list, or what was typed. */
function redirectUrlsText(values: ApplicationInput | FormFields): string {
  const list = values.redirect_urls
  if (typeof list === 'string') return list
  return (list ?? (values.redirect_url ? [values.redirect_url] : [])).join('\n')
}

const NOTICES: Record<string, string> = {
  updated: 'The application was saved.',
  deleted: 'The application was deleted; its authorizations and tokens no longer work.',
}

/**
 * The Applications tab. Any member reads; design+ creates; publish+ edits,
 * deletes and regenerates the client secret (CONTRACT section 1). Edits go to
 * `POST /developers/applications/:id` from the form at `…/:id/edit`.
 */
export const applicationPageRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const canRead = requireRole(APPLICATION_ACCESS.read)
  const canCreate = requireRole(APPLICATION_ACCESS.create, APPLICATION_DENIED.create)

  function details(reply: FastifyReply, row: Application, extra: Record<string, unknown> = {}) {
    const { account } = viewerOf(reply.request)
    return reply.page('applications/details', {
      title: row.name,
      app: applicationView(row, app.config.publicUrl),
      created: displayTime(row.created_at),
      canChange: roleAtLeast(account.role, APPLICATION_ACCESS.change),
      secret: undefined,
      notice: undefined,
      ...extra,
    })
  }

  function form(
    reply: FastifyReply,
    data: { action: string; values: ApplicationInput | FormFields; problem?: string },
  ) {
    const editing = data.action !== '/developers/applications'
    return reply.page('applications/form', {
      title: editing ? 'Edit application' : 'Add an application',
      editing,
      roles: ROLE_DESCRIPTIONS,
      redirectUrls: redirectUrlsText(data.values),
      maxRedirectUrls: MAX_REDIRECT_URLS,
      ...data,
    })
  }

  /** Bad input and duplicate names come back as the form with the problem on it. */
  function orFormProblem(
    reply: FastifyReply,
    action: string,
    values: FormFields,
    run: () => Promise<string | FastifyReply>,
  ) {
    return redirectOrShowProblem(reply, run, (r, problem) => form(r, { action, values, problem }))
  }

  // CONTRACT section 3: the developer dashboard's own address, the footer's "Developers" link.
  // Signed out, requireViewer sends the visitor to /login?next=/developers and back here after.
  app.get('/developers', { preHandler: requireViewer }, async (_request, reply) =>
    reply.redirect('/developers/applications'),
  )

  app.get(
    '/developers/applications',
    { preHandler: canRead, schema: { querystring: NoticeQuery } },
    async (request, reply) => {
      const { account } = viewerOf(request)
      const rows = await listApplications(app.db, account.id)
      return reply.page('applications/list', {
        title: 'Applications',
        apps: rows.map((row) => ({
          ...applicationView(row, app.config.publicUrl),
          created: displayTime(row.created_at),
        })),
        canCreate: roleAtLeast(account.role, APPLICATION_ACCESS.create),
        notice: noticeFor(NOTICES, request.query.notice),
      })
    },
  )

  app.get('/developers/applications/new', { preHandler: canCreate }, async (_request, reply) =>
    form(reply, { action: '/developers/applications', values: { permission: 'browse' } }),
  )

  app.post(
    '/developers/applications',
    { preHandler: canCreate, schema: { body: FormBody } },
    async (request, reply) => {
      const { account, user } = viewerOf(request)
      return orFormProblem(reply, '/developers/applications', request.body, async () => {
        const created = await applications.createApplication(
          app.db,
          { accountId: account.id, userId: user.id, fields: formInput(request.body) },
          fromViewer(request),
        )
        request.log.info({ appId: created.application.id }, 'application created')
        return details(reply, created.application, {
          secret: created.clientSecret,
          notice: 'The application was created.',
        })
      })
    },
  )

  app.get(
    '/developers/applications/:id',
    { preHandler: canRead, schema: { params: IdParams, querystring: NoticeQuery } },
    async (request, reply) => {
      const row = await applications.getApplication(app.db, viewerOf(request).account.id, request.params.id)
      return details(reply, row, { notice: noticeFor(NOTICES, request.query.notice) })
    },
  )

  app.get(
    '/developers/applications/:id/edit',
    {
      preHandler: requireRole(APPLICATION_ACCESS.change, APPLICATION_DENIED.change),
      schema: { params: IdParams },
    },
    async (request, reply) => {
      const row = await applications.getApplication(app.db, viewerOf(request).account.id, request.params.id)
      return form(reply, {
        action: `/developers/applications/${row.id}`,
        values: applicationView(row, app.config.publicUrl),
      })
    },
  )

  app.post(
    '/developers/applications/:id',
    {
      preHandler: requireRole(APPLICATION_ACCESS.change, APPLICATION_DENIED.change),
      schema: { params: IdParams, body: FormBody },
    },
    async (request, reply) => {
      const { account } = viewerOf(request)
      const { id } = request.params
      return orFormProblem(reply, `/developers/applications/${id}`, request.body, async () => {
        await applications.updateApplication(
          app.db,
          { accountId: account.id, id, fields: formInput(request.body), now: app.config.now() },
          fromViewer(request),
        )
        return `/developers/applications/${id}?notice=updated`
      })
    },
  )

  app.post(
    '/developers/applications/:id/delete',
    {
      preHandler: [
        requireRole(APPLICATION_ACCESS.delete, APPLICATION_DENIED.delete),
        requireStepUp({ action: 'delete the application', back: '/developers/applications' }),
      ],
      schema: { params: IdParams },
    },
    async (request, reply) => {
      await applications.deleteApplication(
        app.db,
        { accountId: viewerOf(request).account.id, id: request.params.id },
        fromViewer(request),
      )
      return reply.redirect('/developers/applications?notice=deleted', 303)
    },
  )

  app.post(
    '/developers/applications/:id/secret',
    {
      preHandler: [
        requireRole(APPLICATION_ACCESS.change, APPLICATION_DENIED.change),
        requireStepUp({ action: 'regenerate the client secret', back: '/developers/applications' }),
      ],
      schema: { params: IdParams },
    },
    async (request, reply) => {
      const regenerated = await applications.regenerateClientSecret(
        app.db,
        { accountId: viewerOf(request).account.id, id: request.params.id, now: app.config.now() },
        fromViewer(request),
      )
      return details(reply, regenerated.application, {
        secret: regenerated.clientSecret,
        notice: 'A new client secret was generated; the old one no longer works.',
      })
    },
  )
}
