// One of npm test's processes: the folders test/suites.ts lists for 'accounts-and-apps'.
import { runSuite } from '../suites.js'

await runSuite('accounts-and-apps')
