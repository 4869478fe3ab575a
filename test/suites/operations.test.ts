// One of npm test's processes: the folders test/suites.ts lists for 'operations'.
import { runSuite } from '../suites.js'

await runSuite('operations')
