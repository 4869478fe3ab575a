import { findAccount } from '../accounts/repo.js'
import { listApplications } from '../applications/repo.js'
import { applicationView } from '../applications/view.js'
import { NotFoundError } from '../errors.js'
import { type Command, idOf, withDatabase } from './command.js'
import { table } from './table.js'

export const appsListCommand: Command = {
  name: 'apps list',
  synopsis: '--account-id ID',
  summary: 'the applications registered on an account',
  details: [
    'A table of id, permission, name and redirect URL; --json prints {"applications":[…]} with the',
    'fields of GET /api/v1/applications. Client secrets are stored as hashes and never shown.',
  ],
  options: ['account-id'],
  async run({ options, config, out }) {
    const accountId = idOf(options['account-id'], '--account-id')
    const rows = await withDatabase(config, 'apps list', async (database) => {
      if (!(await findAccount(database.db, accountId)))
        throw new NotFoundError(`No account has the id ${accountId}.`)
      return listApplications(database.db, accountId)
    })
    const applications = rows.map((row) => applicationView(row, config.publicUrl))
    const human = applications.length
      ? table([
          ['ID', 'PERMISSION', 'NAME', 'REDIRECT URL'],
          ...applications.map((a) => [String(a.id), a.permission, a.name, a.redirect_url || '-']),
        ])
      : `no applications on account ${accountId}`
    out({ applications }, human)
    return 0
  },
}
