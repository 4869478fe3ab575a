import { isRole, notARole } from '../accounts/roles.js'
import { fromCli } from '../audit/context.js'
import { resetLinkByOperator, setPasswordByOperator } from '../passwords/operator.js'
import { resetFactorsByOperator } from '../two-factor/reset-by-operator.js'
import { setUserDisabled } from '../users/disable.js'
import { addUserWithRole } from '../users/service.js'
import { type Command, UsageError, withDatabase } from './command.js'
import { readPassword } from './read-password.js'

const PASSWORD_INPUT = [
  'The password is asked for on a terminal (twice, not shown); otherwise it is all of standard input,',
  'less one trailing newline. It never goes on the command line.',
]

export const usersCreateCommand: Command = {
  name: 'users create',
  synopsis: '--email E --name N --role R (--account NAME | --account-id ID)',
  summary: 'add a person with a role on a new or an existing account',
  details: [
    'An existing person keeps their password and just gains the role.',
    ...PASSWORD_INPUT,
    '--json prints {"user_id":…,"account_id":…}.',
  ],
  options: ['email', 'name', 'role', 'account', 'account-id'],
  async run({ options, config, out }) {
    const { email, name, role } = options
    if (!email || !role) throw new UsageError('users create needs --email and --role')
    if (!isRole(role)) throw new UsageError(notARole('--role'))
    if ((options.account === undefined) === (options['account-id'] === undefined)) {
      throw new UsageError('users create needs exactly one of --account NAME or --account-id ID')
    }
    const accountId = Number(options['account-id'])
    if (options['account-id'] !== undefined && !Number.isInteger(accountId))
      throw new UsageError('--account-id must be a number')
    const account = options.account !== undefined ? { newAccountName: options.account } : { accountId }
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
      { user_id: result.userId, account_id: result.accountId },
      `${result.created ? 'created user' : 'updated user'} ${result.userId} as ${role} of account ${result.accountId}`,
    )
    return 0
  },
}

function disableCommand(disabled: boolean): Command {
  const sub = disabled ? 'disable' : 'enable'
  return {
    name: `users ${sub}`,
    synopsis: '--email E',
    summary: disabled ? 'stop sign-in, end sessions, tokens inactive' : 'allow sign-in again',
    details: disabled
      ? ['Every instance stops accepting the person\'s tokens within a second; "users enable" undoes it.']
      : [],
    options: ['email'],
    async run({ options, config, out }) {
      const email = options.email?.trim()
      if (!email) throw new UsageError(`users ${sub} needs --email`)
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
        {
          user_id: outcome.userId,
          disabled,
          changed: outcome.changed,
          sessions_ended: outcome.sessionsEnded,
        },
        human,
      )
      return 0
    },
  }
}

export const usersDisableCommand = disableCommand(true)
export const usersEnableCommand = disableCommand(false)

export const usersSetPasswordCommand: Command = {
  name: 'users set-password',
  synopsis: '--email E',
  summary: "set a person's password; ends their sessions",
  details: PASSWORD_INPUT,
  options: ['email'],
  async run({ options, config, out }) {
    const { email } = options
    if (!email) throw new UsageError('users set-password needs --email')
    // The database first, as for users create; then the password (asked twice on a terminal).
    const result = await withDatabase(config, 'users set-password', async (database) =>
      setPasswordByOperator(database.db, email, await readPassword(), config.now()),
    )
    out(
      { user_id: result.userId, sessions_ended: result.sessionsEnded },
      `password set for user ${result.userId}; ${result.sessionsEnded} session(s) ended`,
    )
    return 0
  },
}

export const usersResetLinkCommand: Command = {
  name: 'users reset-link',
  synopsis: '--email E',
  summary: 'print a one-time password reset link (30 minutes)',
  details: ['The link is built on PUBLIC_URL; give it to the person over a channel you trust.'],
  options: ['email'],
  async run({ options, config, out }) {
    const { email } = options
    if (!email) throw new UsageError('users reset-link needs --email')
    const result = await withDatabase(config, 'users reset-link', (database) =>
      resetLinkByOperator(database.db, email, config.publicUrl, config.now()),
    )
    out({ user_id: result.userId, link: result.link }, result.link)
    return 0
  },
}

export const usersResetFactorsCommand: Command = {
  name: 'users reset-factors',
  synopsis: '--email E',
  summary: 'remove the authenticator app, recovery codes and passkeys; ends the sessions',
  details: ['For a person who lost every second factor (CONTRACT 9); recorded in the audit log.'],
  options: ['email'],
  async run({ options, config, out }) {
    const email = options.email?.trim()
    if (!email) throw new UsageError('users reset-factors needs --email')
    const outcome = await withDatabase(config, 'users reset-factors', (database) =>
      resetFactorsByOperator(database.db, email, fromCli(config.now())),
    )
    out(
      {
        user_id: outcome.userId,
        totp_removed: outcome.totpRemoved,
        recovery_codes_removed: outcome.recoveryCodesRemoved,
        passkeys_removed: outcome.passkeysRemoved,
        sessions_ended: outcome.sessionsEnded,
      },
      `user ${outcome.userId} (${email}): second factors removed (authenticator app: ${outcome.totpRemoved ? 'yes' : 'none'}, ${outcome.recoveryCodesRemoved} recovery code(s), ${outcome.passkeysRemoved} passkey(s)); ${outcome.sessionsEnded} session(s) ended`,
    )
    return 0
  },
}
