import { randomBytes } from 'node:crypto'
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { availableParallelism } from 'node:os'
import { join, resolve } from 'node:path'
import { withFileVariables } from './config-files.js'
import { metricsAllowOf, metricsTokenOf, type TrustProxy, trustProxyOf } from './config-ops.js'
import { OWASP_PASSWORD_HASHING, type PasswordHashing } from './security/passwords.js'

/** The real clock; the validation cache keeps lru-cache's own cheaper timer for it (validation/cache.ts). */
export const wallClock = (): Date => new Date()

export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent'

export interface Config {
  readonly port: number
  readonly host: string
  /** Issuer and base of every link Latchkey prints, without a trailing slash. */
  readonly publicUrl: string
  /** PostgreSQL connection string; unset means the embedded PGlite database in `dataDir`. */
  readonly databaseUrl: string | undefined
  /** A PostgreSQL address that gives a session (direct, or a session-mode PgBouncer) for LISTEN and migrations; unset means `databaseUrl`. */
  readonly databaseListenUrl: string | undefined
  /** Token lookups as named prepared statements (off behind a transaction-mode PgBouncer before 1.21). */
  readonly databasePreparedStatements: boolean
  readonly dataDir: string
  /** The secret that signs (cookies, CSRF tokens, consent tickets) and seals: the first of `sessionSecrets`. */
  readonly sessionSecret: string
  /** Every secret of SESSION_SECRET (comma-separated): the first signs, all verify (CONTRACT 12). */
  readonly sessionSecrets: readonly string[]
  readonly logLevel: LogLevel
  /** Whose X-Forwarded-For and X-Request-Id are believed (`TRUST_PROXY`; http/trust-proxy.ts applies it). */
  readonly trustProxy: TrustProxy
  readonly production: boolean
  /** Session idle timeout and absolute lifetime, in seconds. */
  readonly sessionIdleSeconds: number
  readonly sessionMaxSeconds: number
  /** Login throttling: failures per email / per IP within the window before a lockout. */
  readonly loginMaxFailuresPerEmail: number
  readonly loginMaxFailuresPerIp: number
  readonly loginWindowSeconds: number
  readonly loginLockoutSeconds: number
  /** Base delay added to a failed login from the third failure on, doubling each time (capped at 2 s). */
  readonly loginSlowdownMs: number
  /** Requests a minute one client IP may make to each authorization page (`GET /authorize`, `GET /oauth/authorize`) on one instance. */
  readonly authorizeRateLimitPerMinute: number
  /** Connections in the PostgreSQL pool of each instance (of each worker process when WORKERS > 1). */
  readonly databasePoolSize: number
  /** Server processes sharing the port (CONTRACT 12); 1 forks nothing. */
  readonly workers: number
  /** When set, `/metrics` is served on this port only, not on `port`. */
  readonly metricsPort: number | undefined
  /** Requests get 503 while the event loop's mean delay exceeds this (ms); 0 turns load shedding off. */
  readonly maxEventLoopDelayMs: number
  /** Bearer secret that opens `GET /metrics` from any address; unset means address rules only. */
  readonly metricsToken: string | undefined
  /** CIDR ranges whose clients may read `GET /metrics` without the token (loopback by default). */
  readonly metricsAllow: readonly string[]
  /** How often expired rows are cleaned up, in ms; 0 turns housekeeping off. */
  readonly housekeepingIntervalMs: number
  /** Revoked or expired tokens are deleted this long after they ended. */
  readonly tokenRetentionDays: number
  /** How long a stopping server waits for in-flight requests before it gives up. */
  readonly shutdownTimeoutMs: number
  /** A client must send a request's headers within this long of connecting (or of its previous request). */
  readonly headersTimeoutMs: number
  /** And the whole request, body included, within this long; a slower client gets 408 and is cut off. */
  readonly requestTimeoutMs: number
  /** An idle keep-alive connection is closed after this long. */
  readonly keepAliveTimeoutMs: number
  /** The clock every time-dependent rule reads, so tests can move time instead of sleeping. */
  readonly now: () => Date
  /** argon2id cost for new password hashes; OWASP's minimum, lowered only by tests. */
  readonly passwordHashing: PasswordHashing
  /** `open`: anyone may sign up at /signup; `invite` (default): people join by invitation only (CONTRACT 8). */
  readonly signup: 'open' | 'invite'
  /** Where mail goes (`smtp://user:pass@host:port` or `smtps://…`); unset writes `.eml` files to `DATA_DIR/outbox/`. */
  readonly smtpUrl: string | undefined
  /** The From header of every message. */
  readonly mailFrom: string
  /** How long a request waits for the first delivery attempt before answering (later retries go on in the background). */
  readonly mailWaitMs: number
  /** Pauses before the second, third… delivery attempt of a message that failed. */
  readonly mailRetryDelaysMs: readonly number[]
  /** Requests a minute one client IP may make to `POST /leaked-tokens` on one instance (CONTRACT 11). */
  readonly leakedTokensRateLimitPerMinute: number
}

