import { Type } from 'typebox'

const Bound = (what: string) =>
  Type.String({
    maxLength: 40,
    description: `${what}: a date (YYYY-MM-DD, a whole UTC day) or an ISO 8601 date-time`,
  })

/** `GET /api/v1/audit-events` query: keyset paging (`before` = `next_before` of the previous page) and filters. */
export const AuditEventsQuery = Type.Object(
  {
    limit: Type.Integer({ minimum: 1, maximum: 200, default: 50 }),
    before: Type.Optional(Type.Integer({ minimum: 1, description: 'only events with a smaller id' })),
    action: Type.Optional(
      Type.String({ maxLength: 100, description: 'exact action, e.g. membership.removed' }),
    ),
    actor: Type.Optional(Type.String({ maxLength: 320, description: 'part of the actor label (email)' })),
    from: Type.Optional(Bound('Events at or after')),
    to: Type.Optional(Bound('Events before (a date includes that whole day)')),
  },
  { additionalProperties: false },
)

export const AuditEventView = Type.Object({
  id: Type.Integer(),
  account_id: Type.Integer(),
  actor: Type.Object({ user_id: Type.Union([Type.Integer(), Type.Null()]), label: Type.String() }),
  action: Type.String(),
  target: Type.Object({ type: Type.String(), id: Type.String() }),
  ip: Type.String(),
  user_agent: Type.String(),
  amr: Type.String({
    description:
      'how the session that made the change signed in (RFC 8176 values: pwd, otp, hwk, swk; space-separated); empty outside a session',
  }),
  details: Type.Record(Type.String(), Type.Unknown()),
  created_at: Type.String({ format: 'date-time' }),
})

export const AuditEventsPage = Type.Object({
  events: Type.Array(AuditEventView),
  /** Pass as `before` to get the next (older) page; null on the last page. */
  next_before: Type.Union([Type.Integer(), Type.Null()]),
})
