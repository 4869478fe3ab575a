import { Type } from 'typebox'
import type { Role, TokenKind } from '../db/schema.js'
import { RoleSchema, TokenKindSchema } from '../http/schemas.js'
import type { Principal } from './validator.js'

/** The RFC 7662 answer for an active token (CONTRACT 5b); `/verify` sends the same body. */
export interface ActiveAnswer {
  active: true
  token_type: 'Bearer'
  scope: Role
  permission: Role
  token_kind: TokenKind
  /** Only for application tokens. */
  client_id?: string
  app_id: number | null
  account_id: number
  sub: string
  /** Absent for a client-credentials token, whose `sub` is its client id (CONTRACT 10). */
  username?: string
  iat: number
  /** Only when the token expires. */
  exp?: number
  iss: string
  /**
   * Extension fields (RFC 7662 section 2.2) for clients of the revocation event
   * stream, which match its events to cached answers by them.
   */
  token_id: number
  authorization_id: number | null
}

/** Everything that is not active, whatever the reason, looks exactly like this. */
export const INACTIVE_BODY = '{"active":false}'

export const JSON_CONTENT_TYPE = 'application/json; charset=utf-8'

const seconds = (date: Date): number => Math.floor(date.getTime() / 1000)

export function activeAnswer(principal: Principal, issuer: string): ActiveAnswer {
  return {
    active: true,
    token_type: 'Bearer',
    scope: principal.permission,
    permission: principal.permission,
    token_kind: principal.kind,
    client_id: principal.appId === null ? undefined : String(principal.appId),
    app_id: principal.appId,
    account_id: principal.accountId,
    sub: principal.userId === null ? String(principal.appId) : String(principal.userId),
    username: principal.username ?? undefined,
    iat: seconds(principal.issuedAt),
    exp: principal.expiresAt ? seconds(principal.expiresAt) : undefined,
    iss: issuer,
    token_id: principal.tokenId,
    authorization_id: principal.authorizationId,
  }
}

/** `/verify`'s Cache-Control, on every answer it gives (set before the token is checked). */
export const VERIFY_CACHE_CONTROL = 'no-store'

/**
 * The headers `/verify` adds to an active answer (CONTRACT 5a), in the order sent,
 * as flat name/value pairs: the route (verify-routes.ts) and the hot path before
 * Fastify (hot-verify.ts) both send exactly these.
 */
export function verifyAnswerHeaders(principal: Principal): string[] {
  return [
    // Empty for a client-credentials token: it acts for no person (CONTRACT 10).
    'x-auth-user-id',
    principal.userId === null ? '' : String(principal.userId),
    'x-auth-account-id',
    String(principal.accountId),
    'x-auth-permission',
    principal.permission,
    // Empty for API tokens (CONTRACT 5a).
    'x-auth-app-id',
    principal.appId === null ? '' : String(principal.appId),
    'content-type',
    JSON_CONTENT_TYPE,
  ]
}

/**
 * The JSON text of a principal's active answer, made once per cached token
 * record and then reused: records are replaced when anything changes, never
 * changed in place, so the text cannot go stale. Saves building and
 * serialising the same object on every hit.
 */
export class AnswerBodies {
  private readonly bodies = new WeakMap<Principal, string>()

  constructor(private readonly issuer: string) {}

  of(principal: Principal): string {
    let body = this.bodies.get(principal)
    if (body === undefined) {
      body = JSON.stringify(activeAnswer(principal, this.issuer))
      this.bodies.set(principal, body)
    }
    return body
  }
}

/** The response schema of both endpoints (documentation; the bodies are sent as ready JSON text). */
export const AnswerSchema = Type.Object(
  {
    active: Type.Boolean(),
    token_type: Type.Optional(Type.Literal('Bearer')),
    scope: Type.Optional(RoleSchema),
    permission: Type.Optional(RoleSchema),
    token_kind: Type.Optional(TokenKindSchema),
    client_id: Type.Optional(Type.String()),
    app_id: Type.Optional(Type.Unsafe<number | null>({ type: ['integer', 'null'] })),
    account_id: Type.Optional(Type.Integer()),
    sub: Type.Optional(Type.String()),
    username: Type.Optional(Type.String()),
    iat: Type.Optional(Type.Integer()),
    exp: Type.Optional(Type.Integer()),
    iss: Type.Optional(Type.String()),
    token_id: Type.Optional(
      Type.Integer({
        description: 'The token\'s id: what `{"type":"token"}` events of GET /token-events name',
      }),
    ),
    authorization_id: Type.Optional(
      Type.Unsafe<number | null>({
        type: ['integer', 'null'],
        description:
          'The authorization an application token belongs to (null for API tokens): what `{"type":"authorization"}` events name',
      }),
    ),
  },
  { additionalProperties: false },
)
