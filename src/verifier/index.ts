// The public entry point `latchkey/verifier` (CONTRACT 11): only node: modules
// and the global fetch are loaded from here, never an npm package.
export { type ActiveAnswer, type Answer, PERMISSIONS, type Permission } from './answer.js'
export { VerifierUnavailableError } from './errors.js'
export type { HeadersLike } from './token-input.js'
export { createVerifier, type Verifier, type VerifierEvent, type VerifierOptions } from './verifier.js'
