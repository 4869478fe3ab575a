import type { FastifyInstance, LightMyRequestResponse } from 'fastify'
import type { SeededApplication } from '../fixtures.js'
import { formPost } from '../oauth/oauth-helpers.js'

export const DEVICE_GRANT = 'urn:ietf:params:oauth:grant-type:device_code'

export interface DeviceStart {
  device_code: string
  user_code: string
  verification_uri: string
  verification_uri_complete: string
  expires_in: number
  interval: number
}

/** POST /oauth/device_authorization as a public client (client_id alone). */
export async function startDevice(
  app: FastifyInstance,
  client: SeededApplication,
  scope?: string,
): Promise<DeviceStart> {
  const response = await formPost(app, '/oauth/device_authorization', {
    client_id: String(client.application.id),
    scope,
  })
  if (response.statusCode !== 200)
    throw new Error(`device_authorization: ${response.statusCode} ${response.body}`)
  return response.json()
}

/** One poll of the token endpoint with the device code, as a public client. */
export function poll(
  app: FastifyInstance,
  client: SeededApplication,
  deviceCode: string,
): Promise<LightMyRequestResponse> {
  return formPost(app, '/oauth/token', {
    grant_type: DEVICE_GRANT,
    device_code: deviceCode,
    client_id: String(client.application.id),
  })
}

/** The RFC 6749 5.2 error code of an answer, with its status: `400 authorization_pending`. */
export function errorOf(response: LightMyRequestResponse): string {
  return `${response.statusCode} ${(response.json() as { error?: string }).error}`
}
