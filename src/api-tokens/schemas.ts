import { Type } from 'typebox'
import { RoleSchema } from '../http/schemas.js'
import { MAX_EXPIRY_DAYS } from './expiry.js'

export const CreateTokenBody = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 100 }),
    permission: RoleSchema,
    // `nullable` rather than a union with Null: with Fastify's type coercion a union would quietly read 0 as null.
    expires_in_days: Type.Optional(
      Type.Unsafe<number | null>({ type: 'integer', minimum: 1, maximum: MAX_EXPIRY_DAYS, nullable: true }),
    ),
    expires_on: Type.Optional(Type.Unsafe<string | null>({ type: 'string', format: 'date', nullable: true })),
  },
  { additionalProperties: false },
)

const nullableTime = Type.Union([Type.String({ format: 'date-time' }), Type.Null()])

const tokenProperties = {
  id: Type.Integer(),
  name: Type.String(),
  hint: Type.String(),
  permission: RoleSchema,
  created_by: Type.Object({ id: Type.Integer(), email: Type.String(), name: Type.String() }),
  created_at: Type.String({ format: 'date-time' }),
  last_used_at: nullableTime,
  expires_at: nullableTime,
}

export const ApiTokenResponse = Type.Object(tokenProperties)

/** The answer to a create: the listing plus the token itself, shown this once. */
export const CreatedApiTokenResponse = Type.Object({ ...tokenProperties, token: Type.String() })

export const ApiTokenListResponse = Type.Object({ tokens: Type.Array(ApiTokenResponse) })
