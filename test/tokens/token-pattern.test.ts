import { readFileSync } from 'node:fs'
import t from 'tap'
import type { TokenKind } from '../../src/db/schema.js'
import {
  generateRefreshToken,
  generateToken,
  TOKEN_PATTERN,
  TOKEN_PREFIXES,
} from '../../src/tokens/format.js'
import { readmeSnippet } from '../docs/readme-snippet.js'

// The regular expression the README publishes for secret scanners (CONTRACT 2, 11)
// is the one the code derives from tokens/format.ts, and it finds every kind of
// token Latchkey issues and nothing that fails the format.

const published = readmeSnippet('token-pattern').trim()

t.test('the README publishes the expression format.ts derives', async (t) => {
  t.equal(published, TOKEN_PATTERN, 'a new prefix in format.ts needs the README expression updated')
  const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8')
  t.match(readme, `regex = '''${published}'''`, 'the gitleaks example uses it too')
})

t.test('it matches every kind of token the code issues', async (t) => {
  const whole = new RegExp(`^${published}$`)
  const kinds = [...(Object.keys(TOKEN_PREFIXES) as TokenKind[]), 'refresh' as const]
  t.ok(kinds.length >= 3)
  const mint = (kind: (typeof kinds)[number]) =>
    kind === 'refresh' ? generateRefreshToken() : generateToken(kind)
  for (const kind of kinds) {
    for (let i = 0; i < 50; i++) {
      const token = mint(kind)
      if (!whole.test(token)) t.fail(`${kind} token ${token.slice(0, 8)}… does not match`)
    }
    const token = mint(kind)
    t.same(
      [...`TOKEN=${token}\n"${token}", Bearer ${token}`.matchAll(new RegExp(published, 'g'))].map(
        (m) => m[0],
      ),
      [token, token, token],
      `a ${kind} token is found after =, inside quotes and after a space`,
    )
  }
})

t.test('it matches nothing that fails the format', async (t) => {
  const token = generateToken('personal')
  const found = (text: string) => new RegExp(published).test(text)
  for (const [what, text] of [
    ['another prefix', `lkc_${token.slice(4)}`],
    ['a service secret prefix', `lks_${token.slice(4)}`],
    ['upper-case prefix', `LKP_${token.slice(4)}`],
    ['one character short', token.slice(0, -1)],
    ['one character long', `${token}a`],
    ['glued to a word before', `x${token}`],
    ['glued with an underscore', `MY_${token}`],
    ['a character outside base62', `${token.slice(0, 20)}-${token.slice(21)}`],
    ['the prefix alone', 'lkp_'],
  ] as const)
    t.notOk(found(text), what)
})
