import { migrateDatabase } from '../db/migrate.js'
import type { Command } from './command.js'
import { openDatabase } from './command.js'

export const serveCommand: Command = {
  name: 'serve',
  synopsis: '',
  summary: 'migrate, then serve HTTP (PORT, HOST)',
  details: ['Runs until SIGTERM or SIGINT, then finishes what is in flight (SHUTDOWN_TIMEOUT_SECONDS).'],
  async run({ config }) {
    // Loaded here, not at the top: the server (Fastify and every route) is most of
    // what the CLI would load, and no other command needs it.
    const { serve } = await import('../cluster/serve.js')
    await serve(config)
    return -1 // keeps running until a signal
  },
}

export const migrateCommand: Command = {
  name: 'migrate',
  synopsis: '',
  summary: 'apply pending database migrations, then exit',
  details: [
    'Safe beside running instances: migrations hold an advisory lock, each runs in a transaction.',
    'With DATABASE_LISTEN_URL set, they run over that address (a session of their own).',
  ],
  async run({ config, out }) {
    const database = await openDatabase(config, 'migrate')
    try {
      const { applied } = await migrateDatabase(database)
      out({ applied }, applied.length ? `applied: ${applied.join(', ')}` : 'database is up to date')
    } finally {
      await database.close()
    }
    return 0
  },
}
