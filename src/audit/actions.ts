/**
 * Every action an audit event can record: one closed list, so a typo does not
 * compile and the log's action filter knows every value. The strings are part
 * of the contract (the audit API and page show them as they are).
 */
export const AUDIT_ACTIONS = [
  'setup.completed',
  'login.succeeded',
  'login.failed',
  'user.created',
  'membership.granted',
  'membership.changed',
  'membership.removed',
  'sub_account.created',
  'sub_account.renamed',
  'sub_account.deleted',
  'application.created',
  'application.updated',
  'application.deleted',
  'application.secret_regenerated',
  'application.authorized',
  'authorization.revoked',
  'authorization_code.issued',
  'authorization_code.reused',
  'application_token.revoked',
  'api_token.created',
  'api_token.revoked',
  'service.revoked',
] as const

export type AuditAction = (typeof AUDIT_ACTIONS)[number]
