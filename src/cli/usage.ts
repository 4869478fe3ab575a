import type { Command } from './command.js'
import { COMMANDS } from './commands.js'

/** Where the summaries start, as in the options below. */
const COLUMN = 42

function line(command: Command): string {
  const call = `  ${[command.name, command.synopsis].filter(Boolean).join(' ')}`
  return call.length < COLUMN
    ? `${call.padEnd(COLUMN)}${command.summary}`
    : `${call}\n${' '.repeat(COLUMN)}${command.summary}`
}

const OPTIONS = `Options:
  --json                                  print one JSON object
  -h, --help                              this text; latchkey help COMMAND for one command
  --version                               print the version`

/** `latchkey --help`, or the commands of one group (`latchkey users --help`). */
export function usage(commands: readonly Command[] = COMMANDS): string {
  return `Usage: latchkey <command> [options]

Commands:
${commands.map(line).join('\n')}
  help [COMMAND]                          this text, or what one command does

${OPTIONS}

Configuration comes from the environment, as for the server (DATABASE_URL, DATA_DIR, ...).`
}

/** `latchkey help <command>` and `latchkey <command> --help`. */
export function commandHelp(command: Command): string {
  const options = command.options?.length ? '' : '\nIt takes no options besides --json and --help.'
  return `Usage: latchkey ${[command.name, command.synopsis].filter(Boolean).join(' ')} [--json]

${[command.summary, ...(command.details ?? [])].join('\n')}${options}`
}