export class ConfigError extends Error {
  override name = 'ConfigError'
}

type Env = Record<string, string | undefined>

const LOG_LEVELS: readonly LogLevel[] = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']

function integer(env: Env, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name]
  if (raw === undefined || raw === '') return fallback
  const value = Number(raw)
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new ConfigError(`${name} must be a whole number from ${min} to ${max}; got "${raw}"`)
  }
  return value
}

function publicUrlOf(env: Env, port: number): string {
  const raw = env.PUBLIC_URL
  if (raw === undefined || raw === '') return `http://localhost:${port}`
  let url: URL
  try {
    url = new URL(raw)
  } catch {
    throw new ConfigError(
      `PUBLIC_URL must be an absolute http(s) URL such as https://auth.example.com; got "${raw}"`,
    )
  }
  if ((url.protocol !== 'https:' && url.protocol !== 'http:') || url.search || url.hash || url.username) {
    throw new ConfigError(
      `PUBLIC_URL must be an http(s) URL without query, fragment or credentials, such as https://auth.example.com; got "${raw}"`,
    )
  }
  return url.href.replace(/\/+$/, '')
}

function databaseUrlOf(env: Env, name: 'DATABASE_URL' | 'DATABASE_LISTEN_URL'): string | undefined {
  const raw = env[name]
  if (raw === undefined || raw === '') return undefined
  let protocol: string
  try {
    protocol = new URL(raw).protocol
  } catch {
    throw new ConfigError(`${name} must be a URL such as postgres://user:password@host:5432/latchkey`)
  }
  if (protocol !== 'postgres:' && protocol !== 'postgresql:') {
    throw new ConfigError(`${name} must start with postgres:// or postgresql://`)
  }
  return raw
}

/** DATABASE_LISTEN_URL: only beside DATABASE_URL (the embedded database listens in-process). */
function databaseListenUrlOf(env: Env, databaseUrl: string | undefined): string | undefined {
  const listenUrl = databaseUrlOf(env, 'DATABASE_LISTEN_URL')
  if (listenUrl && !databaseUrl) {
    throw new ConfigError(
      'DATABASE_LISTEN_URL needs DATABASE_URL: it is a second address of the same PostgreSQL database',
    )
  }
  return listenUrl
}

function booleanOf(env: Env, name: string, fallback: boolean): boolean {
  const raw = env[name]
  if (raw === undefined || raw === '') return fallback
  if (raw !== 'true' && raw !== 'false') throw new ConfigError(`${name} must be true or false; got "${raw}"`)
  return raw === 'true'
}

