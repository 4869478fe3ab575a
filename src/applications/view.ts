import type { Application, Role } from '../db/schema.js'

/** An application as the API shows it; the client secret hash never leaves the database. */
export interface ApplicationView {
  id: number
  client_id: string
  account_id: number
  name: string
  description: string
  url: string
  /** The first of redirect_urls, '' for none (CONTRACT 10). */
  redirect_url: string
  redirect_urls: string[]
  permission: Role
  /** Seconds its access tokens live; null: they do not expire (CONTRACT 10). */
  access_token_lifetime: number | null
  authorize_url: string
  created_at: string
  updated_at: string
}

/** Where people go to authorize the application (CONTRACT 4a). */
export function authorizeUrl(publicUrl: string, id: number): string {
  return `${publicUrl}/authorize?app=${id}`
}

export function applicationView(row: Application, publicUrl: string): ApplicationView {
  return {
    id: row.id,
    client_id: String(row.id),
    account_id: row.account_id,
    name: row.name,
    description: row.description,
    url: row.url,
    redirect_url: row.redirect_urls[0] ?? '',
    redirect_urls: row.redirect_urls,
    permission: row.permission,
    access_token_lifetime: row.access_token_lifetime,
    authorize_url: authorizeUrl(publicUrl, row.id),
    created_at: row.created_at.toISOString(),
    updated_at: row.updated_at.toISOString(),
  }
}
