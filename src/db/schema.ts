import type { ColumnType, Generated, GeneratedAlways, Selectable } from 'kysely'

export const ROLES = ['browse', 'design', 'publish', 'admin'] as const
export type Role = (typeof ROLES)[number]

type CreatedAt = ColumnType<Date, Date | undefined, never>
type Timestamp = ColumnType<Date, Date, Date>

export interface AccountsTable {
  id: Generated<number>
  parent_id: number | null
  name: string
  created_at: CreatedAt
  /** Members of this account and its sub-accounts must have a second factor (CONTRACT 9). */
  require_two_factor: Generated<boolean>
}

export interface UsersTable {
  id: Generated<number>
  email: string
  name: string
  password_hash: string
  disabled_at: Date | null
  created_at: CreatedAt
  /** The account the person last used: where they land after signing in. */
  last_account_id: ColumnType<number | null, number | null | undefined, number | null>
}

export interface MembershipsTable {
  account_id: number
  user_id: number
  role: Role
  created_at: CreatedAt
}

export interface SessionsTable {
  /** The public number the sessions page shows and revokes by; never the id's hash. */
  id: Generated<number>
  id_hash: string
  user_id: number
  current_account_id: number | null
  created_at: Timestamp
  last_seen_at: Timestamp
  expires_at: Timestamp
  ip: Generated<string>
  user_agent: Generated<string>
  /** How the session signed in: space-separated RFC 8176 values (`pwd`, `pwd otp`, `hwk`, `swk`). */
  amr: Generated<string>
  /** When the person last proved who they are (sign-in or step-up); null means `created_at`. */
  authenticated_at: ColumnType<Date | null, Date | null | undefined, Date | null>
}

export interface LoginThrottleTable {
  key: string
  failures: number
  window_starts_at: Timestamp
  locked_until: Date | null
}

export interface ApplicationsTable {
  id: Generated<number>
  account_id: number
  name: string
  description: Generated<string>
  url: Generated<string>
  /** Derived from redirect_urls (the first, '' for none; migration 0007): read-only. */
  redirect_url: GeneratedAlways<string>
  /** The registered redirect URLs, serialised, in order (CONTRACT 10). */
  redirect_urls: ColumnType<string[], string[] | undefined, string[]>
  permission: Role
  client_secret_hash: string
  created_by: number | null
  created_at: CreatedAt
  updated_at: ColumnType<Date, Date | undefined, Date>
  /** Seconds its access tokens live; null: they do not expire (CONTRACT 10). */
  access_token_lifetime: ColumnType<number | null, number | null | undefined, number | null>
}

export interface AuthorizationsTable {
  id: Generated<number>
  application_id: number
  account_id: number
  user_id: number
  permission: Role
  created_at: CreatedAt
  updated_at: ColumnType<Date, Date | undefined, Date>
}

export interface AuthorizationCodesTable {
  code_hash: string
  application_id: number
  account_id: number
  user_id: number
  authorization_id: number
  permission: Role
  redirect_uri: string
  code_challenge: string | null
  expires_at: Timestamp
  used_at: Date | null
  created_at: CreatedAt
  /** The identity scopes consented to, space-separated (`openid profile`…; CONTRACT 10). */
  identity_scopes: Generated<string>
  /** The client's OpenID Connect nonce, repeated in the id token. */
  nonce: string | null
  /** The session's authenticated_at and amr at consent: the id token's auth_time and amr. */
  auth_time: Date | null
  amr: Generated<string>
}

export const TOKEN_KINDS = ['application', 'personal', 'client'] as const
export type TokenKind = (typeof TOKEN_KINDS)[number]

export interface TokensTable {
  id: Generated<number>
  kind: TokenKind
  token_hash: string
  hint: string
  name: Generated<string>
  account_id: number
  /** Null only for kind 'client' (client credentials: the application acts as itself). */
  user_id: number | null
  application_id: number | null
  authorization_id: number | null
  code_hash: string | null
  permission: Role
  expires_at: Date | null
  revoked_at: Date | null
  last_used_at: Date | null
  created_at: CreatedAt
  /** The identity scopes the token was issued with, space-separated: what /oauth/userinfo answers. */
  scopes: Generated<string>
}

export interface ServicesTable {
  id: Generated<number>
  name: string
  secret_hash: string
  created_at: CreatedAt
  revoked_at: Date | null
}

export interface AuditEventsTable {
  id: Generated<number>
  account_id: number | null
  actor_user_id: number | null
  actor_label: Generated<string>
  action: string
  target_type: Generated<string>
  target_id: Generated<string>
  details: ColumnType<Record<string, unknown>, string | undefined, never>
  ip: Generated<string>
  user_agent: Generated<string>
  /** The acting session's amr, when the event was made in a session (CONTRACT 9). */
  amr: Generated<string>
  created_at: CreatedAt
}

/** A person's TOTP factor; `confirmed_at` null while enrolling (CONTRACT 9). */
export interface TotpFactorsTable {
  user_id: number
  /** The base32 secret, sealed (security/sealed.ts); never stored or logged in clear. */
  secret_sealed: string
  confirmed_at: Date | null
  /** The last accepted time step: a code is accepted once. */
  last_step: ColumnType<number | null, number | null | undefined, number | null>
  created_at: Timestamp
}

