import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import fastifyStatic from '@fastify/static'
import view from '@fastify/view'
import { Eta } from 'eta'
import type { FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'

export const VIEWS_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'views')

/**
 * Eta templates from `views/`; `<%= %>` escapes (autoEscape), `<%~ %>` is used only
 * for the layout's body slot. Static assets (our own stylesheet and the copy
 * button script) are served from `views/assets`; nothing comes from a CDN.
 */
export const views = fp(async (app: FastifyInstance, options: { cache: boolean }) => {
  const eta = new Eta({ views: VIEWS_DIR, cache: options.cache, autoEscape: true, autoTrim: false })
  await app.register(view, { engine: { eta }, templates: VIEWS_DIR, viewExt: 'eta' })
  await app.register(fastifyStatic, {
    root: join(VIEWS_DIR, 'assets'),
    prefix: '/assets/',
    decorateReply: false,
    maxAge: options.cache ? '1h' : 0,
  })
})
