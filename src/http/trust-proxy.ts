import type { IncomingMessage } from 'node:http'
import { addressMatcher, type TrustProxy } from '../config-ops.js'

/**
 * Whether the hop at this position is a trusted proxy, as proxy-addr asks it:
 * hop 0 is the socket's peer, hop 1 the last `X-Forwarded-For` entry, and so on.
 */
export type ProxyTrust = (address: string, hop: number) => boolean

/**
 * TRUST_PROXY as one function, given to Fastify (`request.ip`, and through it
 * throttling, rate limits, the audit log, the sessions page and the /metrics
 * address check) and to the request id. Fastify 5 reads a bare number as
 * "trust nobody" (it cannot check the peer), so a hop count is passed as this
 * function instead: the nearest N hops are proxies, the next address is the client.
 */
export function proxyTrust(setting: TrustProxy): ProxyTrust {
  if (typeof setting === 'boolean') return () => setting
  if (typeof setting === 'number') return (_address, hop) => hop < setting
  const trusted = addressMatcher(setting)
  return (address) => trusted(address)
}

/** Whether the request came straight from a trusted proxy, so the headers that proxy set may be believed. */
export function fromTrustedProxy(trust: ProxyTrust, raw: IncomingMessage): boolean {
  const peer = raw.socket?.remoteAddress
  return peer !== undefined && trust(peer, 0)
}
