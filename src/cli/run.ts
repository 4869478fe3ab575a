import { type ParseArgsConfig, parseArgs } from 'node:util'
import { ConfigError, loadConfig } from '../config.js'
import { DataDirInUseError } from '../db/data-dir-lock.js'
import { AppError } from '../errors.js'
import { VERSION } from '../version.js'
import { type CliIo, type Command, UsageError } from './command.js'
import { COMMANDS, commandsOf, findCommand } from './commands.js'
import { PasswordPromptError } from './read-password.js'
import { commandHelp, usage } from './usage.js'

type Env = Record<string, string | undefined>

const GLOBAL_OPTIONS = {
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
  version: { type: 'boolean' },
} as const satisfies ParseArgsConfig['options']

const ALL_STRING_OPTIONS = Object.fromEntries(
  COMMANDS.flatMap((c) => c.options ?? []).map((name) => [name, { type: 'string' as const }]),
)

/** node:util's parse errors, as one line of our own. */
function parseError(error: unknown, command?: Command): unknown {
  const code = (error as { code?: string }).code ?? ''
  if (!code.startsWith('ERR_PARSE_ARGS')) return error
  const option = /'(-[^' ]+)/.exec((error as Error).message)?.[1] ?? ''
  if (code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') return new UsageError(`unknown option ${option}`, command)
  if (code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE')
    return new UsageError(`option ${option} needs a value`, command)
  return new UsageError((error as Error).message, command)
}

/** The command line's words (the command and its arguments) and options, read strictly for `command`. */
function parse(argv: string[], command?: Command) {
  const options = {
    ...GLOBAL_OPTIONS,
    ...Object.fromEntries((command?.options ?? []).map((name) => [name, { type: 'string' as const }])),
  }
  try {
    return parseArgs({ args: argv, allowPositionals: true, strict: true, options })
  } catch (error) {
    throw parseError(error, command)
  }
}

/** Finds the command in the words, leniently: unknown options are judged once the command is known. */
function wordsOf(argv: string[]): string[] {
  const { positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    strict: false,
    options: { ...GLOBAL_OPTIONS, ...ALL_STRING_OPTIONS },
  })
  return positionals
}

async function dispatch(argv: string[], env: Env, io: CliIo): Promise<number> {
  const words = wordsOf(argv)
  if (words[0] === 'help') {
    const topic = words.slice(1)
    parse(argv.filter((word) => word.startsWith('-')))
    if (topic.length === 0) return print(io, usage())
    const found = findCommand(topic)
    if (found && found.rest.length === 0) return print(io, commandHelp(found.command))
    if (topic.length === 1 && commandsOf(topic[0]).length) return print(io, usage(commandsOf(topic[0])))
    throw new UsageError(`unknown command: ${topic.join(' ')}`)
  }
  const found = findCommand(words)
  const { values, positionals } = parse(argv, found?.command)
  if (values.version) {
    io.stdout(values.json ? `${JSON.stringify({ version: VERSION })}\n` : `latchkey ${VERSION}\n`)
    return 0
  }
  if (!found) {
    if (values.help && positionals.length === 0) return print(io, usage())
    if (values.help && positionals.length === 1 && commandsOf(positionals[0]).length)
      return print(io, usage(commandsOf(positionals[0])))
    throw new UsageError(
      positionals.length ? `unknown command: ${positionals.join(' ')}` : 'no command given',
    )
  }
  const { command, rest } = found
  if (values.help) return print(io, commandHelp(command))
  const wanted = command.args ?? 0
  if (rest.length > wanted && !command.variadic)
    throw new UsageError(`unexpected argument: ${rest[wanted]}`, command)
  if (rest.length < wanted) throw new UsageError(`${command.name} needs ${command.synopsis}`, command)
  const loaded = command.withoutConfig ? undefined : loadConfig(env)
  const json = values.json ?? false
  const options = Object.fromEntries(
    (command.options ?? []).map((name) => [name, values[name as keyof typeof values] as string | undefined]),
  )
  try {
    return await command.run({
      options,
      args: rest,
      json,
      get config() {
        if (!loaded) throw new Error(`${command.name} is declared withoutConfig but read its configuration`)
        return loaded
      },
      io,
      out: (object, human) => io.stdout(json ? `${JSON.stringify(object)}\n` : `${human}\n`),
    })
  } catch (error) {
    if (error instanceof UsageError) error.command ??= command
    throw error
  }
}

function print(io: CliIo, text: string): number {
  io.stdout(`${text}\n`)
  return 0
}

/**
 * Runs one `latchkey` command line and answers its exit code: 0 done, 1 it
 * failed (one line on standard error), 2 it was called wrongly (CONTRACT 12:
 * unknown commands and options are usage errors; the line, then the usage) or
 * the configuration is bad; -1 the server runs on.
 */
export async function runCli(argv: string[], env: Env, io: CliIo): Promise<number> {
  try {
    return await dispatch(argv, env, io)
  } catch (error) {
    if (error instanceof UsageError) {
      const help = error.command ? commandHelp(error.command) : usage()
      io.stderr(`latchkey: ${error.message}\n\n${help}\n`)
      return 2
    }
    const known =
      error instanceof ConfigError ||
      error instanceof AppError ||
      error instanceof DataDirInUseError ||
      error instanceof PasswordPromptError
    const message = error instanceof Error ? error.message : String(error)
    io.stderr(`latchkey: ${known ? message : `error: ${message}`}\n`)
    return error instanceof ConfigError ? 2 : 1
  }
}
