import { existsSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t from 'tap'
import { runProcess } from '../fixtures.js'

const ROOT = join(import.meta.dirname, '..', '..')
const ENTRIES = ['index', 'fastify', 'express'].map((name) => `src/verifier/${name}.ts`)

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
  // Built into a temporary copy of the package: the repository's dist/ is left alone.
  const work = mkdtempSync(join(tmpdir(), 'latchkey-verifier-'))
  t.teardown(() => rmSync(work, { recursive: true, force: true }))
  const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
    exports: Record<string, { types: string; default: string } | string>
  }
  writeFileSync(join(work, 'package.json'), JSON.stringify(pkg))
  const build = await runProcess(
    process.execPath,
    [
      join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'),
      ...['--outDir', join(work, 'dist'), '--rootDir', join(ROOT, 'src'), '--declaration'],
      ...['--module', 'NodeNext', '--moduleResolution', 'NodeNext', '--target', 'ES2023', '--types', 'node'],
      ...['--strict', '--skipLibCheck', '--verbatimModuleSyntax', '--isolatedModules'],
      ...ENTRIES.map((entry) => join(ROOT, entry)),
    ],
    { cwd: ROOT },
  )
  t.equal(build.code, 0, `tsc builds the verifier: ${build.stdout}${build.stderr}`)

  for (const [subpath, target] of Object.entries(pkg.exports)) {
    if (typeof target === 'string') continue
    t.ok(existsSync(join(work, target.default)), `${subpath}: ${target.default} exists`)
    t.ok(existsSync(join(work, target.types)), `${subpath}: ${target.types} exists`)
  }

  // The server's dependencies are reachable, so a stray import would load rather than fail.
  symlinkSync(join(ROOT, 'node_modules'), join(work, 'node_modules'), 'dir')
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
