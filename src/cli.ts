#!/usr/bin/env node
import { parseArgs } from 'node:util'
import { isRole, notARole } from './accounts/roles.js'
import { fromCli } from './audit/context.js'
import { PasswordPromptError, readPassword } from './cli/read-password.js'
import { serve } from './cluster/serve.js'
import { type Config, ConfigError, loadConfig } from './config.js'
import { connectDatabase, type DatabaseHandle } from './db/connect.js'
import { DataDirInUseError } from './db/data-dir-lock.js'
import { migrateToLatest } from './db/migrate.js'
import { AppError } from './errors.js'
import { resetLinkByOperator, setPasswordByOperator } from './passwords/operator.js'
import { createService, listServices } from './service-credentials/repo.js'
import { revokeService } from './service-credentials/service.js'
import { setUserDisabled } from './users/disable.js'
import { addUserWithRole } from './users/service.js'

const USAGE = `Usage: latchkey <command> [options]

Commands:
  serve                                   migrate, then serve HTTP (PORT, HOST)
  migrate                                 apply pending database migrations
  users create --email E --name N --role R (--account NAME | --account-id ID)
                                          asks for the password on a terminal (twice,
                                          not shown); otherwise reads standard input
  users disable --email E                 stop sign-in, end sessions, tokens inactive
  users enable --email E                  allow sign-in again
  users set-password --email E            the new password as for users create; ends the user's sessions
  users reset-link --email E              print a one-time password reset link (30 minutes)
  services create --name NAME             credentials for /oauth/introspect
  services list
  services revoke ID

Options:
  --json                                  print one JSON object
  -h, --help

Configuration comes from the environment, as for the server (DATABASE_URL, DATA_DIR, ...).`

class UsageError extends Error {}

function out(json: boolean, object: Record<string, unknown>, human: string): void {
  process.stdout.write(json ? `${JSON.stringify(object)}\n` : `${human}\n`)
}

/** Opens the configured database; the embedded one only while no server (or other command) has it open. */
function openDatabase(config: Config, command: string): Promise<DatabaseHandle> {
  return connectDatabase({
    databaseUrl: config.databaseUrl,
    pgliteDataDir: `${config.dataDir}/pgdata`,
    holder: `latchkey ${command}`,
  })
}

async function withDatabase<T>(
  config: Config,
  command: string,
  work: (db: DatabaseHandle) => Promise<T>,
): Promise<T> {
  const database = await openDatabase(config, command)
  try {
    await migrateToLatest(database.db)
    return await work(database)
  } finally {
    await database.close()
  }
}