export interface RecoveryCodesTable {
  id: Generated<number>
  user_id: number
  code_hash: string
  used_at: Date | null
  created_at: Timestamp
}

export interface PasskeysTable {
  id: Generated<number>
  user_id: number
  /** base64url */
  credential_id: string
  /** base64url of the COSE public key */
  public_key: string
  sign_count: ColumnType<number, number | undefined, number>
  /** comma-separated AuthenticatorTransport values */
  transports: Generated<string>
  backed_up: Generated<boolean>
  name: string
  created_at: Timestamp
  last_used_at: Date | null
}

/** State between two requests of a sign-in (half-signed-in, WebAuthn challenges); only the id's hash. */
export interface SignInChallengesTable {
  id_hash: string
  purpose: 'two_factor' | 'passkey_register' | 'passkey_sign_in' | 'passkey_step_up'
  user_id: number | null
  account_id: number | null
  next_path: Generated<string>
  challenge: Generated<string>
  amr: Generated<string>
  failures: Generated<number>
  created_at: Timestamp
  expires_at: Timestamp
}

/** RFC 8628 device authorization (CONTRACT 10); the person's answer fills the nullable columns. */
export interface DeviceAuthorizationsTable {
  id: Generated<number>
  device_code_hash: string
  user_code_hash: string
  application_id: number
  permission: Role
  scope: string
  status: ColumnType<DeviceStatus, DeviceStatus | undefined, DeviceStatus>
  interval_seconds: number
  last_polled_at: Date | null
  expires_at: Timestamp
  user_id: number | null
  account_id: number | null
  authorization_id: number | null
  auth_time: Date | null
  amr: string | null
  decided_at: Date | null
  created_at: CreatedAt
}

export type DeviceStatus = 'pending' | 'approved' | 'denied' | 'used'

/** A sign-up waiting for its activation link (CONTRACT 8); no user exists yet. */
export interface SignupsTable {
  token_hash: string
  email: string
  name: string
  password_hash: string
  account_name: string
  created_at: Timestamp
  expires_at: Timestamp
}

export interface InvitationsTable {
  id: Generated<number>
  account_id: number
  email: string
  role: Role
  token_hash: string
  invited_by: number | null
  created_at: Timestamp
  expires_at: Timestamp
  accepted_at: Date | null
  accepted_by: number | null
  cancelled_at: Date | null
}

export const USER_LINK_PURPOSES = ['password_reset', 'email_change'] as const
export type UserLinkPurpose = (typeof USER_LINK_PURPOSES)[number]

/** A single-use link for an existing user: a password reset or a new email's confirmation. */
export interface UserLinksTable {
  token_hash: string
  user_id: number
  purpose: UserLinkPurpose
  new_email: string | null
  created_at: Timestamp
  expires_at: Timestamp
  used_at: Date | null
}

/** The log of invalidations behind `GET /token-events` (token-events/); `id` is int8, read as a string or bigint. */
export interface TokenEventsTable {
  id: ColumnType<string | number | bigint, never, never>
  payload: ColumnType<unknown, string, never>
  created_at: ColumnType<Date, never, never>
}

/** An ES256 key id tokens are signed with (CONTRACT 10); the private JWK only sealed. */
export interface SigningKeysTable {
  seq: Generated<number>
  kid: string
  algorithm: Generated<string>
  /** The public JWK as JSON text. */
  public_jwk: string
  private_jwk_sealed: string
  created_at: Timestamp
  retired_at: Date | null
}

/** A rotating refresh token (`lkr_…`, CONTRACT 10), stored as SHA-256; `family` links a chain of rotations. */
export interface RefreshTokensTable {
  id: Generated<number>
  token_hash: string
  family: string
  authorization_id: number
  application_id: number
  account_id: number
  user_id: number
  permission: Role
  identity_scopes: Generated<string>
  public_client: Generated<boolean>
  created_at: Date
  expires_at: Date
  used_at: Date | null
  revoked_at: Date | null
}

export interface Database {
  signups: SignupsTable
  invitations: InvitationsTable
  user_links: UserLinksTable
  accounts: AccountsTable
  users: UsersTable
  memberships: MembershipsTable
  sessions: SessionsTable
  login_throttle: LoginThrottleTable
  applications: ApplicationsTable
  authorizations: AuthorizationsTable
  authorization_codes: AuthorizationCodesTable
  tokens: TokensTable
  services: ServicesTable
  audit_events: AuditEventsTable
  totp_factors: TotpFactorsTable
  recovery_codes: RecoveryCodesTable
  passkeys: PasskeysTable
  sign_in_challenges: SignInChallengesTable
  device_authorizations: DeviceAuthorizationsTable
  token_events: TokenEventsTable
  signing_keys: SigningKeysTable
  refresh_tokens: RefreshTokensTable
}

export type Account = Selectable<AccountsTable>
export type User = Selectable<UsersTable>
export type Application = Selectable<ApplicationsTable>
export type Token = Selectable<TokensTable>
export type AuditEvent = Selectable<AuditEventsTable>
export type Invitation = Selectable<InvitationsTable>
