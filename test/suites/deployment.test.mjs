// One of npm test's processes: the folders test/suites.ts lists for 'deployment', from the
// compiled copy of the tests (test/compiled.mjs).
import { importModule } from '../compiled.mjs'

const { runSuite } = await importModule('test/suites.ts')
await runSuite('deployment')
