/**
 * src/node/config.ts savePort: remembering a port never replaces a config.json the owner broke
 * since the node read it (it was replaced by one holding the port alone, its settings lost); a
 * good one keeps every setting beside the port.
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { describe, expect, it, onTestFinished } from 'vitest'
import { savePort } from '../../src/node/config.js'
import { tempDir } from '../helpers/tmp.js'

async function homeWith (text: string): Promise<string> {
  const t = await tempDir()
  onTestFinished(t.cleanup)
  await mkdir(t.dir, { recursive: true })
  await writeFile(join(t.dir, 'config.json'), text)
  return t.dir
}

describe('savePort', () => {
  it.each([
    ['bad JSON', '{"mdns": false, "listen": ["/ip4/127.0.0.1/tcp/4001"'],
    ['a list', '["/ip4/127.0.0.1/tcp/4001"]']
  ])('leaves a config.json holding %s as it is, and says why the port is not remembered', async (_, text) => {
    const home = await homeWith(text)
    await expect(savePort(home, 4123, 'httpPort')).rejects.toMatchObject({ code: 'INVALID_INPUT', message: expect.stringContaining('httpPort 4123 is not remembered') })
    expect(await readFile(join(home, 'config.json'), 'utf8')).toBe(text)
  })

  it('keeps the other settings of a good config.json beside the port', async () => {
    const home = await homeWith('{"mdns": false, "dht": "off"}\n')
    await savePort(home, 4123, 'httpPort')
    expect(JSON.parse(await readFile(join(home, 'config.json'), 'utf8'))).toEqual({ mdns: false, dht: 'off', httpPort: 4123 })
  })
})
