import { fromCli } from '../audit/context.js'
import {
  listSigningKeys,
  retireSigningKey,
  rotateSigningKey,
  signingKeySealer,
} from '../oidc/keys-service.js'
import { KEY_REFRESH_MS } from '../oidc/signing-keys.js'
import { type Command, UsageError, withDatabase } from './command.js'
import { table } from './table.js'

const REFRESH_SECONDS = KEY_REFRESH_MS / 1000

export const keysListCommand: Command = {
  name: 'keys list',
  synopsis: '',
  summary: 'the id token signing keys: kid, created, retired, which one signs',
  details: [
    'Newest first. The newest unretired key signs; every unretired key is in /oauth/jwks.',
    '--json prints {"keys":[{"kid","algorithm","created_at","retired_at","signing"}]}.',
  ],
  async run({ config, out }) {
    const keys = await withDatabase(config, 'keys list', (database) => listSigningKeys(database.db))
    const human = keys.length
      ? table([
          ['KID', 'CREATED', 'RETIRED', 'SIGNS'],
          ...keys.map((key) => [
            key.kid,
            key.created_at.toISOString(),
            key.retired_at?.toISOString() ?? '-',
            key.signing ? 'yes' : '',
          ]),
        ])
      : 'no signing keys yet: the server makes one when it starts'
    out({ keys }, human)
    return 0
  },
}

export const keysRotateCommand: Command = {
  name: 'keys rotate',
  synopsis: '',
  summary: 'make a new signing key and print its kid',
  details: [
    `Every running instance signs with it within ${REFRESH_SECONDS} s. The older keys stay in /oauth/jwks,`,
    'so id tokens they signed still verify, until "latchkey keys retire <kid>". --json prints {"kid":…}.',
  ],
  async run({ config, out }) {
    const kid = await withDatabase(config, 'keys rotate', (database) =>
      rotateSigningKey(database.db, signingKeySealer(config.sessionSecrets), fromCli(config.now())),
    )
    out({ kid }, kid)
    return 0
  },
}

export const keysRetireCommand: Command = {
  name: 'keys retire',
  synopsis: '<kid>',
  summary: 'remove a key from /oauth/jwks: id tokens it signed no longer verify',
  details: [
    'The current signing key is refused (exit 1): rotate first, wait a minute for every instance',
    'to sign with the new key, then retire the old one. An unknown or retired kid exits 1.',
  ],
  args: 1,
  async run({ args, config, out }) {
    const kid = args[0] ?? ''
    if (!/^[A-Za-z0-9_-]{1,100}$/.test(kid)) throw new UsageError(`not a key id: "${kid.slice(0, 100)}"`)
    await withDatabase(config, 'keys retire', (database) =>
      retireSigningKey(database.db, kid, fromCli(config.now())),
    )
    out({ kid, retired: true }, `key ${kid} retired`)
    return 0
  },
}
