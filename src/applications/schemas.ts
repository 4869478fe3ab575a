import { Type } from 'typebox'
import { ROLES } from '../db/schema.js'
import { DESCRIPTION_MAX } from './input.js'

export const Permission = Type.Enum(ROLES)

/** A numeric id in a path; bounded so that no value can overflow the database's integer column. */
export const IdParams = Type.Object({ id: Type.Integer({ minimum: 1, maximum: 2_147_483_647 }) })

const fields = {
  name: Type.String({ minLength: 1, maxLength: 100 }),
  description: Type.String({ maxLength: DESCRIPTION_MAX }),
  url: Type.String({ maxLength: 2000 }),
  redirect_url: Type.String({ maxLength: 2000 }),
  permission: Permission,
}

export const CreateApplicationBody = Type.Object(
  {
    name: fields.name,
    description: Type.Optional(fields.description),
    url: Type.Optional(fields.url),
    redirect_url: Type.Optional(fields.redirect_url),
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
  permission: Permission,
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
