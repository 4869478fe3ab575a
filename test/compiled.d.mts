/** The compiled copy of src/ and test/ that npm test runs (test/compiled.mjs). */
export const REPO: string
export const BUILD: string
export function buildIsCurrent(): boolean
export function buildCompiled(): Promise<void>
export function importModule(path: string): Promise<Record<string, unknown>>
