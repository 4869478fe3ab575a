import { Type } from 'typebox'
import { RoleSchema } from '../http/schemas.js'
import { DESCRIPTION_MAX, LIFETIME_MAX_SECONDS, LIFETIME_MIN_SECONDS } from './input.js'
import { MAX_REDIRECT_URLS } from './urls.js'

// Null (or absent on create) means tokens do not expire; the bounds are checked
// by validateApplicationInput too, so the form and the API say the same thing.
// `nullable` rather than a union with Null: with Fastify's type coercion a union
// quietly read 0 (and false) as null, i.e. tokens that never expire.
const lifetime = Type.Unsafe<number | null>({
  type: 'integer',
  minimum: LIFETIME_MIN_SECONDS,
  maximum: LIFETIME_MAX_SECONDS,
  nullable: true,
})

const fields = {
  name: Type.String({ minLength: 1, maxLength: 100 }),
  description: Type.String({ maxLength: DESCRIPTION_MAX }),
  url: Type.String({ maxLength: 2000 }),
  redirect_url: Type.String({ maxLength: 2000 }),
  redirect_urls: Type.Array(Type.String({ maxLength: 2000 }), { maxItems: MAX_REDIRECT_URLS }),
  permission: RoleSchema,
  access_token_lifetime: lifetime,
}

export const CreateApplicationBody = Type.Object(
  {
    name: fields.name,
    description: Type.Optional(fields.description),
    url: Type.Optional(fields.url),
    redirect_url: Type.Optional(fields.redirect_url),
    redirect_urls: Type.Optional(fields.redirect_urls),
    permission: fields.permission,
    access_token_lifetime: Type.Optional(fields.access_token_lifetime),
  },
  { additionalProperties: false },
)

export const UpdateApplicationBody = Type.Object(
  {
    name: Type.Optional(fields.name),
    description: Type.Optional(fields.description),
    url: Type.Optional(fields.url),
    redirect_url: Type.Optional(fields.redirect_url),
    redirect_urls: Type.Optional(fields.redirect_urls),
    permission: Type.Optional(fields.permission),
    access_token_lifetime: Type.Optional(fields.access_token_lifetime),
  },
  { additionalProperties: false, minProperties: 1 },
)

const applicationProperties = {
  id: Type.Integer(),
  client_id: Type.String(),
  account_id: Type.Integer(),
  name: Type.String(),
  description: Type.String(),
  url: Type.String(),
  redirect_url: Type.String(),
  redirect_urls: Type.Array(Type.String()),
  permission: RoleSchema,
  access_token_lifetime: Type.Union([Type.Integer(), Type.Null()]),
  authorize_url: Type.String(),
  created_at: Type.String({ format: 'date-time' }),
  updated_at: Type.String({ format: 'date-time' }),
}

export const ApplicationResponse = Type.Object(applicationProperties)

/** The answer to a create: the application plus its client secret, shown this once. */
export const CreatedApplicationResponse = Type.Object({
  ...applicationProperties,
  client_secret: Type.String(),
})

export const ApplicationListResponse = Type.Object({ applications: Type.Array(ApplicationResponse) })
