import { readFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

// One level up from src/ and from dist/ alike (package.json ships beside dist/).
const PACKAGE_JSON = join(dirname(fileURLToPath(import.meta.url)), '..', 'package.json')

/** Latchkey's version, from package.json: in every log line, the build_info metric and the OpenAPI document. */
export const VERSION: string = (JSON.parse(readFileSync(PACKAGE_JSON, 'utf8')) as { version: string }).version
