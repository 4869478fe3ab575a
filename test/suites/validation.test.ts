// One of npm test's processes: the folders test/suites.ts lists for 'validation'.
import { runSuite } from '../suites.js'

await runSuite('validation')
