// One of npm test's processes: the folders test/suites.ts lists for 'image'.
import { runSuite } from '../suites.js'

await runSuite('image')
