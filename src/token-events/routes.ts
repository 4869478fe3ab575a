import type { OutgoingHttpHeaders } from 'node:http'
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from 'typebox'
import { AppError, InvalidClient } from '../errors.js'
import { OAuthErrorBody } from '../http/schemas.js'
import { CallerAuthenticator } from '../validation/callers.js'
import { StreamConnection } from './connection.js'
import { invalidateFrame } from './frames.js'
import { planReplay, replayEvents } from './replay.js'

/** Protocol: a heartbeat every 15 s; clients give up on a stream silent for 35 s. */
export const HEARTBEAT_MS = 15_000

export interface TokenEventsOptions {
  /** Shorter in tests. */
  heartbeatMs?: number
}

const TokenEventsQuery = Type.Object({
  after: Type.Optional(Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER })),
})

const LAST_EVENT_ID = /^(0|[1-9][0-9]{0,15})$/

/**
 * Last-Event-ID wins over `?after=` (an EventSource sends the header when it
 * reconnects to the URL it was given). A header that is not an id is an id the
 * log cannot know: the client is told to reset.
 */
function lastEventId(header: string | string[] | undefined, after: number | undefined): number | undefined {
  if (header === undefined) return after
  const value = [header].flat()[0]?.trim() ?? ''
  return LAST_EVENT_ID.test(value) ? Number(value) : Number.MAX_SAFE_INTEGER
}

const DESCRIPTION = `Server-Sent Events (text/event-stream) for services that cache token answers (CONTRACT 11).
Authenticate as a service with HTTP Basic (service id and lks_ secret). Send Last-Event-ID (or ?after=) to resume.
Events: \`invalidate\` (id: the event id; data: the change, e.g. {"type":"token","id":5}), \`reset\` (drop every cached answer),
\`ready\` (data: {"last_event_id":n}; the replay is over and what follows is live), \`heartbeat\` every 15 s.
A client that falls more than 256 KiB behind is disconnected and catches up when it reconnects.`

/**
 * GET /token-events — the revocation event stream (README: "The revocation
 * event stream"). Each instance serves its clients from its own invalidation
 * feed, so changes made on any instance reach them over NOTIFY; a reconnecting
 * client is first sent what the token_events log holds after its last id.
 */
export const tokenEventRoutes: FastifyPluginAsyncTypebox<TokenEventsOptions> = async (app, options) => {
  const heartbeatMs = options.heartbeatMs ?? HEARTBEAT_MS
  const callers = new CallerAuthenticator(app.db, app.invalidations, (result) =>
    app.metrics.cacheLookups.inc({ cache: 'caller', result }),
  )
  app.decorateRequest('streamServiceId', 0)
  const open = new Set<StreamConnection>()
  // Streams never end by themselves; Fastify's close waits for every connection, so they are ended first.
  app.addHook('preClose', async () => {
    for (const connection of open) connection.end('shutdown')
  })

  app.get(
    '/token-events',
    {
      config: { errorStyle: 'oauth' },
      schema: {
        tags: ['verify'],
        summary: 'The revocation event stream',
        description: DESCRIPTION,
        security: [{ clientBasic: [] }],
        querystring: TokenEventsQuery,
        response: {
          200: { description: DESCRIPTION, content: { 'text/event-stream': { schema: Type.String() } } },
          400: OAuthErrorBody,
          401: OAuthErrorBody,
          503: OAuthErrorBody,
        },
      },
      preValidation: async (request) => {
        const caller = await callers.authenticate(request.headers.authorization)
        if (caller?.kind !== 'service')
          throw new InvalidClient(
            'Client authentication failed: send HTTP Basic credentials of a service (id and lks_ secret).',
          )
        request.streamServiceId = caller.id
        // Not listening, this instance could not tell a client what changes elsewhere: another one (or later) can.
        if (!app.invalidations.trusted)
          throw new AppError(503, 'Service Unavailable', 'Not following token changes right now; try again.')
      },
    },
    async (request, reply) => {
      const after = lastEventId(request.headers['last-event-id'], request.query.after)
      const raw = reply.raw
      reply.hijack()
      raw.writeHead(200, {
        ...(reply.getHeaders() as OutgoingHttpHeaders), // X-Request-Id and the like, set by the root hooks
        'content-type': 'text/event-stream; charset=utf-8',
        'cache-control': 'no-store',
        // nginx and similar proxies would otherwise buffer the stream.
        'x-accel-buffering': 'no',
      })
      const connection = new StreamConnection(raw, request.streamServiceId, heartbeatMs, (reason, unsent) => {
        open.delete(connection)
        unfollow()
        app.metrics.tokenEventStreams.dec()
        if (reason === 'slow')
          request.log.warn({ unsentBytes: unsent }, 'token event stream client too slow; disconnected')
      })
      open.add(connection)
      app.metrics.tokenEventStreams.inc()
      // Followed before the log is read: whatever commits meanwhile is held and sent after `ready`.
      const unfollow = app.invalidations.follow(connection)
      try {
        const plan = await planReplay(app.db, after)
        let last = Math.max(after ?? 0, plan.newest)
        if (plan.reset) connection.reset()
        else
          for await (const event of replayEvents(app.db, plan.from)) {
            if (!connection.open) return
            await connection.replay(invalidateFrame(event.id, event.change))
            last = Math.max(last, event.id)
          }
        if (plan.reset) last = plan.newest
        connection.ready(last)
      } catch (error) {
        request.log.warn({ err: error }, 'could not replay token events')
        connection.lost()
      }
    },
  )
}

declare module 'fastify' {
  interface FastifyRequest {
    streamServiceId: number
  }
}
