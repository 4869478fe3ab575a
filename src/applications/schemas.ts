import { Type } from 'typebox'
import { RoleSchema } from '../http/schemas.js'
import { DESCRIPTION_MAX } from './input.js'
import { MAX_REDIRECT_URLS } from './urls.js'

const fields = {
  name: Type.String({ minLength: 1, maxLength: 100 }),
  description: Type.String({ maxLength: DESCRIPTION_MAX }),
  url: Type.String({ maxLength: 2000 }),
  redirect_url: Type.String({ maxLength: 2000 }),
  redirect_urls: Type.Array(Type.String({ maxLength: 2000 }), { maxItems: MAX_REDIRECT_URLS }),
  permission: RoleSchema,
}

export const CreateApplicationBody = Type.Object(
  {
    name: fields.name,
    description: Type.Optional(fields.description),
    url: Type.Optional(fields.url),
    redirect_url: Type.Optional(fields.redirect_url),
    redirect_urls: Type.Optional(fields.redirect_urls),
    permission: fields.permission,
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
