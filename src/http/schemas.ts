import { Type } from 'typebox'

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
