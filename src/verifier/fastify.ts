import type { FastifyPluginAsync, FastifyReply } from 'fastify'
import type { ActiveAnswer, Permission } from './answer.js'
import { type Rejection, rejectionFor, unavailable } from './rejection.js'
import { createVerifier, type VerifierOptions } from './verifier.js'

declare module 'fastify' {
  interface FastifyRequest {
    /** The active CONTRACT 5b answer of the request's token (set by `latchkey/verifier/fastify`). */
    latchkey: ActiveAnswer | null
  }
  interface FastifyContextConfig {
    /** The least permission a route needs (`latchkey/verifier/fastify`, CONTRACT 11). */
    permission?: Permission
  }
}

export interface LatchkeyPluginOptions extends VerifierOptions {
  /** The least permission of routes that set none in `config.permission`. */
  permission?: Permission
}

function send(reply: FastifyReply, rejection: Rejection): FastifyReply {
  return reply.code(rejection.statusCode).headers(rejection.headers).send(rejection.body)
}

/**
 * `latchkey/verifier/fastify` (CONTRACT 11): every route of the scope it is
 * registered in needs an active token; `request.latchkey` holds its answer, and
 * `config: { permission }` sets a route's minimum. Only types are imported from
 * fastify (the service brings its own), hence the skip-override symbol instead
 * of fastify-plugin: the hook applies to the registering scope.
 */
const latchkey: FastifyPluginAsync<LatchkeyPluginOptions> = async (app, options) => {
  const { permission: scopeMinimum, ...verifierOptions } = options
  const verifier = createVerifier(verifierOptions)
  app.decorateRequest('latchkey', null)
  app.addHook('onClose', () => verifier.close())
  app.addHook('onRequest', async (request, reply) => {
    let answer: Awaited<ReturnType<typeof verifier.verify>>
    try {
      answer = await verifier.verify(request.headers)
    } catch (error) {
      return send(reply, unavailable(error))
    }
    const rejection = rejectionFor(
      request.headers,
      answer,
      request.routeOptions.config?.permission ?? scopeMinimum,
    )
    if (rejection) return send(reply, rejection)
    request.latchkey = answer as ActiveAnswer
  })
}

Object.assign(latchkey, {
  [Symbol.for('skip-override')]: true,
  [Symbol.for('fastify.display-name')]: 'latchkey',
})

export default latchkey
