import { BlockList, isIP } from 'node:net'

/**
 * Parsing of the operations variables (metrics exposure, housekeeping, shutdown,
 * pool size); `loadConfig` calls these so every variable is still checked at start.
 */

type Env = Record<string, string | undefined>
type Fail = (message: string) => Error

/** Addresses allowed to read /metrics without the token: loopback unless configured. */
const LOOPBACK = ['127.0.0.0/8', '::1/128']

/**
 * `METRICS_ALLOW`: `loopback` (default), `none`, `any`, or a comma-separated list
 * of addresses and CIDR ranges (`10.0.0.0/8,192.168.1.7`). Returns CIDR strings.
 */
export function metricsAllowOf(env: Env, fail: Fail): readonly string[] {
  const raw = (env.METRICS_ALLOW ?? '').trim()
  if (raw === '' || raw === 'loopback') return LOOPBACK
  if (raw === 'none') return []
  if (raw === 'any') return ['0.0.0.0/0', '::/0']
  const ranges: string[] = []
  for (const part of raw.split(',').map((p) => p.trim())) {
    if (part === 'loopback') {
      ranges.push(...LOOPBACK)
      continue
    }
    const [address = '', bits] = part.split('/')
    const family = isIP(address)
    const max = family === 6 ? 128 : 32
    const prefix = bits === undefined ? max : Number(bits)
    if (family === 0 || !Number.isInteger(prefix) || prefix < 0 || prefix > max || bits === '') {
      throw fail(
        `METRICS_ALLOW must be loopback, none, any, or a comma-separated list of addresses/CIDR ranges such as 10.0.0.0/8; got "${part}"`,
      )
    }
    ranges.push(`${address}/${prefix}`)
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
