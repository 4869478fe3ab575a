import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from 'typebox'
import { InvalidScope } from '../errors.js'
import { OAuthErrorBody } from '../http/schemas.js'
import { authenticateClient } from '../oauth/client-auth.js'
import { parseScope } from '../oauth/scope.js'
import { startDeviceAuthorization } from './service.js'

const param = (maxLength: number) => Type.Optional(Type.String({ maxLength }))

/** RFC 8628 3.1 device authorization request. */
const DeviceAuthorizationRequest = Type.Object({
  client_id: param(20),
  client_secret: param(200),
  scope: param(500),
})

/** RFC 8628 3.2 device authorization response. */
const DeviceAuthorizationResponse = Type.Object({
  device_code: Type.String(),
  user_code: Type.String(),
  verification_uri: Type.String(),
  verification_uri_complete: Type.String(),
  expires_in: Type.Integer(),
  interval: Type.Integer(),
})

/**
 * `POST /oauth/device_authorization` (CONTRACT 10, RFC 8628 3.1): a public
 * client names itself by `client_id`; one that sends its secret (HTTP Basic or
 * form) must send the right one. Registered inside the OAuth endpoints' scope,
 * so its errors are RFC 6749 5.2 bodies; `rateLimit` is the token endpoint's.
 */
export const deviceAuthorizationEndpoint: FastifyPluginAsyncTypebox<{ rateLimit: object }> = async (
  app,
  options,
) => {
  app.post(
    '/oauth/device_authorization',
    {
      config: { rateLimit: options.rateLimit, cors: 'client' },
      schema: {
        body: DeviceAuthorizationRequest,
        response: { 200: DeviceAuthorizationResponse, 400: OAuthErrorBody, 401: OAuthErrorBody },
      },
    },
    async (request, reply) => {
      const { application } = await authenticateClient(app.db, request, { allowPublic: true })
      const scope = parseScope(request.body.scope, application.permission)
      if (!scope.ok) throw new InvalidScope(scope.description)
      const started = await startDeviceAuthorization(app.db, {
        application,
        scope: scope.scope,
        now: app.config.now(),
      })
      const verificationUri = `${app.config.publicUrl}/device`
      request.log.info({ appId: application.id }, 'device authorization started')
      return reply
        .header('Cache-Control', 'no-store')
        .header('Pragma', 'no-cache')
        .send({
          device_code: started.deviceCode,
          user_code: started.userCode,
          verification_uri: verificationUri,
          verification_uri_complete: `${verificationUri}?user_code=${started.userCode}`,
          expires_in: started.expiresIn,
          interval: started.interval,
        })
    },
  )
}
