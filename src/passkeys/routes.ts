import type { FastifyPluginAsync } from 'fastify'
import { passkeyManageRoutes, passkeyRegistrationRoutes } from './manage-routes.js'
import { passkeySignInRoutes } from './sign-in-routes.js'

/** Everything passkeys add to the page scope (CONTRACT 9). */
export const passkeyRoutes: FastifyPluginAsync = async (app) => {
  await app.register(passkeyManageRoutes)
  await app.register(passkeyRegistrationRoutes)
  await app.register(passkeySignInRoutes)
}
