import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import fastifyStatic from '@fastify/static'
import type { FastifyInstance } from 'fastify'

/** Where passkeys.js imports @simplewebauthn/browser from: our own origin, as the CSP (`script-src 'self'`) wants. */
export const BROWSER_LIBRARY_PREFIX = '/assets/webauthn/'

// The package's ESM build (esm/index.js and the modules it imports); its
// package.json exports only the entry points, so the folder is found from the
// CommonJS entry (script/index.js) next to it.
const ESM_DIR = join(dirname(createRequire(import.meta.url).resolve('@simplewebauthn/browser')), '..', 'esm')

/** Serves the JavaScript modules of @simplewebauthn/browser, nothing else of the package. */
export async function browserLibrary(app: FastifyInstance, options: { cache: boolean }): Promise<void> {
  await app.register(fastifyStatic, {
    root: ESM_DIR,
    prefix: BROWSER_LIBRARY_PREFIX,
    decorateReply: false,
    index: false,
    allowedPath: (path) => path.endsWith('.js'),
    maxAge: options.cache ? '1h' : 0,
  })
}
