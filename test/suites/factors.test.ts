// One of npm test's processes: the folders test/suites.ts lists for 'factors'.
import { runSuite } from '../suites.js'

await runSuite('factors')
