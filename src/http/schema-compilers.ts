import { AjvCompiler } from '@fastify/ajv-compiler'
import { SerializerSelector } from '@fastify/fast-json-stringify-compiler'
import type { FastifyServerOptions } from 'fastify'

// Fastify compiles every route's schemas each time an app is built: an Ajv validator
// per request part and a fast-json-stringify serializer per response, some 100 ms of
// CPU for this app's routes. A process that builds the app more than once (the test
// suite builds one per test) takes them from here the second time, keyed by all that
// makes them: the shared schemas, the compiler's options and the schema's own JSON.
// Both kinds of function are pure, so apps can share them; Fastify's own compilers
// (the defaults, with their defaults) make them. The maps hold one entry per distinct
// schema, so they stop growing once every route has been built once.

type SchemaController = NonNullable<FastifyServerOptions['schemaController']>
type ValidatorFactory = NonNullable<SchemaController['compilersFactory']>['buildValidator']
type SerializerFactory = NonNullable<SchemaController['compilersFactory']>['buildSerializer']

/** Memoizes what `make` returns for a key, in one map per process. */
function memoized<T>(cache: Map<string, T>, key: string, make: () => T): T {
  let value = cache.get(key)
  if (value === undefined) {
    value = make()
    cache.set(key, value)
  }
  return value
}

const buildAjvValidator = AjvCompiler()
const validators = new Map<string, ReturnType<ReturnType<typeof buildAjvValidator>>>()

const buildValidator: ValidatorFactory = (externalSchemas, options) => {
  const compile = buildAjvValidator(externalSchemas, options)
  const scope = JSON.stringify([externalSchemas, options])
  return (route) => memoized(validators, `${scope}${JSON.stringify(route.schema)}`, () => compile(route))
}

const buildFastSerializer = SerializerSelector()
const serializers = new Map<string, (data: unknown) => string>()

const buildSerializer: SerializerFactory = (externalSchemas, options) => {
  const compile = buildFastSerializer(externalSchemas, options)
  const scope = JSON.stringify([externalSchemas, options])
  return (route) => memoized(serializers, `${scope}${JSON.stringify(route.schema)}`, () => compile(route))
}

/** Fastify's `schemaController` option: its default compilers, shared by every app of the process. */
export const sharedSchemaCompilers: SchemaController = {
  compilersFactory: { buildValidator, buildSerializer },
}

/** How many distinct validators and serializers the process has compiled (tests). */
export function compiledSchemaCount(): { validators: number; serializers: number } {
  return { validators: validators.size, serializers: serializers.size }
}
