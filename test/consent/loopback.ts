import type { Config } from '../../src/config.js'
import { build, type Teardown, type TestApp } from '../helper.js'
import { freePort } from '../system/server-process.js'

/** The real app listening on a loopback port, with PUBLIC_URL (the issuer) pointing at it. */
export async function listenOnLoopback(
  t: Teardown,
  overrides: Partial<Config> = {},
): Promise<TestApp & { publicUrl: string }> {
  const port = await freePort()
  const publicUrl = `http://127.0.0.1:${port}`
  const built = await build(t, { publicUrl, ...overrides })
  await built.app.listen({ port, host: '127.0.0.1' })
  return { ...built, publicUrl }
}

export interface HttpResponse {
  status: number
  location: string | undefined
  headers: Headers
  body: string
}

/** A minimal cookie-keeping user agent over real HTTP (fetch), following no redirects by itself. */
export class HttpBrowser {
  private readonly cookies = new Map<string, string>()

  constructor(private readonly base: string) {}

  async request(url: string, init: RequestInit = {}): Promise<HttpResponse> {
    const headers = new Headers(init.headers)
    headers.set('accept', 'text/html')
    if (this.cookies.size) headers.set('cookie', [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; '))
    const response = await fetch(new URL(url, this.base), { ...init, headers, redirect: 'manual' })
    for (const line of response.headers.getSetCookie()) {
      const [pair = '', ...attributes] = line.split(';')
      const at = pair.indexOf('=')
      const name = pair.slice(0, at).trim()
      const value = pair.slice(at + 1).trim()
      const gone = value === '' || attributes.some((a) => /^\s*max-age=0\s*$/i.test(a))
      if (gone) this.cookies.delete(name)
      else this.cookies.set(name, value)
    }
    return {
      status: response.status,
      location: response.headers.get('location') ?? undefined,
      headers: response.headers,
      body: await response.text(),
    }
  }

  get(url: string): Promise<HttpResponse> {
    return this.request(url)
  }

  postForm(url: string, fields: Record<string, string>): Promise<HttpResponse> {
    return this.request(url, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams(fields).toString(),
    })
  }
}
