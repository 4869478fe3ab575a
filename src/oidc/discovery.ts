import type { Static } from 'typebox'
import { serverMetadata } from '../oauth/metadata.js'
import type { OpenIdConfiguration } from './schemas.js'

/** Every claim an id token or userinfo answer can carry (CONTRACT 10). */
export const CLAIMS_SUPPORTED = [
  'iss',
  'sub',
  'aud',
  'exp',
  'iat',
  'auth_time',
  'nonce',
  'amr',
  'account_id',
  'name',
  'email',
  'email_verified',
]

/**
 * `/.well-known/openid-configuration` (OpenID Connect Discovery 1.0): the RFC
 * 8414 document (same issuer, grants and scopes) plus the OpenID Provider's
 * fields. The device endpoint is CONTRACT 10's and is built with the device flow.
 */
export function openIdConfiguration(publicUrl: string): Static<typeof OpenIdConfiguration> {
  return {
    ...serverMetadata(publicUrl),
    jwks_uri: `${publicUrl}/oauth/jwks`,
    userinfo_endpoint: `${publicUrl}/oauth/userinfo`,
    device_authorization_endpoint: `${publicUrl}/oauth/device_authorization`,
    id_token_signing_alg_values_supported: ['ES256'],
    subject_types_supported: ['public'],
    claims_supported: CLAIMS_SUPPORTED,
  }
}
