// Run by tap once before the test files (package.json "tap.before"): builds the migrated
// database that every test starts from, so that parallel test files do not each build it.
import { prepareDatabaseSnapshot } from './database.js'

await prepareDatabaseSnapshot()
