// One of npm test's processes: the folders test/suites.ts lists for 'platform'.
import { runSuite } from '../suites.js'

await runSuite('platform')