function smtpUrlOf(env: Env): string | undefined {
  const raw = env.SMTP_URL
  if (raw === undefined || raw === '') return undefined
  let protocol: string
  try {
    protocol = new URL(raw).protocol
  } catch {
    throw new ConfigError('SMTP_URL must be a URL such as smtp://user:password@mail.example.com:587')
  }
  if (protocol !== 'smtp:' && protocol !== 'smtps:') {
    throw new ConfigError('SMTP_URL must start with smtp:// (STARTTLS when offered) or smtps:// (TLS)')
  }
  return raw
}

function signupOf(env: Env): 'open' | 'invite' {
  const raw = env.SIGNUP || 'invite'
  if (raw !== 'open' && raw !== 'invite') {
    throw new ConfigError(`SIGNUP must be "open" or "invite"; got "${raw}"`)
  }
  return raw
}

/** WORKERS: a count, or `auto` for one per CPU the process may use. */
function workersOf(env: Env): number {
  const raw = env.WORKERS
  if (raw === 'auto') return availableParallelism()
  if (raw !== undefined && raw !== '' && !/^[1-9]\d{0,2}$/.test(raw)) {
    throw new ConfigError(`WORKERS must be "auto" or a whole number from 1 to 256; got "${raw}"`)
  }
  return integer(env, 'WORKERS', 1, 1, 256)
}

function metricsPortOf(env: Env, port: number): number | undefined {
  const metricsPort = integer(env, 'METRICS_PORT', 0, 1, 65535) || undefined
  if (metricsPort !== undefined && metricsPort === port) {
    throw new ConfigError(`METRICS_PORT must differ from PORT (${port}); unset it to serve /metrics on PORT`)
  }
  return metricsPort
}

/**
 * In development a missing SESSION_SECRET is generated once and kept in the data
 * directory, so sessions survive restarts without any set-up.
 */
function developmentSecret(dataDir: string): string {
  const file = join(dataDir, 'session-secret')
  try {
    return readFileSync(file, 'utf8').trim()
  } catch {
    mkdirSync(dataDir, { recursive: true })
    const secret = randomBytes(48).toString('base64')
    writeFileSync(file, `${secret}\n`, { mode: 0o600 })
    return secret
  }
}

