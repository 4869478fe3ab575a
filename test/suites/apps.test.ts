// One of npm test's processes: the folders test/suites.ts lists for 'apps'.
import { runSuite } from '../suites.js'

await runSuite('apps')
