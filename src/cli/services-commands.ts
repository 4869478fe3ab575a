import { createService, listServices } from '../service-credentials/repo.js'
import { revokeService } from '../service-credentials/service.js'
import { type Command, UsageError, withDatabase } from './command.js'

export const servicesCreateCommand: Command = {
  name: 'services create',
  synopsis: '--name NAME',
  summary: 'credentials for /oauth/introspect',
  details: ['The secret (lks_…) is shown once; only its hash is stored. --json prints {"id":…,"secret":…}.'],
  options: ['name'],
  async run({ options, config, out }) {
    const name = options.name?.trim()
    if (!name || name.length > 100) throw new UsageError('services create needs --name (1 to 100 characters)')
    const created = await withDatabase(config, 'services create', (database) =>
      createService(database.db, name),
    )
    out(created, `service ${created.id} created; its secret (shown once): ${created.secret}`)
    return 0
  },
}

export const servicesListCommand: Command = {
  name: 'services list',
  synopsis: '',
  summary: 'every service: id, name, created, active or revoked',
  async run({ config, out }) {
    const services = await withDatabase(config, 'services list', (database) => listServices(database.db))
    const lines = services.map(
      (s) => `${s.id}\t${s.name}\t${s.created_at}\t${s.revoked_at ? `revoked ${s.revoked_at}` : 'active'}`,
    )
    out({ services }, lines.length ? lines.join('\n') : 'no services')
    return 0
  },
}

export const servicesRevokeCommand: Command = {
  name: 'services revoke',
  synopsis: '<id>',
  summary: 'the service can no longer call introspection',
  args: 1,
  async run({ args, config, out }) {
    const id = Number(args[0])
    if (!Number.isInteger(id)) throw new UsageError('services revoke needs a service id')
    const revoked = await withDatabase(config, 'services revoke', (database) =>
      revokeService(database.db, id, config.now()),
    )
    if (!revoked) throw new UsageError(`no active service with id ${id}`)
    out({ id, revoked: true }, `service ${id} revoked`)
    return 0
  },
}
