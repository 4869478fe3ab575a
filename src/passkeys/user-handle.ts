import { createHash } from 'node:crypto'
import { isoBase64URL } from '@simplewebauthn/server/helpers'

/**
 * The WebAuthn user handle of a person: 32 opaque bytes derived from the user
 * id, so it names no email and needs no column, yet is stable (an authenticator
 * keeps one credential per handle) and a sign-in can check that the handle the
 * authenticator returns belongs to the credential's owner.
 */
export function userHandle(userId: number): Uint8Array<ArrayBuffer> {
  return new Uint8Array(createHash('sha256').update(`latchkey passkey user ${userId}`).digest())
}

export function userHandleText(userId: number): string {
  return isoBase64URL.fromBuffer(userHandle(userId))
}
