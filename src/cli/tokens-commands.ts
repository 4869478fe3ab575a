import { fromCli } from '../audit/context.js'
import { revokeTokenByOperator } from '../tokens/revoke-by-operator.js'
import { type Command, idOf, withDatabase } from './command.js'

export const tokensRevokeCommand: Command = {
  name: 'tokens revoke',
  synopsis: '<id>',
  summary: 'revoke an API token or an application token by its id',
  details: [
    "Recorded in the token's account's audit log as done by the cli; every instance stops",
    'accepting the token within a second. An unknown id exits 1; an already revoked token changes nothing.',
    '--json prints {"id":…,"kind":…,"account_id":…,"changed":…}.',
  ],
  args: 1,
  async run({ args, config, out }) {
    const id = idOf(args[0], 'the token id')
    const outcome = await withDatabase(config, 'tokens revoke', (database) =>
      revokeTokenByOperator(database.db, id, config.now(), fromCli(config.now())),
    )
    const what = `${outcome.kind === 'personal' ? 'API token' : 'application token'} ${id} of account ${outcome.accountId}`
    out(
      { id, kind: outcome.kind, account_id: outcome.accountId, changed: outcome.changed },
      outcome.changed ? `${what} revoked` : `${what} was already revoked`,
    )
    return 0
  },
}
