import { appsListCommand } from './apps-commands.js'
import type { Command } from './command.js'
import { keysListCommand, keysRetireCommand, keysRotateCommand } from './keys-commands.js'
import { openapiCommand } from './openapi-command.js'
import { migrateCommand, serveCommand } from './server-commands.js'
import { servicesCreateCommand, servicesListCommand, servicesRevokeCommand } from './services-commands.js'
import { tokensRevokeCommand, tokensScanCommand } from './tokens-commands.js'
import {
  usersCreateCommand,
  usersDisableCommand,
  usersEnableCommand,
  usersResetFactorsCommand,
  usersResetLinkCommand,
  usersSetPasswordCommand,
} from './users-commands.js'

/** Every `latchkey` command, in the order the usage lists them (CONTRACT 7, 8 and 12). */
export const COMMANDS: readonly Command[] = [
  serveCommand,
  migrateCommand,
  usersCreateCommand,
  usersDisableCommand,
  usersEnableCommand,
  usersSetPasswordCommand,
  usersResetLinkCommand,
  usersResetFactorsCommand,
  servicesCreateCommand,
  servicesListCommand,
  servicesRevokeCommand,
  tokensRevokeCommand,
  tokensScanCommand,
  appsListCommand,
  openapiCommand,
  keysListCommand,
  keysRotateCommand,
  keysRetireCommand,
]

/** The command named by the first words (`users create …`), and the words after its name. */
export function findCommand(words: readonly string[]): { command: Command; rest: string[] } | undefined {
  for (const length of [2, 1]) {
    const name = words.slice(0, length).join(' ')
    const command = COMMANDS.find((c) => c.name === name)
    if (command && words.length >= length) return { command, rest: words.slice(length) }
  }
  return undefined
}

/** The commands of a group (`users`), for `latchkey users --help`. */
export function commandsOf(group: string | undefined): Command[] {
  return COMMANDS.filter((c) => c.name.split(' ')[0] === group && c.name.includes(' '))
}
