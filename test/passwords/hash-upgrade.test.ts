import argon2 from 'argon2'
import t from 'tap'
import { verifyPassword } from '../../src/security/passwords.js'
import { Browser, build, DATABASE_KIND, PASSWORD, seedFirstAdmin } from '../helper.js'

const storedHash = async (app: Awaited<ReturnType<typeof build>>['app'], userId: number) =>
  (
    await app.db
      .selectFrom('users')
      .select('password_hash')
      .where('id', '=', userId)
      .executeTakeFirstOrThrow()
  ).password_hash

t.test(`a hash made with other argon2 parameters is remade at sign-in (${DATABASE_KIND})`, async (t) => {
  const { app, config } = await build(t)
  const admin = await seedFirstAdmin(app)
  const { memoryCost, timeCost } = config.passwordHashing
  const older = await argon2.hash(PASSWORD, {
    type: argon2.argon2id,
    memoryCost: memoryCost * 2,
    timeCost: timeCost + 1,
    parallelism: 1,
  })
  await app.db.updateTable('users').set({ password_hash: older }).where('id', '=', admin.userId).execute()

  const wrong = await new Browser(app).post('/login', { email: admin.email, password: 'not the password' })
  t.equal(wrong.statusCode, 401)
  t.equal(await storedHash(app, admin.userId), older, 'a failed sign-in changes nothing')

  await new Browser(app).login(admin.email)
  const upgraded = await storedHash(app, admin.userId)
  t.not(upgraded, older, 'the stored hash changed')
  t.match(upgraded, /^\$argon2id\$/)
  t.match(upgraded, `m=${memoryCost},`, 'made with the configured memory cost')
  t.match(upgraded, `t=${timeCost}$`, 'and passes')
  t.ok(await verifyPassword(upgraded, PASSWORD), 'and still verifies')

  await new Browser(app).login(admin.email)
  t.equal(await storedHash(app, admin.userId), upgraded, 'a current hash is left alone')

  const argon2i = await argon2.hash(PASSWORD, { type: argon2.argon2i, memoryCost, timeCost })
  await app.db.updateTable('users').set({ password_hash: argon2i }).where('id', '=', admin.userId).execute()
  await new Browser(app).login(admin.email)
  t.match(
    await storedHash(app, admin.userId),
    /^\$argon2id\$/,
    'another variant (argon2i) is remade as argon2id',
  )
})
