// One of npm test's processes: the folders test/suites.ts lists for 'sign-in'.
import { runSuite } from '../suites.js'

await runSuite('sign-in')
