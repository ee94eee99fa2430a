/**
 * A node under a flood of strangers: 250 distinct PeerIds from 25 loopback addresses, 50 at a
 * time, each failing membership (the node closes it after 1 s). The figure is the node's resident
 * memory at its peak during the flood and its heap after it, against the same node idle just
 * before, in its own process. Before the limits on pending connections this flood took a node
 * from 98 to 250 MB.
 */
import { fork, spawn, type ChildProcess } from 'node:child_process'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { fmt, report } from './util.js'

const here = fileURLToPath(new URL('.', import.meta.url))

function ask<T> (child: ChildProcess, msg: unknown): Promise<T> {
  return new Promise(resolve => { child.once('message', m => { resolve(m as T) }); child.send(msg as object) })
}

export async function benchFlood (dir: string, opts: { quick: boolean }): Promise<void> {
  const count = opts.quick ? 100 : 250
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
    const flood = spawn(process.execPath, [join(here, '..', 'helpers', 'peer-flood.js'), addr, String(count), '50', '25'], { stdio: ['ignore', 'pipe', 'inherit'] })
    let out = ''
    flood.stdout.on('data', (d: Buffer) => { out += d.toString() })
    await new Promise(resolve => flood.once('exit', resolve))
    while ((await ask<{ conns: number }>(node, { conns: true })).conns > 0) await new Promise(resolve => setTimeout(resolve, 100))
    sampling = false
    await sample
    const after = await ask<{ rss: number, heap: number }>(node, { mem: true, gc: true })
    const mb = (b: number): string => `${fmt(b / 1048576)} MB`
    console.log(`  flood: ${out.trim()} (done, closed by the node)`)
    report({ name: `node RSS, peak under a flood of ${count} PeerIds`, value: mb(peak), baseline: `${mb(idle.rss)} idle`, ratio: fmt(peak / idle.rss, 2), target: '< 1.5', ok: peak / idle.rss < 1.5 })
    report({ name: `node heap after a flood of ${count} PeerIds`, value: mb(after.heap), baseline: `${mb(idle.heap)} idle`, ratio: fmt(after.heap / idle.heap, 2), target: '< 1.2', ok: after.heap / idle.heap < 1.2 })
  } finally {
    node.send({ stop: true })
    await new Promise(resolve => node.once('exit', resolve))
  }
}
