import type { FastifyInstance } from 'fastify'
import { createAccount } from '../../src/accounts/repo.js'
import { upsertMembership } from '../../src/users/repo.js'
import { type Seeded, seedUser } from '../helper.js'

export interface Chooser extends Seeded {
  /** design (where the user first landed) */
  studioId: number
  /** a sub-account of Studio: design through inheritance */
  studioKidsId: number
  /** browse only */
  archiveId: number
}

/** A user with design on Studio (and so on its sub-account) and browse on Archive. */
export async function seedChooser(app: FastifyInstance): Promise<Chooser> {
  const seeded = await seedUser(app, 'design', { newAccountName: 'Studio' })
  const kids = await createAccount(app.db, { name: 'Studio Kids', parentId: seeded.accountId })
  const archive = await createAccount(app.db, { name: 'Archive' })
  await upsertMembership(app.db, { accountId: archive.id, userId: seeded.userId, role: 'browse' })
  return { ...seeded, studioId: seeded.accountId, studioKidsId: kids.id, archiveId: archive.id }
}
