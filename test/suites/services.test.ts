// One of npm test's processes: the folders test/suites.ts lists for 'services'.
import { runSuite } from '../suites.js'

await runSuite('services')
