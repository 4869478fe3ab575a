// One of npm test's processes: the folders test/suites.ts lists for 'cli'.
import { runSuite } from '../suites.js'

await runSuite('cli')
