import { chmod, mkdir, stat, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { generateWallet, loadWallet, parseWalletFile, vaultSeedSignature, walletFromSecretKey, writeNewWallet } from '../../src/identity/index.js'
import { stopAfterEach } from '../helpers/teardown.js'
import { tempDir } from '../helpers/tmp.js'

const { cleanups } = stopAfterEach()

describe('wallet files', () => {
  it('round-trips a Solana keypair file and derives the base58 address', async () => {
    const t = await tempDir(); cleanups.push(t.cleanup)
    const path = join(t.dir, 'id.json')
    const w = await writeNewWallet(path)
    expect((await stat(path)).mode & 0o777).toBe(0o600)
    const again = await loadWallet(path)
    expect(again.address).toBe(w.address)
    expect(w.address).toMatch(/^[1-9A-HJ-NP-Za-km-z]{32,44}$/)
  })

  it('refuses to overwrite an existing wallet', async () => {
    const t = await tempDir(); cleanups.push(t.cleanup)
    const path = join(t.dir, 'id.json')
    await writeNewWallet(path)
    await expect(writeNewWallet(path)).rejects.toMatchObject({ code: 'INVALID_WALLET' })
    // A directory named as the new file is said to be one.
    await expect(writeNewWallet(t.dir)).rejects.toMatchObject({ code: 'INVALID_WALLET', message: `${t.dir} already exists and is a directory: give the path of a new file in it` })
  })


  it.each([
    ['not JSON', 'hello', /not JSON/],
    ['not an array', '{"a":1}', /not a JSON array/],
    ['the wrong length', JSON.stringify(Array(32).fill(1)), /has 32 numbers/],
    ['a non-byte item', JSON.stringify([...Array(63).fill(1), 300]), /not a byte/],
    ['mismatched halves', JSON.stringify(Array(64).fill(7)), /public half does not match/]
  ])('rejects a file that is %s', (_name, text, msg) => {
    expect(() => parseWalletFile(text, 'w.json')).toThrow(msg)
    try { parseWalletFile(text) } catch (err: any) { expect(err.code).toBe('INVALID_WALLET') }
  })

  it('reports a missing and an unreadable file with their own codes', async () => {
    const t = await tempDir(); cleanups.push(t.cleanup)
    await expect(loadWallet(join(t.dir, 'nope.json'))).rejects.toMatchObject({ code: 'WALLET_NOT_FOUND' })
    const dir = join(t.dir, 'adir')
    await mkdir(dir)
    await expect(loadWallet(dir)).rejects.toMatchObject({ code: 'INVALID_WALLET', message: expect.stringMatching(/cannot be read: it is a directory; give the keypair file/) })
    const f = join(t.dir, 'locked.json')
    await writeFile(f, '[]')
    await chmod(f, 0)
    if (process.getuid?.() !== 0) await expect(loadWallet(f)).rejects.toMatchObject({ code: 'INVALID_WALLET' })
  })

  it('refuses a non-deterministic signer', () => {
    const w = generateWallet()
    let n = 0
    const flaky = { sign: (m: Uint8Array) => { const s = w.sign(m); s[0] = (s[0] as number) ^ (n++ & 1); return s } }
    expect(() => vaultSeedSignature(flaky)).toThrow(/deterministic/)
    expect(vaultSeedSignature(w)).toEqual(vaultSeedSignature(w))
  })

  it('expands ~/ in wallet paths, as a shell would', async () => {
    const { homedir } = await import('node:os')
    const { expandHome } = await import('../../src/identity/index.js')
    expect(expandHome('~/.config/solana/id.json')).toBe(join(homedir(), '.config/solana/id.json'))
    expect(expandHome('/abs/w.json')).toBe('/abs/w.json')
    expect(expandHome('rel/~/w.json')).toBe('rel/~/w.json')
  })

  it('checks the secret key length', () => {
    expect(() => walletFromSecretKey(new Uint8Array(10))).toThrow(/64 bytes/)
  })
})
