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
  // People's own accounts (CONTRACT 8). Events about a person are written to
  // their own history (account_id NULL) and to each account they are a member
  // of (audit/person-events.ts); sign-ins only to their own history.
  'signup.activated',
  'invitation.created',
  'invitation.resent',
  'invitation.cancelled',
  'invitation.accepted',
  'password.reset_requested',
  'password.reset',
  'password.changed',
  'password.set_by_operator',
  'password.reset_link_issued',
  'email.change_requested',
  'email.changed',
  'session.revoked',
  'session.revoked_others',
  'user.disabled',
  'user.enabled',
  // Second factors and step-up (CONTRACT 9), in the person's own history and
  // their accounts' logs like the events above; the policy in the account's log.
  'two_factor.totp_enabled',
  'two_factor.totp_removed',
  'two_factor.recovery_codes_generated',
  'two_factor.recovery_code_used',
  'two_factor.failed',
  'two_factor.reset_by_operator',
  'passkey.added',
  'passkey.removed',
  // A passkey whose sign counter went backwards: perhaps a cloned authenticator (passkeys/assertion.ts).
  'passkey.sign_count_refused',
  'step_up.confirmed',
  'account.two_factor_policy_changed',
  // A token reported as leaked (CONTRACT 11) and revoked for it, with the URL and source in details.
  'token.leaked',
  // The device flow (CONTRACT 10): the person's answer on /device; the token, when polled, is `application.authorized`.
  'device_authorization.approved',
  'device_authorization.denied',
  // OpenID Connect signing keys (CONTRACT 10), from `latchkey keys`; they belong to no account.
  'signing_key.rotated',
  'signing_key.retired',
  // Token lifetimes and more grants (CONTRACT 10).
  'refresh_token.reused',
  'client_credentials.issued',
  // A refresh token revoked by its client at /oauth/revoke (RFC 7009): its chain and the authorization's access tokens.
  'refresh_token.revoked',
] as const

export type AuditAction = (typeof AUDIT_ACTIONS)[number]
