// Runs this folder's test files in one process (test/folder-suite.ts).
import { runFolder } from '../folder-suite.js'

await runFolder(import.meta.dirname)