export function loadConfig(rawEnv: Env, overrides: Partial<Config> = {}): Config {
  const env = withFileVariables(rawEnv, (message) => new ConfigError(message))
  const production = env.NODE_ENV === 'production'
  const port = integer(env, 'PORT', 3000, 0, 65535)
  const dataDir = resolve(env.DATA_DIR || '.latchkey')
  const logLevel = (env.LOG_LEVEL || 'info') as LogLevel
  if (!LOG_LEVELS.includes(logLevel)) {
    throw new ConfigError(`LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')}; got "${env.LOG_LEVEL}"`)
  }
  let sessionSecret = overrides.sessionSecret ?? env.SESSION_SECRET
  if (sessionSecret === undefined || sessionSecret === '') {
    if (production) {
      throw new ConfigError(
        'SESSION_SECRET is required when NODE_ENV=production; generate one with: openssl rand -base64 48',
      )
    }
    sessionSecret = developmentSecret(dataDir)
  }
  const sessionSecrets = overrides.sessionSecrets ?? sessionSecret.split(',').map((one) => one.trim())
  if (sessionSecrets.some((one) => Buffer.byteLength(one) < 32)) {
    throw new ConfigError(
      'SESSION_SECRET must be at least 32 bytes; generate one with: openssl rand -base64 48 (a comma-separated list rotates secrets: each must be that long)',
    )
  }
  const publicUrl = publicUrlOf(env, port)
  const databaseUrl = databaseUrlOf(env, 'DATABASE_URL')
  const config: Config = {
    port,
    host: env.HOST || (production ? '0.0.0.0' : 'localhost'),
    publicUrl,
    databaseUrl,
    databaseListenUrl: databaseListenUrlOf(env, databaseUrl),
    databasePreparedStatements: booleanOf(env, 'DATABASE_PREPARED_STATEMENTS', true),
    dataDir,
    sessionSecrets,
    logLevel,
    trustProxy: trustProxyOf(env, (message) => new ConfigError(message)),
    production,
    sessionIdleSeconds: integer(env, 'SESSION_IDLE_MINUTES', 120, 1, 60 * 24 * 30) * 60,
    sessionMaxSeconds: integer(env, 'SESSION_MAX_HOURS', 24, 1, 24 * 365) * 3600,
    loginMaxFailuresPerEmail: integer(env, 'LOGIN_MAX_FAILURES', 5, 1, 1000),
    loginMaxFailuresPerIp: integer(env, 'LOGIN_MAX_FAILURES_PER_IP', 50, 1, 100000),
    loginWindowSeconds: 15 * 60,
    loginLockoutSeconds: integer(env, 'LOGIN_LOCKOUT_MINUTES', 15, 1, 24 * 60) * 60,
    loginSlowdownMs: 250,
    authorizeRateLimitPerMinute: integer(env, 'AUTHORIZE_RATE_LIMIT', 60, 1, 100000),
    databasePoolSize: integer(env, 'DATABASE_POOL_SIZE', 10, 1, 1000),
    workers: workersOf(env),
    metricsPort: metricsPortOf(env, port),
    maxEventLoopDelayMs: integer(env, 'MAX_EVENT_LOOP_DELAY_MS', 1000, 0, 60_000),
    metricsToken: metricsTokenOf(env, (message) => new ConfigError(message)),
    metricsAllow: metricsAllowOf(env, (message) => new ConfigError(message)),
    housekeepingIntervalMs: integer(env, 'HOUSEKEEPING_INTERVAL_SECONDS', 300, 0, 7 * 24 * 3600) * 1000,
    tokenRetentionDays: integer(env, 'TOKEN_RETENTION_DAYS', 30, 0, 3650),
    shutdownTimeoutMs: integer(env, 'SHUTDOWN_TIMEOUT_SECONDS', 8, 1, 3600) * 1000,
    headersTimeoutMs: integer(env, 'HEADERS_TIMEOUT_SECONDS', 15, 1, 3600) * 1000,
    requestTimeoutMs: integer(env, 'REQUEST_TIMEOUT_SECONDS', 30, 1, 3600) * 1000,
    keepAliveTimeoutMs: integer(env, 'KEEP_ALIVE_TIMEOUT_SECONDS', 72, 1, 3600) * 1000,
    now: wallClock,
    passwordHashing: OWASP_PASSWORD_HASHING,
    signup: signupOf(env),
    smtpUrl: smtpUrlOf(env),
    mailFrom: env.MAIL_FROM || `Latchkey <no-reply@${new URL(publicUrl).hostname}>`,
    mailWaitMs: integer(env, 'MAIL_WAIT_SECONDS', 5, 0, 60) * 1000,
    mailRetryDelaysMs: [2_000, 10_000, 60_000],
    leakedTokensRateLimitPerMinute: integer(env, 'LEAKED_TOKENS_RATE_LIMIT', 30, 1, 100000),
    ...overrides,
    // An override of sessionSecret may itself be a list (tests rotating): the first still signs.
    sessionSecret: sessionSecrets[0] as string,
  }
  // Node refuses a header timeout longer than the whole-request timeout.
  if (config.headersTimeoutMs > config.requestTimeoutMs) {
    throw new ConfigError(
      `HEADERS_TIMEOUT_SECONDS (${config.headersTimeoutMs / 1000}) must not exceed REQUEST_TIMEOUT_SECONDS (${config.requestTimeoutMs / 1000})`,
    )
  }
  // PGlite is opened by one process at a time (db/data-dir-lock.ts), so workers need PostgreSQL.
  if (config.workers > 1 && !config.databaseUrl) {
    throw new ConfigError(
      `WORKERS=${config.workers} needs DATABASE_URL: the embedded database (no DATABASE_URL) is opened by one process only`,
    )
  }
  return Object.freeze(config)
}
