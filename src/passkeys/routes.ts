import type { FastifyPluginAsync } from 'fastify'
import { named } from '../http/plugin-name.js'
import { passkeyManageRoutes, passkeyRegistrationRoutes } from './manage-routes.js'
import { passkeySignInRoutes } from './sign-in-routes.js'

/** Everything passkeys add to the page scope (CONTRACT 9). */
export const passkeyRoutes: FastifyPluginAsync = async (app) => {
  await app.register(named(passkeyManageRoutes))
  await app.register(named(passkeyRegistrationRoutes))
  await app.register(named(passkeySignInRoutes))
}
