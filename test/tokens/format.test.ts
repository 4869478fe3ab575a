import fc from 'fast-check'
import t from 'tap'
import {
  base62,
  generateRefreshToken,
  generateToken,
  hashToken,
  isRefreshToken,
  parseAnyToken,
  parseToken,
  TOKEN_LENGTH,
  tokenHint,
} from '../../src/tokens/format.js'

const SEED = 20261129

t.test('generated tokens have the contract format and a valid checksum', async (t) => {
  for (const kind of ['application', 'personal'] as const) {
    const token = generateToken(kind)
    t.match(token, kind === 'application' ? /^lka_[0-9A-Za-z]{49}$/ : /^lkp_[0-9A-Za-z]{49}$/)
    t.equal(token.length, TOKEN_LENGTH)
    t.equal(parseToken(token), kind)
    t.equal(tokenHint(token), `${token.slice(0, 4)}…${token.slice(-4)}`)
    t.match(hashToken(token), /^[0-9a-f]{64}$/)
    t.not(hashToken(token), token)
  }
  const many = new Set(Array.from({ length: 2000 }, () => generateToken('personal')))
  t.equal(many.size, 2000, 'no repeats')
})

t.test('base62 of 256 random bits fits exactly 43 characters', async (t) => {
  t.equal(base62(2n ** 256n - 1n, 43).length, 43)
  t.equal(base62(0n, 43), '0'.repeat(43))
})

t.test('property: every generated token parses, and any single-character change is rejected', async (t) => {
  const alphabet = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz'
  fc.assert(
    fc.property(
      fc.constantFrom('application' as const, 'personal' as const),
      fc.integer({ min: 4, max: TOKEN_LENGTH - 1 }),
      fc.integer({ min: 1, max: 61 }),
      (kind, position, shift) => {
        const token = generateToken(kind)
        if (parseToken(token) !== kind) return false
        const original = token[position] as string
        const replaced = alphabet[(alphabet.indexOf(original) + shift) % 62] as string
        const tampered = token.slice(0, position) + replaced + token.slice(position + 1)
        return parseToken(tampered) === undefined
      },
    ),
    { seed: SEED, numRuns: 2000 },
  )
  t.pass('2000 tampered tokens rejected')
})

t.test('property: arbitrary strings are not mistaken for tokens', async (t) => {
  fc.assert(
    fc.property(fc.string({ maxLength: 80 }), (raw) => parseToken(raw) === undefined),
    { seed: SEED, numRuns: 5000 },
  )
  fc.assert(
    fc.property(fc.stringMatching(/^lk[ap]_[0-9A-Za-z]{49}$/), (raw) => {
      // A random well-shaped string passes the checksum about once in 2^32.
      return parseToken(raw) === undefined
    }),
    { seed: SEED, numRuns: 5000 },
  )
  t.equal(parseToken(`lkx_${'a'.repeat(49)}`), undefined, 'unknown prefix')
  t.equal(parseToken(`${generateToken('personal')} `), undefined, 'trailing space')
  t.pass('5000 random strings and 5000 well-shaped fakes rejected')
})

t.test('refresh tokens (lkr_): the same format under their own prefix, never an access token', async (t) => {
  const token = generateRefreshToken()
  t.match(token, /^lkr_[0-9A-Za-z]{49}$/)
  t.equal(token.length, TOKEN_LENGTH)
  t.ok(isRefreshToken(token), 'a valid checksum')
  t.equal(parseToken(token), undefined, 'never accepted where an access token is (/verify, /api/v1)')
  t.equal(parseAnyToken(token), 'refresh', 'the scanner and the leak report recognise it')
  t.equal(tokenHint(token), `lkr_…${token.slice(-4)}`)
  for (const kind of ['application', 'personal'] as const) {
    const access = generateToken(kind)
    t.notOk(isRefreshToken(access), `a ${kind} token is not a refresh token`)
    t.notOk(
      isRefreshToken(`lkr_${access.slice(4)}`),
      `nor is a ${kind} token relabelled lkr_ (the checksum covers the prefix)`,
    )
    t.equal(parseAnyToken(access), kind)
  }
  t.notOk(isRefreshToken(`${token.slice(0, -1)}${token.endsWith('A') ? 'B' : 'A'}`), 'a bad checksum')
  t.notOk(isRefreshToken(token.slice(0, -1)), 'one character short')
  t.notOk(isRefreshToken(`${token}0`), 'one character long')
  t.notOk(isRefreshToken(`LKR_${token.slice(4)}`), 'upper-case prefix')
  t.equal(parseToken(`lka_${token.slice(4)}`), undefined, 'nor does relabelling it lka_ make an access token')
  t.equal(parseAnyToken('lkr_'), undefined, 'the prefix alone')
  fc.assert(
    fc.property(
      fc.integer({ min: 4, max: TOKEN_LENGTH - 1 }),
      fc.integer({ min: 1, max: 61 }),
      (position, shift) => {
        const fresh = generateRefreshToken()
        const alphabet = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz'
        const original = fresh[position] as string
        const replaced = alphabet[(alphabet.indexOf(original) + shift) % 62] as string
        return (
          isRefreshToken(fresh) &&
          !isRefreshToken(fresh.slice(0, position) + replaced + fresh.slice(position + 1))
        )
      },
    ),
    { seed: SEED, numRuns: 1000 },
  )
  t.pass('1000 tampered refresh tokens rejected')
})

t.test(
  'tokens issued before the checksum was computed without BigInt still parse (CONTRACT 2)',
  async (t) => {
    // Minted by the BigInt version of the checksum (commit 70f41a5); the first one's checksum starts with 0.
    const issued = {
      lkp_Ptpr6Nh8ha3hEsypfOisRAZbEE7AH9GUOI7fSEduHhV0VOHBi: 'personal',
      lka_Fy0CBHfJK7twlaiaI6USmxhVrWYYTXOjMBdFtYt787436MgB4: 'application',
      lkp_Appd3ZKwM7O97ZKaM9RAR6YGPEAZhed1yWc2AoeQAzP1EU9n1: 'personal',
    }
    for (const [token, kind] of Object.entries(issued)) {
      t.equal(parseToken(token), kind, token)
      t.equal(
        parseToken(`${token.slice(0, -1)}${token.endsWith('1') ? '2' : '1'}`),
        undefined,
        'a changed checksum fails',
      )
    }
  },
)
