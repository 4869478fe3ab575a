import { setFlagsFromString } from 'node:v8'
import type { Config } from '../config.js'
import { connectDatabase, type DatabaseHandle } from '../db/connect.js'
import { migrateDatabase } from '../db/migrate.js'

/** A mistake in how the command was called: exit 2, with the usage (of `command`, when known) on standard error. */
export class UsageError extends Error {
  constructor(
    message: string,
    public command?: Command,
  ) {
    super(message)
  }
}

/** Where a command writes: standard output carries the answer, standard error the problems. */
export interface CliIo {
  stdout(text: string): void
  stderr(text: string): void
}

export interface CommandContext {
  /** The values of the command's own options (`--email`), as given. */
  readonly options: Readonly<Record<string, string | undefined>>
  /** The arguments after the command's name (`tokens revoke <id>`). */
  readonly args: readonly string[]
  readonly json: boolean
  readonly config: Config
  readonly io: CliIo
  /** Prints the answer: `object` as one JSON line with --json, `human` otherwise. */
  out(object: object, human: string): void
}

/**
 * One `latchkey` command. The table of them (cli/commands.ts) gives the parser,
 * the usage text and `--help` / `help <command>`: a new command is one entry.
 */
export interface Command {
  /** The words that name it: `serve`, `users create`. */
  readonly name: string
  /** What follows the name in the usage line: `--email E`, `<id>`. */
  readonly synopsis: string
  /** One line for the usage list; `help` adds the lines of `details`. */
  readonly summary: string
  readonly details?: readonly string[]
  /** Its string options, without the dashes (every command also takes --json and --help). */
  readonly options?: readonly string[]
  /** How many arguments follow the name (default 0). */
  readonly args?: number
  /** The last argument may repeat (`tokens scan PATH…`): at least `args` of them. */
  readonly variadic?: boolean
  /**
   * The command reads no configuration (`tokens scan`): the environment is not
   * loaded, so it runs anywhere and writes nothing (not even a development
   * SESSION_SECRET into DATA_DIR); its `config` must not be read.
   */
  readonly withoutConfig?: boolean
  /** The exit code; -1 keeps the process running (serve). */
  run(context: CommandContext): Promise<number>
}

/** Opens the configured database; the embedded one only while no server (or other command) has it open. */
export function openDatabase(config: Config, command: string): Promise<DatabaseHandle> {
  // A one-shot command runs the embedded PostgreSQL for well under a second: V8's
  // baseline WebAssembly compiler alone is enough, and skipping the optimizing tier
  // halves the command's CPU (1.3 s to 0.7 s measured for `apps list`). Read when
  // PGlite compiles its module, which has not happened yet; `serve` does not come here.
  if (!config.databaseUrl) setFlagsFromString('--liftoff-only')
  return connectDatabase({
    databaseUrl: config.databaseUrl,
    listenUrl: config.databaseListenUrl,
    namedStatements: config.databasePreparedStatements,
    pgliteDataDir: `${config.dataDir}/pgdata`,
    holder: `latchkey ${command}`,
  })
}

/** Runs `work` on the migrated database and closes it. */
export async function withDatabase<T>(
  config: Config,
  command: string,
  work: (database: DatabaseHandle) => Promise<T>,
): Promise<T> {
  const database = await openDatabase(config, command)
  try {
    await migrateDatabase(database)
    return await work(database)
  } finally {
    await database.close()
  }
}

/** A positive whole number given as an option or argument, or a usage error naming it. */
export function idOf(raw: string | undefined, what: string): number {
  const id = Number(raw)
  if (!raw || !/^\d+$/.test(raw) || !Number.isSafeInteger(id) || id < 1)
    throw new UsageError(`${what} must be a positive whole number${raw ? `; got "${raw}"` : ''}`)
  return id
}
