// `npm install` builds dist/, so that `npx latchkey …` works right after it (CONTRACT section 7).
// `npm ci --omit=dev` brings no TypeScript: it installs the runtime for a dist/ built elsewhere
// (the Dockerfile builds in its own stage), so there is nothing to build, and that is no failure.
import { spawnSync } from 'node:child_process'
import { createRequire } from 'node:module'

try {
  createRequire(import.meta.url).resolve('typescript')
} catch {
  process.stderr.write('latchkey: no TypeScript here (--omit=dev), so dist/ is not built; see README.\n')
  process.exit(0)
}
const build = spawnSync('npm', ['run', 'build'], { stdio: 'inherit', shell: process.platform === 'win32' })
process.exit(build.status ?? 1)
