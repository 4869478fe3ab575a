import t from 'tap'
import { isBasicScheme, parseBasicCredentials } from '../../src/security/basic-credentials.js'

const basic = (userPass: string, scheme = 'Basic') =>
  `${scheme} ${Buffer.from(userPass, 'utf8').toString('base64')}`

t.test('splits at the first colon: a password may contain colons (RFC 7617 2)', async (t) => {
  t.same(parseBasicCredentials(basic('42:lkc_a:b:c')), { username: '42', password: 'lkc_a:b:c' })
})

t.test('form-decodes both parts (RFC 6749 2.3.1)', async (t) => {
  t.same(parseBasicCredentials(basic('my%3Aclient:p%40ss+word%2B')), {
    username: 'my:client',
    password: 'p@ss word+',
  })
  t.same(parseBasicCredentials(basic('caf%C3%A9:x')), { username: 'café', password: 'x' })
})

t.test('a malformed percent-escape is refused, not thrown', async (t) => {
  t.equal(parseBasicCredentials(basic('42:100%')), undefined)
  t.equal(parseBasicCredentials(basic('%E0%A4%A:x')), undefined)
})

t.test('empty parts are returned for the caller to refuse', async (t) => {
  t.same(parseBasicCredentials(basic(':')), { username: '', password: '' })
  t.same(parseBasicCredentials(basic('42:')), { username: '42', password: '' })
})

t.test('the scheme is case-insensitive and surrounding whitespace is tolerated', async (t) => {
  t.same(parseBasicCredentials(basic('a:b', 'basic')), { username: 'a', password: 'b' })
  t.same(parseBasicCredentials(`BASIC   ${Buffer.from('a:b').toString('base64')}  `), {
    username: 'a',
    password: 'b',
  })
})

t.test('refuses what is not Basic credentials', async (t) => {
  t.equal(parseBasicCredentials(undefined), undefined)
  t.equal(parseBasicCredentials(''), undefined)
  t.equal(parseBasicCredentials('Bearer lka_abc'), undefined)
  t.equal(parseBasicCredentials('Basic'), undefined)
  t.equal(parseBasicCredentials('Basic '), undefined)
  t.equal(parseBasicCredentials(basic('no-colon')), undefined)
  t.equal(parseBasicCredentials('Basic not*base64!'), undefined)
  t.equal(parseBasicCredentials(`Basic ${Buffer.from('a:b').toString('base64')} extra`), undefined)
  t.equal(parseBasicCredentials(`Basicx ${Buffer.from('a:b').toString('base64')}`), undefined)
})

t.test('isBasicScheme tells a malformed Basic header from another scheme', async (t) => {
  t.ok(isBasicScheme('Basic !!!'))
  t.ok(isBasicScheme('basic abc'))
  t.notOk(isBasicScheme('Bearer abc'))
  t.notOk(isBasicScheme('Basicabc'))
  t.notOk(isBasicScheme(undefined))
})
