/** The committed OpenAPI document (web/openapi.json) is the one the schema generates. */
import { readFile } from 'node:fs/promises'
import { describe, expect, it } from 'vitest'
import { METHODS } from '../../src/api/schema.js'
import { openApiDocument, openApiText } from '../../src/api/openapi.js'

describe('openapi', () => {
  it('web/openapi.json equals the document generated from the schema (else: npx tsc && node scripts/generate-openapi.js)', async () => {
    const committed = await readFile(new URL('../../web/openapi.json', import.meta.url), 'utf8')
    expect(committed).toBe(openApiText())
  })

  it('has one operation per method, at its route, with its path parameters', () => {
    const doc = openApiDocument()
    for (const [name, def] of Object.entries(METHODS)) {
      const op = doc.paths[def.http.path]?.[def.http.verb.toLowerCase()]
      expect(op?.operationId, name).toBe(name)
      const inPath = [...def.http.path.matchAll(/\{(\w+)\}/g)].map(m => m[1])
      expect(op.parameters?.filter((p: any) => p.in === 'path').map((p: any) => p.name) ?? [], name).toEqual(inPath)
    }
    expect(doc.paths['/api/events'].get.parameters.map((p: any) => p.name)).toEqual(['after', 'sessions', 'run', 'token'])
    expect(doc.components.schemas.Event.oneOf ?? doc.components.schemas.Event.anyOf).toBeDefined()
  })

  it('names the server it is served by; only the committed file names the default port', () => {
    expect(openApiDocument().servers.map((s: any) => s.url)).toEqual(['http://127.0.0.1:7433'])
    expect(openApiDocument({ serverUrl: 'http://127.0.0.1:45123' }).servers.map((s: any) => s.url)).toEqual(['http://127.0.0.1:45123'])
  })

  it('lists the statuses the server answers with', () => {
    const doc = openApiDocument()
    // The event stream: each refusal of an upgrade, and a plain request told to upgrade.
    expect(Object.keys(doc.paths['/api/events'].get.responses).sort()).toEqual(['101', '400', '401', '403', '405', '421', '426', '500'])
    for (const [name, def] of Object.entries(METHODS)) {
      const text: string = doc.paths[def.http.path][def.http.verb.toLowerCase()].responses.default.description
      for (const status of [403, 404, 405, 408, 409, 413, 415, 421, 500]) expect(text, `${name}: ${status}`).toContain(`${status} `)
    }
  })
})
