import { readFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

/** package.json at the package root, both from `src/` (tsx) and `dist/` (built). */
const PACKAGE_JSON = join(dirname(fileURLToPath(import.meta.url)), '..', 'package.json')

/** Latchkey's version (package.json): `latchkey --version`, every log line, the build_info metric and the OpenAPI document. */
export const VERSION: string = (JSON.parse(readFileSync(PACKAGE_JSON, 'utf8')) as { version: string }).version
