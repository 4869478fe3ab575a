// The suites that time what they see (a revocation within a second, draining under
// load): one process, run alone and after everything else (package.json "tap.serial";
// this file's name sorts after the rest), from the compiled copy (test/compiled.mjs).
import { importModule } from '../compiled.mjs'

const { runSuite } = await importModule('test/suites.ts')
await runSuite('timed')
