import { readFileSync } from 'node:fs'

type Env = Record<string, string | undefined>
type Fail = (message: string) => Error

/** The variables whose value may come from a file named by `<NAME>_FILE` (Docker and Kubernetes secrets; CONTRACT 12). */
export const FILE_VARIABLES = ['SESSION_SECRET', 'DATABASE_URL', 'SMTP_URL', 'METRICS_TOKEN'] as const

/**
 * The environment with each `<NAME>_FILE` replaced by `<NAME>` holding the file's
 * content without trailing whitespace (the newline an editor or `echo` leaves).
 * Setting both is refused, so an operator never wonders which one won; a failure
 * names the variable and the path, never what was read.
 */
export function withFileVariables(env: Env, fail: Fail): Env {
  const resolved: Env = { ...env }
  for (const name of FILE_VARIABLES) {
    const path = env[`${name}_FILE`]
    if (path === undefined || path === '') continue
    if (env[name] !== undefined && env[name] !== '') {
      throw fail(`${name} and ${name}_FILE are both set; keep one of them`)
    }
    let content: string
    try {
      content = readFileSync(path, 'utf8')
    } catch (error) {
      const code = (error as { code?: string }).code ?? 'unreadable'
      throw fail(`${name}_FILE: cannot read ${path} (${code})`)
    }
    const value = content.replace(/\s+$/, '')
    if (value === '') throw fail(`${name}_FILE: ${path} is empty`)
    resolved[name] = value
    delete resolved[`${name}_FILE`]
  }
  return resolved
}
