import { BlockList, isIP } from 'node:net'

/**
 * Parsing of the operations variables (metrics exposure, housekeeping, shutdown,
 * pool size); `loadConfig` calls these so every variable is still checked at start.
 */

type Env = Record<string, string | undefined>
type Fail = (message: string) => Error

/** Addresses allowed to read /metrics without the token: loopback unless configured. */
const LOOPBACK = ['127.0.0.0/8', '::1/128']

/** The named ranges of proxy-addr (what Fastify's trustProxy took before), kept for TRUST_PROXY. */
const NAMED_RANGES: Readonly<Record<string, readonly string[]>> = {
  loopback: LOOPBACK,
  linklocal: ['169.254.0.0/16', 'fe80::/10'],
  uniquelocal: ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16', 'fc00::/7'],
}

/**
 * A comma-separated list of addresses, CIDR ranges and the given names of
 * NAMED_RANGES, as CIDR strings; `undefined` when a part is none of these.
 */
function addressRangesOf(raw: string, names: readonly string[]): string[] | undefined {
  const ranges: string[] = []
  for (const part of raw.split(',').map((p) => p.trim())) {
    const named = names.includes(part) ? NAMED_RANGES[part] : undefined
    if (named) {
      ranges.push(...named)
      continue
    }
    const [address = '', bits] = part.split('/')
    const family = isIP(address)
    const max = family === 6 ? 128 : 32
    const prefix = bits === undefined ? max : Number(bits)
    if (family === 0 || !Number.isInteger(prefix) || prefix < 0 || prefix > max || bits === '')
      return undefined
    ranges.push(`${address}/${prefix}`)
  }
  return ranges
}

/**
 * `METRICS_ALLOW`: `loopback` (default), `none`, `any`, or a comma-separated list
 * of addresses and CIDR ranges (`10.0.0.0/8,192.168.1.7`). Returns CIDR strings.
 */
export function metricsAllowOf(env: Env, fail: Fail): readonly string[] {
  const raw = (env.METRICS_ALLOW ?? '').trim()
  if (raw === '' || raw === 'loopback') return LOOPBACK
  if (raw === 'none') return []
  if (raw === 'any') return ['0.0.0.0/0', '::/0']
  const ranges = addressRangesOf(raw, ['loopback'])
  if (!ranges) {
    throw fail(
      `METRICS_ALLOW must be loopback, none, any, or a comma-separated list of addresses/CIDR ranges such as 10.0.0.0/8; got "${raw}"`,
    )
  }
  return ranges
}

/**
 * Whose `X-Forwarded-For` (and `X-Request-Id`) is believed: nobody (`false`),
 * everybody (`true`), the nearest N hops, or the peers in these CIDR ranges.
 */
export type TrustProxy = boolean | number | readonly string[]

/**
 * `TRUST_PROXY`: `false` (default), `true`, a hop count, or a comma-separated list
 * of addresses, CIDR ranges and the names `loopback`, `linklocal`, `uniquelocal`
 * (CONTRACT 12). Anything else stops start-up: a value Fastify silently ignores
 * (it reads a bare hop count as "trust nobody") is how `TRUST_PROXY=2` went wrong.
 */
export function trustProxyOf(env: Env, fail: Fail): TrustProxy {
  const raw = (env.TRUST_PROXY ?? '').trim()
  if (raw === '' || raw === 'false' || raw === '0') return false
  if (raw === 'true') return true
  if (/^\d+$/.test(raw) && Number(raw) <= 100) return Number(raw)
  const ranges = addressRangesOf(raw, Object.keys(NAMED_RANGES))
  if (!ranges) {
    throw fail(
      `TRUST_PROXY must be true, false, a hop count from 1 to 100, or a comma-separated list of proxy addresses/CIDR ranges (or loopback, linklocal, uniquelocal); got "${raw}"`,
    )
  }
  return ranges
}

/** A matcher over CIDR strings (node's BlockList, which also maps IPv4-mapped IPv6 addresses). */
export function addressMatcher(ranges: readonly string[]): (address: string) => boolean {
  const list = new BlockList()
  for (const range of ranges) {
    const [address = '', bits = ''] = range.split('/')
    const family = isIP(address) === 6 ? 'ipv6' : 'ipv4'
    list.addSubnet(address, Number(bits), family)
  }
  return (raw: string) => {
    const address = raw.startsWith('::ffff:') && isIP(raw.slice(7)) === 4 ? raw.slice(7) : raw
    const family = isIP(address)
    if (family === 0) return false
    return list.check(address, family === 6 ? 'ipv6' : 'ipv4')
  }
}

/** `METRICS_TOKEN`: a bearer secret for scrapers that are not on an allowed address. */
export function metricsTokenOf(env: Env, fail: Fail): string | undefined {
  const raw = env.METRICS_TOKEN
  if (raw === undefined || raw === '') return undefined
  if (Buffer.byteLength(raw) < 16 || /\s/.test(raw)) {
    throw fail(
      'METRICS_TOKEN must be at least 16 bytes without spaces; generate one with: openssl rand -hex 32',
    )
  }
  return raw
}
