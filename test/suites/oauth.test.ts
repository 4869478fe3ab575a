// One of npm test's processes: the folders test/suites.ts lists for 'oauth'.
import { runSuite } from '../suites.js'

await runSuite('oauth')
