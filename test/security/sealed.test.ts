import t from 'tap'
import { Sealer } from '../../src/security/sealed.js'

const OLD = 'an old secret of at least thirty-two bytes'
const NEW = 'a new secret of at least thirty-two bytes!!'

t.test('a sealed value opens to the plain text and does not contain it', async (t) => {
  const sealer = new Sealer([NEW], 'totp')
  const sealed = sealer.seal('JBSWY3DPEHPK3PXP')
  t.notMatch(sealed, /JBSWY3DPEHPK3PXP/)
  t.not(sealer.seal('JBSWY3DPEHPK3PXP'), sealed, 'a fresh IV each time')
  t.equal(sealer.open(sealed), 'JBSWY3DPEHPK3PXP')
})

t.test('the first secret seals; every listed secret opens (rotation)', async (t) => {
  const before = new Sealer([OLD], 'totp').seal('secret')
  const rotated = new Sealer([NEW, OLD], 'totp')
  t.equal(rotated.open(before), 'secret')
  t.notOk(rotated.isSealedWithCurrent(before))
  t.ok(rotated.isSealedWithCurrent(rotated.seal('secret')))
  t.throws(() => new Sealer([NEW], 'totp').open(before), /no longer lists/, 'a dropped secret opens nothing')
})

t.test('another purpose or an altered value does not open', async (t) => {
  const sealed = new Sealer([NEW], 'totp').seal('secret')
  t.throws(() => new Sealer([NEW], 'signing-keys').open(sealed))
  const parts = sealed.split('.')
  const body = Buffer.from(parts[3] as string, 'base64url')
  body[0] = (body[0] as number) ^ 1
  t.throws(() => new Sealer([NEW], 'totp').open([...parts.slice(0, 3), body.toString('base64url')].join('.')))
})
