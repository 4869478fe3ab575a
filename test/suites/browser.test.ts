// One of npm test's processes: the folders test/suites.ts lists for 'browser'.
import { runSuite } from '../suites.js'

await runSuite('browser')
