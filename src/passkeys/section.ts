import type { FastifyInstance } from 'fastify'
import { displayTime } from '../http/display.js'
import type { Viewer } from '../http/session.js'
import { relyingParty } from './relying-party.js'
import { listPasskeys } from './repo.js'

/** Where the passkeys section is; its forms come back here (the lead may move it into the security page). */
export const PASSKEYS_PATH = '/settings/profile/passkeys'

export interface PasskeyListing {
  id: number
  name: string
  created: string
  lastUsed: string
  /** Backed up (a synced passkey): its sign-ins are `swk`, a device-bound one's `hwk`. */
  synced: boolean
}

/** What `views/passkeys/section.eta` draws; `available` false when PUBLIC_URL is an IP address (CONTRACT 9). */
export interface PasskeySection {
  available: boolean
  publicUrl: string
  passkeys: PasskeyListing[]
}

/** The data of the passkeys section of the signed-in person's security settings. */
export async function passkeySection(app: FastifyInstance, viewer: Viewer): Promise<PasskeySection> {
  const available = relyingParty(app.config.publicUrl) !== undefined
  const rows = available ? await listPasskeys(app.db, viewer.user.id) : []
  return {
    available,
    publicUrl: app.config.publicUrl,
    passkeys: rows.map((row) => ({
      id: row.id,
      name: row.name,
      created: displayTime(row.created_at),
      lastUsed: row.last_used_at ? displayTime(row.last_used_at) : 'never',
      synced: row.backed_up,
    })),
  }
}
