import { createHash, generateKeyPairSync, randomBytes, sign } from 'node:crypto'
import type {
  AuthenticationResponseJSON,
  PublicKeyCredentialCreationOptionsJSON,
  PublicKeyCredentialRequestOptionsJSON,
  RegistrationResponseJSON,
} from '@simplewebauthn/server'
import { isoBase64URL, isoCBOR } from '@simplewebauthn/server/helpers'

const sha256 = (data: Uint8Array | string) => createHash('sha256').update(data).digest()
const b64 = (data: Uint8Array | string) => isoBase64URL.fromBuffer(new Uint8Array(Buffer.from(data)))

// WebAuthn 6.1 authenticator data flags.
const USER_PRESENT = 0x01
const USER_VERIFIED = 0x04
const BACKUP_ELIGIBLE = 0x08
const BACKED_UP = 0x10
const ATTESTED = 0x40

/**
 * A software authenticator for the fast tests: an ES256 key, `none` attestation,
 * answers built byte by byte as WebAuthn 6.1 and 6.5 lay them out, so the real
 * verifier (@simplewebauthn/server) checks them. `synced` makes it a backed-up,
 * multi-device credential. The browser suite uses chromium's virtual authenticator.
 */
export class SoftAuthenticator {
  private readonly keys = generateKeyPairSync('ec', { namedCurve: 'P-256' })
  readonly credentialId = b64(randomBytes(16))
  counter = 0
  userHandle: string | undefined

  constructor(
    readonly origin = 'http://localhost:3000',
    readonly rpID = 'localhost',
    readonly synced = false,
  ) {}

  private authenticatorData(counter: number, attested?: Buffer): Buffer {
    const flags =
      USER_PRESENT |
      USER_VERIFIED |
      (this.synced ? BACKUP_ELIGIBLE | BACKED_UP : 0) |
      (attested ? ATTESTED : 0)
    const count = Buffer.alloc(4)
    count.writeUInt32BE(counter)
    return Buffer.concat([sha256(this.rpID), Buffer.from([flags]), count, attested ?? Buffer.alloc(0)])
  }

  private coseKey(): Uint8Array {
    const jwk = this.keys.publicKey.export({ format: 'jwk' })
    return isoCBOR.encode(
      new Map<number, number | Uint8Array>([
        [1, 2], // kty: EC2
        [3, -7], // alg: ES256
        [-1, 1], // crv: P-256
        [-2, isoBase64URL.toBuffer(jwk.x ?? '')],
        [-3, isoBase64URL.toBuffer(jwk.y ?? '')],
      ]),
    )
  }

  register(options: PublicKeyCredentialCreationOptionsJSON, origin = this.origin): RegistrationResponseJSON {
    this.userHandle = options.user.id
    const clientData = JSON.stringify({ type: 'webauthn.create', challenge: options.challenge, origin })
    const id = Buffer.from(isoBase64URL.toBuffer(this.credentialId))
    const length = Buffer.alloc(2)
    length.writeUInt16BE(id.length)
    const attested = Buffer.concat([Buffer.alloc(16), length, id, Buffer.from(this.coseKey())])
    const attestation = isoCBOR.encode(
      new Map<string, string | Map<string, string> | Uint8Array>([
        ['fmt', 'none'],
        ['attStmt', new Map<string, string>()],
        ['authData', new Uint8Array(this.authenticatorData(this.counter, attested))],
      ]),
    )
    return {
      id: this.credentialId,
      rawId: this.credentialId,
      type: 'public-key',
      clientExtensionResults: {},
      response: {
        clientDataJSON: b64(clientData),
        attestationObject: b64(attestation),
        transports: ['internal'],
      },
    }
  }

  /** An assertion; the counter goes up by one unless `counter` says what to report. */
  assert(
    options: Pick<PublicKeyCredentialRequestOptionsJSON, 'challenge'>,
    tweak: { counter?: number; userHandle?: string; origin?: string } = {},
  ): AuthenticationResponseJSON {
    this.counter = tweak.counter ?? this.counter + 1
    const clientData = JSON.stringify({
      type: 'webauthn.get',
      challenge: options.challenge,
      origin: tweak.origin ?? this.origin,
    })
    const authData = this.authenticatorData(this.counter)
    const signature = sign('sha256', Buffer.concat([authData, sha256(clientData)]), this.keys.privateKey)
    return {
      id: this.credentialId,
      rawId: this.credentialId,
      type: 'public-key',
      clientExtensionResults: {},
      response: {
        clientDataJSON: b64(clientData),
        authenticatorData: b64(authData),
        signature: b64(signature),
        userHandle: tweak.userHandle ?? this.userHandle,
      },
    }
  }
}