export async function runCli(argv: string[], env: Record<string, string | undefined>): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      email: { type: 'string' },
      name: { type: 'string' },
      role: { type: 'string' },
      account: { type: 'string' },
      'account-id': { type: 'string' },
      json: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  })
  const [command, sub, arg] = positionals
  const json = values.json ?? false
  if (values.help || !command) {
    process.stdout.write(`${USAGE}\n`)
    return command || values.help ? 0 : 2
  }
  const config = loadConfig(env)

  if (command === 'serve') {
    await serve(config, env)
    return -1 // keeps running until a signal
  }
  if (command === 'migrate') {
    const database = await openDatabase(config, 'migrate')
    try {
      const { applied } = await migrateToLatest(database.db)
      out(json, { applied }, applied.length ? `applied: ${applied.join(', ')}` : 'database is up to date')
    } finally {
      await database.close()
    }
    return 0
  }
  if (command === 'users' && sub === 'create') {
    const { email, name, role } = values
    if (!email || !role) throw new UsageError('users create needs --email and --role')
    if (!isRole(role)) throw new UsageError(notARole('--role'))
    if ((values.account === undefined) === (values['account-id'] === undefined)) {
      throw new UsageError('users create needs exactly one of --account NAME or --account-id ID')
    }
    const accountId = Number(values['account-id'])
    if (values['account-id'] !== undefined && !Number.isInteger(accountId))
      throw new UsageError('--account-id must be a number')
    const account = values.account !== undefined ? { newAccountName: values.account } : { accountId }
    // The database first: a person is told it is in use before typing a password, not after.
    const result = await withDatabase(config, 'users create', async (database) => {
      const password = await readPassword()
      return addUserWithRole(
        database.db,
        { email, name: name ?? '', password: password || undefined, role, account },
        fromCli(config.now()),
      )
    })
    out(
      json,
      { user_id: result.userId, account_id: result.accountId },
      `${result.created ? 'created user' : 'updated user'} ${result.userId} as ${role} of account ${result.accountId}`,
    )
    return 0
  }
  if (command === 'users' && (sub === 'disable' || sub === 'enable')) {
    const email = values.email?.trim()
    if (!email) throw new UsageError(`users ${sub} needs --email`)
    const disabled = sub === 'disable'
    // An unknown email is a NotFoundError (AppError): one line on stderr, exit 1.
    const outcome = await withDatabase(config, `users ${sub}`, (database) =>
      setUserDisabled(database.db, { email, disabled }, fromCli(config.now())),
    )
    const state = disabled ? 'disabled' : 'enabled'
    const human = !outcome.changed
      ? `user ${outcome.userId} (${email}) was already ${state}`
      : disabled
        ? `user ${outcome.userId} (${email}) disabled; ${outcome.sessionsEnded} session(s) ended, tokens inactive`
        : `user ${outcome.userId} (${email}) enabled; they can sign in again`
    out(
      json,
      { user_id: outcome.userId, disabled, changed: outcome.changed, sessions_ended: outcome.sessionsEnded },
      human,
    )
    return 0
  }
  if (command === 'users' && sub === 'set-password') {
    const { email } = values
    if (!email) throw new UsageError('users set-password needs --email')
    // The database first, as for users create; then the password (asked twice on a terminal).
    const result = await withDatabase(config, 'users set-password', async (database) =>
      setPasswordByOperator(database.db, email, await readPassword(), config.now()),
    )
    out(
      json,
      { user_id: result.userId, sessions_ended: result.sessionsEnded },
      `password set for user ${result.userId}; ${result.sessionsEnded} session(s) ended`,
    )
    return 0
  }
  if (command === 'users' && sub === 'reset-link') {
    const { email } = values
    if (!email) throw new UsageError('users reset-link needs --email')
    const result = await withDatabase(config, 'users reset-link', (database) =>
      resetLinkByOperator(database.db, email, config.publicUrl, config.now()),
    )
    out(json, { user_id: result.userId, link: result.link }, result.link)
    return 0
  }
  if (command === 'services') {
    if (sub === 'create') {
      const name = values.name?.trim()
      if (!name || name.length > 100)
        throw new UsageError('services create needs --name (1 to 100 characters)')
      const created = await withDatabase(config, 'services create', (database) =>
        createService(database.db, name),
      )
      out(json, created, `service ${created.id} created; its secret (shown once): ${created.secret}`)
      return 0
    }
    if (sub === 'list') {
      const services = await withDatabase(config, 'services list', (database) => listServices(database.db))
      const lines = services.map(
        (s) => `${s.id}\t${s.name}\t${s.created_at}\t${s.revoked_at ? `revoked ${s.revoked_at}` : 'active'}`,
      )
      out(json, { services }, lines.length ? lines.join('\n') : 'no services')
      return 0
    }
    if (sub === 'revoke') {
      const id = Number(arg)
      if (!Number.isInteger(id)) throw new UsageError('services revoke needs a service id')
      const revoked = await withDatabase(config, 'services revoke', (database) =>
        revokeService(database.db, id, config.now()),
      )
      if (!revoked) throw new UsageError(`no active service with id ${id}`)
      out(json, { id, revoked: true }, `service ${id} revoked`)
      return 0
    }
  }
  throw new UsageError(`unknown command: ${positionals.join(' ')}`)
}

async function main(): Promise<void> {
  try {
    const code = await runCli(process.argv.slice(2), process.env)
    if (code >= 0) process.exitCode = code
  } catch (error) {
    const known =
      error instanceof ConfigError ||
      error instanceof UsageError ||
      error instanceof AppError ||
      error instanceof DataDirInUseError ||
      error instanceof PasswordPromptError
    const message = error instanceof Error ? error.message : String(error)
    process.stderr.write(`latchkey: ${known ? message : `error: ${message}`}\n`)
    process.exitCode = error instanceof UsageError || error instanceof ConfigError ? 2 : 1
  }
}

await main()
