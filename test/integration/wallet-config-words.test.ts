/**
 * What mesh says of a wallet file or a home's config.json it cannot use names what is wrong with
 * it. An empty wallet file, a FIFO no program writes into, and a keypair saved with a UTF-8 BOM
 * were all said to be "not JSON"; an empty config.json and one with a BOM, "not valid JSON". Each
 * is now said as what it is, by every command that reads the wallet (wallet show, init, devices
 * revoke) and by mesh join for config.json, as bad input (exit 2); what was said right stays.
 */
import { execFileSync } from 'node:child_process'
import { mkdir, readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { beforeAll, describe, expect, it } from 'vitest'
import { cliHome } from '../helpers/cli-home.js'

const h = cliHome()
let bad: Record<string, string>

beforeAll(async () => {
  const d = join(h.dir, 'bad')
  await mkdir(join(d, 'folder'), { recursive: true })
  const keypair = await readFile(join(h.dir, 'wallet.json'), 'utf8')
  const files: Record<string, string | Buffer> = {
    'empty.json': '',
    'blank.json': ' \n',
    'bom.json': Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(keypair)]),
    'words.json': 'not json',
    'object.json': '{"secretKey": [1, 2, 3]}',
    'short.json': JSON.stringify(Array.from({ length: 32 }, () => 7))
  }
  for (const [n, text] of Object.entries(files)) await writeFile(join(d, n), text)
  execFileSync('mkfifo', [join(d, 'fifo.json')])
  bad = Object.fromEntries([...Object.keys(files), 'fifo.json', 'folder', 'missing.json'].map(n => [n, join(d, n)]))
}, 30_000)

describe('a wallet file mesh cannot use', () => {
  it('is said as what it is, by wallet show, init and devices revoke (exit 2, INVALID_WALLET or WALLET_NOT_FOUND)', async () => {
    const says: Array<[string, RegExp]> = [
      ['empty.json', /is empty: expected a Solana keypair file/],
      ['blank.json', /is empty: expected a Solana keypair file/],
      ['fifo.json', /wallet pipe .* gave nothing: no program wrote the keypair into it/],
      ['bom.json', /starts with a UTF-8 byte order mark \(BOM/],
      ['words.json', /is not JSON: expected a Solana keypair file/],
      ['object.json', /is not a JSON array/],
      ['short.json', /has 32 numbers: a Solana keypair file has exactly 64/],
      ['folder', /cannot be read: it is a directory/],
      ['missing.json', /does not exist/]
    ]
    for (const command of [['wallet', 'show'], ['init'], ['devices', 'revoke', 'laptop', '--yes']]) {
      for (const [name, said] of says) {
        const r = await h.mesh(...command, '--wallet', bad[name] as string)
        expect(r.code, `${command.join(' ')} ${name}: ${r.stderr}`).toBe(2)
        expect(r.stderr, `${command.join(' ')} ${name}`).toMatch(said)
      }
    }
  }, 180_000)
})

describe('a config.json mesh cannot use', () => {
  it('mesh join names an empty one and one saved with a BOM, and says why other text is not JSON', async () => {
    const config = join(h.home, 'config.json')
    const says: Array<[string | Buffer, RegExp]> = [
      ['', /config\.json is empty: write its settings as a JSON object/],
      [Buffer.from([0xef, 0xbb, 0xbf, ...Buffer.from('{"mdns": false}\n')]), /config\.json starts with a UTF-8 byte order mark \(BOM/],
      ['{mdns: false}\n', /config\.json is not valid JSON \(.+\)/]
    ]
    for (const [text, said] of says) {
      await writeFile(config, text)
      const r = await h.mesh('join', '--no-mdns', '--dht', 'off', '--listen', '/ip4/127.0.0.1/tcp/0', '--http', 'off')
      expect(r.code, r.stderr).toBe(2)
      expect(r.stderr).toMatch(said)
    }
  }, 60_000)
})
