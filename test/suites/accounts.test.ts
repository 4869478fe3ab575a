// One of npm test's processes: the folders test/suites.ts lists for 'accounts'.
import { runSuite } from '../suites.js'

await runSuite('accounts')
