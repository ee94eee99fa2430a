/**
 * A node under floods of strangers: rounds of 250 distinct PeerIds from 25 loopback addresses,
 * 50 at a time, each failing membership (the node closes it after 1 s). The figures: the node's
 * resident memory at its peak against the same node idle just before, and its heap after the
 * last round against after the first (which warms lazily built state), in its own process.
 * Before the limits on pending connections one flood took a node from 98 to 250 MB.
 */
import { fork, spawn, type ChildProcess } from 'node:child_process'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { fmt, report } from './util.js'

const here = fileURLToPath(new URL('.', import.meta.url))

let asked = 0
/** One request and its answer (matched by id: the sampler and the waits ask concurrently). */
function ask<T> (child: ChildProcess, msg: object): Promise<T> {
  const id = ++asked
  return new Promise(resolve => {
    const on = (m: { id?: number }): void => { if (m.id === id) { child.off('message', on); resolve(m as T) } }
    child.on('message', on)
    child.send({ ...msg, id })
  })
}

export async function benchFlood (dir: string, opts: { quick: boolean }): Promise<void> {
  const count = 250
  const rounds = opts.quick ? 2 : 4
  const node = fork(join(here, 'flood-node.js'), [join(dir, 'home')], { execArgv: ['--expose-gc'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] })
  try {
    const { addr } = await new Promise<{ addr: string }>(resolve => { node.once('message', m => { resolve(m as { addr: string }) }) })
    const idle = await ask<{ rss: number, heap: number }>(node, { mem: true, gc: true })
    let peak = idle.rss
    let sampling = true
    const sample = (async () => {
      while (sampling) {
        peak = Math.max(peak, (await ask<{ rss: number }>(node, { mem: true })).rss)
        await new Promise(resolve => setTimeout(resolve, 100))
      }
    })()
    const heaps: number[] = []
    for (let r = 0; r < rounds; r++) {
      const flood = spawn(process.execPath, [join(here, '..', 'helpers', 'peer-flood.js'), addr, String(count), '50', '25'], { stdio: ['ignore', 'pipe', 'inherit'] })
      let out = ''
      flood.stdout.on('data', (d: Buffer) => { out += d.toString() })
      await new Promise(resolve => flood.once('exit', resolve))
      while ((await ask<{ conns: number }>(node, { conns: true })).conns > 0) await new Promise(resolve => setTimeout(resolve, 100))
      heaps.push((await ask<{ heap: number }>(node, { mem: true, gc: true })).heap)
      console.log(`  flood ${r + 1}: ${out.trim()} (strangers, closed by the node); heap after ${fmt(heaps[r] as number / 1048576)} MB`)
    }
    sampling = false
    await sample
    const mb = (b: number): string => `${fmt(b / 1048576)} MB`
    const first = heaps[0] as number
    const last = heaps[heaps.length - 1] as number
    report({ name: `node RSS, peak under ${rounds} floods of ${count} PeerIds`, value: mb(peak), baseline: `${mb(idle.rss)} idle`, ratio: fmt(peak / idle.rss, 2), target: '< 1.5', ok: peak / idle.rss < 1.5 })
    // The first flood warms lazily built state; what must not grow is the heap after each further one.
    report({ name: `node heap after ${rounds * count} PeerIds`, value: mb(last), baseline: `${mb(first)} after the first ${count} (${mb(idle.heap)} idle)`, ratio: fmt(last / first, 2), target: '< 1.1', ok: last / first < 1.1 })
  } finally {
    node.send({ stop: true })
    await new Promise(resolve => node.once('exit', resolve))
  }
}
