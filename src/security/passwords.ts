import argon2 from 'argon2'
import { ARGON2_SLOTS, Slots } from './argon2-slots.js'

/** argon2id cost: memory in KiB and passes. */
export interface PasswordHashing {
  readonly memoryCost: number
  readonly timeCost: number
}

/**
 * argon2id at OWASP's minimum (19 MiB, t=2, p=1). The native binding runs on
 * libuv's thread pool, so hashing never blocks the event loop; at most
 * ARGON2_SLOTS run at once, so it never takes the event loop's core either.
 */
export const OWASP_PASSWORD_HASHING: PasswordHashing = Object.freeze({ memoryCost: 19456, timeCost: 2 })

// Set from Config by buildApp (the services that hash take no config). Only tests
// lower it: at OWASP cost, seeding users and logging in are most of the suite's time.
let cost: PasswordHashing = OWASP_PASSWORD_HASHING

export function usePasswordHashing(hashing: PasswordHashing): void {
  cost = hashing
}

const slots = new Slots(ARGON2_SLOTS)

export const MIN_PASSWORD_LENGTH = 10
export const MAX_PASSWORD_LENGTH = 1024

export function hashPassword(password: string): Promise<string> {
  const options = { type: argon2.argon2id, ...cost, parallelism: 1 } as const
  return slots.run(() => argon2.hash(password, options))
}

/**
 * Whether a stored hash was made with other parameters than the configured ones
 * (or another argon2 variant), so it should be remade at the next sign-in.
 */
export function hashNeedsUpgrade(hash: string): boolean {
  try {
    return !hash.startsWith('$argon2id$') || argon2.needsRehash(hash, { ...cost, parallelism: 1 })
  } catch {
    return false // not an argon2 hash at all: verification fails anyway
  }
}

// Verified against when the email is unknown, so that an unknown email costs the
// same as a wrong password and the two cannot be told apart by timing (one per cost).
const dummyHashes = new Map<PasswordHashing, Promise<string>>()

export async function verifyPassword(hash: string | undefined, password: string): Promise<boolean> {
  if (hash === undefined) {
    let dummyHash = dummyHashes.get(cost)
    if (!dummyHash) {
      dummyHash = hashPassword('latchkey-dummy-password')
      dummyHashes.set(cost, dummyHash)
    }
    const dummy = await dummyHash
    await slots.run(() => argon2.verify(dummy, password)).catch(() => false)
    return false
  }
  try {
    return await slots.run(() => argon2.verify(hash, password))
  } catch {
    return false
  }
}

/** Why a new password is refused, or undefined when it is acceptable. */
export function passwordProblem(password: string): string | undefined {
  if (password.length < MIN_PASSWORD_LENGTH)
    return `password must be at least ${MIN_PASSWORD_LENGTH} characters`
  if (password.length > MAX_PASSWORD_LENGTH)
    return `password must be at most ${MAX_PASSWORD_LENGTH} characters`
  return undefined
}
