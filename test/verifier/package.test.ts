import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import t from 'tap'
import { runProcess } from '../fixtures.js'
import { buildPackage } from './built-package.js'

// The hooks record every module URL the program resolves (they run on the loader's thread, hence a file).
const HOOKS = `import { appendFileSync } from 'node:fs'
export async function resolve(specifier, context, next) {
  const result = await next(specifier, context)
  appendFileSync(process.env.LOADED_LOG, result.url + '\\n')
  return result
}
`
const REGISTER = `import { register } from 'node:module'
register('./hooks.mjs', import.meta.url)
`
const PROGRAM = `import { createVerifier } from 'latchkey/verifier'
import plugin from 'latchkey/verifier/fastify'
import middleware from 'latchkey/verifier/express'
console.log(typeof createVerifier, typeof plugin, typeof middleware)
`

t.test('the package exports resolve after a build, and importing them loads no npm package', async (t) => {
  const { dir: work, exports, build } = await buildPackage(t)
  t.equal(build.code, 0, `tsc builds the verifier: ${build.stdout}${build.stderr}`)

  for (const [subpath, target] of Object.entries(exports)) {
    if (typeof target === 'string') continue
    t.ok(existsSync(join(work, target.default)), `${subpath}: ${target.default} exists`)
    t.ok(existsSync(join(work, target.types)), `${subpath}: ${target.types} exists`)
  }

  writeFileSync(join(work, 'hooks.mjs'), HOOKS)
  writeFileSync(join(work, 'register.mjs'), REGISTER)
  writeFileSync(join(work, 'program.mjs'), PROGRAM)
  const log = join(work, 'loaded.log')
  const run = await runProcess(process.execPath, ['--import', './register.mjs', 'program.mjs'], {
    cwd: work,
    env: { PATH: process.env.PATH ?? '', LOADED_LOG: log },
  })
  t.equal(run.code, 0, run.stderr)
  t.equal(run.stdout.trim(), 'function function function', 'the package self-reference resolves each subpath')

  const loaded = readFileSync(log, 'utf8').trim().split('\n')
  const ours = loaded.filter((url) => url.startsWith(`file://${work}/dist/`))
  t.ok(
    ours.some((url) => url.endsWith('/dist/verifier/index.js')),
    'the hooks saw the library load',
  )
  const npm = loaded.filter((url) => url.includes('/node_modules/'))
  t.same(npm, [], 'no module from node_modules')
  const other = loaded.filter(
    (url) => !url.startsWith('node:') && !ours.includes(url) && !url.endsWith('program.mjs'),
  )
  t.same(other, [], 'only node: builtins and the package itself')
})
