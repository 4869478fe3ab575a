import type { Command } from './command.js'

export const openapiCommand: Command = {
  name: 'openapi',
  synopsis: '',
  summary: 'print the OpenAPI document (as GET /docs/openapi.json serves it)',
  details: [
    'Needs no database and no running server, so SDKs can be generated in a build step:',
    '  latchkey openapi > openapi.json',
    'The servers entry is PUBLIC_URL.',
  ],
  async run({ config, io }) {
    // Builds the app's routes: loaded only for this command (see serveCommand).
    const { openapiDocument } = await import('../docs/document.js')
    io.stdout(`${JSON.stringify(await openapiDocument(config), null, 2)}\n`)
    return 0
  },
}
