/**
 * A full disk, for real: a 2 MiB tmpfs in a private mount namespace (`unshare -m`, root). Appends
 * fail with a clear STORE_WRITE_FAILED naming the full disk, and every append acknowledged
 * before is still there after reopening. The mount vanishes with the namespace.
 */
import { spawnSync } from 'node:child_process'
import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { ROOT } from '../helpers/cli.js'
import { tempDir } from '../helpers/tmp.js'

const cleanups: Array<() => Promise<void>> = []
afterEach(async () => { for (const c of cleanups.splice(0)) await c() })

const CHILD = join(ROOT, 'dist', 'test', 'helpers', 'disk-full.js')

describe('full disk', () => {
  it('refuses the write that does not fit and loses nothing before it', async () => {
    if (process.getuid?.() !== 0) throw new Error('this test needs root (unshare -m, mount tmpfs); CI runs as root')
    const t = await tempDir(); cleanups.push(t.cleanup)
    const mnt = join(t.dir, 'mnt')
    mkdirSync(mnt)
    const r = spawnSync('unshare', ['-m', '--propagation', 'private', 'sh', '-c', `mount -t tmpfs -o size=2m tmpfs "${mnt}" && exec "${process.execPath}" "${CHILD}" "${mnt}"`], { encoding: 'utf8', timeout: 120_000 })
    expect(r.status, r.stderr).toBe(0)
    const out = JSON.parse(r.stdout.trim().split('\n').at(-1) as string)
    expect(out.error.code).toBe('STORE_WRITE_FAILED')
    expect(out.error.message).toMatch(/disk is full/)
    expect(out.afterError).toBe('STORE_WRITE_FAILED')
    expect(out.acked).toBeGreaterThan(50)
    expect(out.count).toBeGreaterThanOrEqual(out.acked)
    expect(out.inOrder).toBe(true)
  })

  it('an unwritable home is a clear error', async () => {
    if (process.getuid?.() !== 0) throw new Error('this test needs root')
    const t = await tempDir(); cleanups.push(t.cleanup)
    const mnt = join(t.dir, 'ro')
    mkdirSync(mnt)
    const script = `import('${join(ROOT, 'dist', 'src', 'sdk', 'index.js')}').then(async m => { const id = await import('${join(ROOT, 'dist', 'src', 'identity', 'index.js')}'); try { await m.openVault({ home: '${mnt}/home', wallet: id.generateWallet() }); console.log('opened') } catch (e) { console.log(JSON.stringify({ code: e.code, message: e.message })) } })`
    const r = spawnSync('unshare', ['-m', '--propagation', 'private', 'sh', '-c', `mount -t tmpfs -o size=1m,ro tmpfs "${mnt}" && exec "${process.execPath}" -e "${script.replace(/"/g, '\\"')}"`], { encoding: 'utf8', timeout: 60_000 })
    expect(r.status, r.stderr).toBe(0)
    const out = JSON.parse(r.stdout.trim())
    expect(out.code).toBe('STORE_WRITE_FAILED')
    expect(out.message).toMatch(/not writable/)
  })
})
