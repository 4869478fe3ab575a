import { execFile } from 'node:child_process'
import { promisify } from 'node:util'
import { REPO } from '../../compiled.mjs'

const run = promisify(execFile)

/** What docker-compose.yml requires from its environment, with values for the checks. */
export const COMPOSE_ENV = {
  PATH: process.env.PATH ?? '',
  SESSION_SECRET: 'compose-check-session-secret-0123456789abcdef',
  PUBLIC_URL: 'https://auth.example.com',
  POSTGRES_PASSWORD: 'compose-check',
}

/** `docker-compose` (Debian's package) on the repository's compose file: exit code and output. */
export function compose(args: string[], env: Record<string, string> = COMPOSE_ENV) {
  return run('docker-compose', args, { cwd: REPO, env }).then(
    ({ stdout, stderr }) => ({ code: 0, stdout, stderr }),
    (error: { code?: number | string; stdout?: string; stderr?: string }) => {
      if (error.code === 'ENOENT')
        throw new Error('docker-compose is not installed (apt-get install docker-compose)')
      return { code: Number(error.code ?? 1), stdout: error.stdout ?? '', stderr: error.stderr ?? '' }
    },
  )
}
