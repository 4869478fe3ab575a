import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from 'typebox'
import { fromPrincipal } from '../audit/context.js'
import { principalOf, requirePermission, requirePerson } from '../http/api-scope.js'
import { ApiErrorResponses, ErrorResponse, IdParams } from '../http/schemas.js'
import { APPLICATION_ACCESS } from './access.js'
import { listApplications } from './repo.js'
import {
  ApplicationListResponse,
  ApplicationResponse,
  CreateApplicationBody,
  CreatedApplicationResponse,
  UpdateApplicationBody,
} from './schemas.js'
import * as applications from './service.js'
import { applicationView } from './view.js'

const tags = ['applications']

/** /api/v1/applications (CONTRACT section 6): browse reads, design creates, publish changes and deletes. */
export const applicationApiRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const view = (row: Parameters<typeof applicationView>[0]) => applicationView(row, app.config.publicUrl)

  app.get(
    '/api/v1/applications',
    {
      schema: { tags, response: { 200: ApplicationListResponse, ...ApiErrorResponses } },
      preHandler: requirePermission(APPLICATION_ACCESS.read),
    },
    async (request) => {
      const rows = await listApplications(app.db, principalOf(request).accountId)
      return { applications: rows.map(view) }
    },
  )

  app.post(
    '/api/v1/applications',
    {
      schema: {
        tags,
        body: CreateApplicationBody,
        response: { 201: CreatedApplicationResponse, 409: ErrorResponse, ...ApiErrorResponses },
      },
      preHandler: [requirePerson(), requirePermission(APPLICATION_ACCESS.create)],
    },
    async (request, reply) => {
      const principal = principalOf(request)
      const created = await applications.createApplication(
        app.db,
        { accountId: principal.accountId, userId: principal.userId, fields: request.body },
        fromPrincipal(request),
      )
      request.log.info({ appId: created.application.id }, 'application created')
      return reply
        .code(201)
        .header('Cache-Control', 'no-store')
        .send({ ...view(created.application), client_secret: created.clientSecret })
    },
  )

  app.get(
    '/api/v1/applications/:id',
    {
      schema: { tags, params: IdParams, response: { 200: ApplicationResponse, ...ApiErrorResponses } },
      preHandler: requirePermission(APPLICATION_ACCESS.read),
    },
    async (request) =>
      view(await applications.getApplication(app.db, principalOf(request).accountId, request.params.id)),
  )

  app.patch(
    '/api/v1/applications/:id',
    {
      schema: {
        tags,
        params: IdParams,
        body: UpdateApplicationBody,
        response: { 200: ApplicationResponse, 409: ErrorResponse, ...ApiErrorResponses },
      },
      preHandler: requirePermission(APPLICATION_ACCESS.change),
    },
    async (request) => {
      const updated = await applications.updateApplication(
        app.db,
        {
          accountId: principalOf(request).accountId,
          id: request.params.id,
          fields: request.body,
          now: app.config.now(),
        },
        fromPrincipal(request),
      )
      return view(updated)
    },
  )

  app.delete(
    '/api/v1/applications/:id',
    {
      schema: { tags, params: IdParams, response: { 204: Type.Null(), ...ApiErrorResponses } },
      preHandler: requirePermission(APPLICATION_ACCESS.delete),
    },
    async (request, reply) => {
      await applications.deleteApplication(
        app.db,
        { accountId: principalOf(request).accountId, id: request.params.id },
        fromPrincipal(request),
      )
      return reply.code(204).send(null)
    },
  )
}
