import { Type } from 'typebox'
import { ROLES, type Role, TOKEN_KINDS, type TokenKind } from '../db/schema.js'

/** The largest value of the database's `integer` columns (2^31 − 1). */
export const MAX_ID = 2_147_483_647

/** A row id in a path, form or query; bounded so that no value can overflow the database's integer column. */
export const Id = Type.Integer({ minimum: 1, maximum: MAX_ID })

/** `/:id` in a path. */
export const IdParams = Type.Object({ id: Id })

/** One of the four roles, lowest first (CONTRACT section 1). */
export const RoleSchema = Type.Unsafe<Role>({ type: 'string', enum: [...ROLES] })

/** `application` or `personal`. */
export const TokenKindSchema = Type.Unsafe<TokenKind>({ type: 'string', enum: [...TOKEN_KINDS] })

/** `?notice=…` after a post/redirect/get: the key of the success message to show. */
export const NoticeQuery = Type.Object({ notice: Type.Optional(Type.String({ maxLength: 20 })) })

/** The contract's error body (CONTRACT section 6). */
export const ErrorResponse = Type.Object(
  {
    statusCode: Type.Integer(),
    error: Type.String(),
    message: Type.String(),
    required: Type.Optional(Type.String()),
    permission: Type.Optional(Type.String()),
  },
  { $id: undefined },
)

/** The contract's errors an API operation with input can answer. */
export const ApiErrorResponses = {
  400: ErrorResponse,
  401: ErrorResponse,
  403: ErrorResponse,
  404: ErrorResponse,
}

/** RFC 6749 section 5.2 error body, for the OAuth endpoints. */
export const OAuthErrorBody = Type.Object({
  error: Type.String(),
  error_description: Type.Optional(Type.String()),
})
