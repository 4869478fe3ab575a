import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from 'typebox'

const METHODS = ['get', 'post', 'put', 'patch', 'delete'] as const

interface Operation {
  summary?: string
  description?: string
  tags?: string[]
  responses?: Record<string, { description?: string }>
}

type Paths = Record<string, Partial<Record<(typeof METHODS)[number], Operation>>>

/** The operations of the OpenAPI document as rows for the /docs page, grouped by tag. */
export function operationRows(document: { paths?: Paths }) {
  const rows = Object.entries(document.paths ?? {}).flatMap(([path, item]) =>
    METHODS.filter((m) => item[m]).map((m) => {
      const op = item[m] as Operation
      return {
        tag: op.tags?.[0] ?? 'other',
        method: m.toUpperCase(),
        path,
        summary: op.summary ?? '',
        statuses: Object.keys(op.responses ?? {}).join(', '),
      }
    }),
  )
  const order = ['api', 'oauth', 'verify', 'operations']
  const rank = (tag: string) => (order.includes(tag) ? order.indexOf(tag) : order.length)
  const tags = [...new Set(rows.map((r) => r.tag))].sort((a, b) => rank(a) - rank(b))
  return tags.map((tag) => ({ tag, operations: rows.filter((r) => r.tag === tag) }))
}

/** `GET /docs/openapi.json`: the generated OpenAPI 3.1 document. */
export const openapiRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.get(
    '/docs/openapi.json',
    {
      config: { errorStyle: 'json' },
      schema: {
        tags: ['operations'],
        summary: 'This OpenAPI document',
        response: { 200: Type.Object({}, { additionalProperties: true }) },
      },
    },
    async (_request, reply) => reply.header('Cache-Control', 'no-cache').send(app.swagger()),
  )
}

/**
 * `GET /docs`: a browsable list of the operations, rendered on the server from
 * the same document. Swagger UI is not used: it needs inline styles that the
 * CSP forbids and ships megabytes of assets; this page needs neither.
 */
export const docsPageRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.get('/docs', async (_request, reply) =>
    reply.page('docs', {
      title: 'API reference',
      groups: operationRows(app.swagger() as { paths?: Paths }),
    }),
  )
}
