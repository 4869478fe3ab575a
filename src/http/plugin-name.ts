const DISPLAY_NAME = Symbol.for('fastify.display-name')

/**
 * The plugin, named for Fastify by its function's name. Fastify names a plugin that
 * neither fastify-plugin nor a display name names by looking for it among the exports
 * of every CommonJS module loaded (require.cache), when it registers it and again when
 * it makes its scope: some 90 searches an app, about 12 ms of CPU where a test runner
 * has filled the cache, per app built. Named, it does not search.
 */
export function named<T extends (...args: never[]) => unknown>(plugin: T): T {
  const target = plugin as unknown as Record<symbol, string | undefined>
  target[DISPLAY_NAME] ??= plugin.name || 'anonymous plugin'
  return plugin
}
