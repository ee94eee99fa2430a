/**
 * Network namespaces for tests that multicast: nothing leaves them. `loopbackNs` is one host
 * with multicast on lo; `bridgedHosts` is N hosts joined by a bridge that lives in a namespace of
 * its own, addressed 10.250.0.0/24 inside those namespaces only. Needs root; `teardown` removes
 * everything and is safe to call twice.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process'
import { randomBytes } from 'node:crypto'

function ip (...args: string[]): void { execFileSync('ip', args, { stdio: ['ignore', 'ignore', 'pipe'] }) }

export interface Netns { names: string[], addrs: string[], teardown: () => void }

export function requireRoot (): void {
  if (process.getuid?.() !== 0) throw new Error('network namespace tests need root (ip netns); CI runs them as root')
}

/** A namespace named `prefix` and random hex, with lo up, then `setup` run in it; removed again if that fails. */
function oneHost (prefix: string, setup: (name: string) => void): { name: string, teardown: () => void } {
  requireRoot()
  const name = `${prefix}-${randomBytes(3).toString('hex')}`
  ip('netns', 'add', name)
  const teardown = (): void => { try { ip('netns', 'del', name) } catch { /* already gone */ } }
  try {
    ip('-n', name, 'link', 'set', 'lo', 'up')
    setup(name)
  } catch (err) { teardown(); throw err }
  return { name, teardown }
}

export function loopbackNs (): Netns {
  const { name, teardown } = oneHost('mesh-lo', (ns) => {
    ip('-n', ns, 'link', 'set', 'lo', 'multicast', 'on')
    ip('-n', ns, 'route', 'add', '224.0.0.0/4', 'dev', 'lo')
  })
  return { names: [name], addrs: ['127.0.0.1'], teardown }
}

/**
 * One host whose network carries no multicast: lo, and an eth0 (a veth, its peer in the same
 * namespace, both up) on 10.251.0.0/24 with no route for multicast and no default route, as on a
 * host whose one network has none. `allowMulticast` adds the route.
 */
export function hostWithoutMulticast (): Netns & { allowMulticast: () => void } {
  const { name, teardown } = oneHost('mesh-nomc', (ns) => {
    ip('-n', ns, 'link', 'add', 'eth0', 'type', 'veth', 'peer', 'name', 'p0')
    ip('-n', ns, 'addr', 'add', '10.251.0.1/24', 'dev', 'eth0')
    ip('-n', ns, 'link', 'set', 'eth0', 'up')
    ip('-n', ns, 'link', 'set', 'p0', 'up')
  })
  return { names: [name], addrs: ['10.251.0.1'], teardown, allowMulticast: () => { ip('-n', name, 'route', 'add', '224.0.0.0/4', 'dev', 'eth0') } }
}

export function bridgedHosts (n: number): Netns {
  requireRoot()
  const tag = randomBytes(2).toString('hex')
  const sw = `mesh-sw-${tag}`
  const names = Array.from({ length: n }, (_, i) => `mesh-h${i + 1}-${tag}`)
  const made: string[] = []
  const teardown = (): void => { for (const m of made.reverse()) { try { ip('netns', 'del', m) } catch { /* already gone */ } } made.length = 0 }
  try {
    ip('netns', 'add', sw); made.push(sw)
    ip('-n', sw, 'link', 'add', 'br0', 'type', 'bridge')
    ip('-n', sw, 'link', 'set', 'br0', 'up')
    names.forEach((h, i) => {
      ip('netns', 'add', h); made.push(h)
      ip('-n', h, 'link', 'set', 'lo', 'up')
      ip('-n', h, 'link', 'add', 'eth0', 'type', 'veth', 'peer', 'name', `p${i}`, 'netns', sw)
      ip('-n', sw, 'link', 'set', `p${i}`, 'master', 'br0')
      ip('-n', sw, 'link', 'set', `p${i}`, 'up')
      ip('-n', h, 'addr', 'add', `10.250.0.${i + 1}/24`, 'dev', 'eth0')
      ip('-n', h, 'link', 'set', 'eth0', 'up')
      ip('-n', h, 'link', 'set', 'eth0', 'multicast', 'on')
      ip('-n', h, 'route', 'add', '224.0.0.0/4', 'dev', 'eth0')
    })
    // A daemon started before its link has carrier joins no multicast group: wait for every link.
    const up = (ns: string, dev: string): boolean => execFileSync('ip', ['-n', ns, '-o', 'link', 'show', dev], { encoding: 'utf8' }).includes('state UP')
    const deadline = Date.now() + 10_000
    const links: Array<[string, string]> = [...names.map((h): [string, string] => [h, 'eth0']), ...names.map((_, i): [string, string] => [sw, `p${i}`])]
    while (!links.every(([ns, dev]) => up(ns, dev))) {
      if (Date.now() > deadline) throw new Error(`links did not come up: ${links.filter(([ns, dev]) => !up(ns, dev)).map(l => l.join(':')).join(', ')}`)
      execFileSync('sleep', ['0.05'])
    }
  } catch (err) { teardown(); throw err }
  return { names, addrs: names.map((_, i) => `10.250.0.${i + 1}`), teardown }
}

/** A long-running process (e.g. `mesh join`) whose output lines are collected. */
export interface Proc { child: ChildProcess, lines: string[], waitFor: (re: RegExp, ms?: number) => Promise<string>, stop: (signal?: NodeJS.Signals) => Promise<number | null>, exited: Promise<number | null> }

export function spawnIn (ns: string | undefined, cmd: string, args: string[], env: NodeJS.ProcessEnv): Proc {
  const child = ns === undefined ? spawn(cmd, args, { env, stdio: ['ignore', 'pipe', 'pipe'] }) : spawn('ip', ['netns', 'exec', ns, cmd, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] })
  const lines: string[] = []
  const waiters: Array<{ re: RegExp, resolve: (l: string) => void }> = []
  let buf = ''
  const onData = (d: Buffer): void => {
    buf += d.toString()
    let i
    while ((i = buf.indexOf('\n')) >= 0) {
      const line = buf.slice(0, i)
      buf = buf.slice(i + 1)
      lines.push(line)
      for (const w of [...waiters]) if (w.re.test(line)) { waiters.splice(waiters.indexOf(w), 1); w.resolve(line) }
    }
  }
  child.stdout?.on('data', onData)
  child.stderr?.on('data', onData)
  const exited = new Promise<number | null>(resolve => child.once('exit', (code) => { resolve(code) }))
  return {
    child,
    lines,
    exited,
    waitFor: async (re, ms = 20_000) => {
      const seen = lines.find(l => re.test(l))
      if (seen !== undefined) return seen
      return await new Promise<string>((resolve, reject) => {
        const t = setTimeout(() => { reject(new Error(`timed out waiting for ${String(re)}; output:\n${lines.join('\n')}`)) }, ms)
        waiters.push({ re, resolve: (l) => { clearTimeout(t); resolve(l) } })
      })
    },
    stop: async (signal = 'SIGINT') => {
      if (child.exitCode !== null || child.signalCode !== null) return child.exitCode
      child.kill(signal)
      return await exited
    }
  }
}

export interface NatLab {
  /** The public host (the relay), on the "internet" switch. */
  pub: { ns: string, addr: string }
  /** Hosts each behind a NAT router of its own (nftables masquerade), in private networks that cannot reach each other. */
  natted: Array<{ ns: string, addr: string, router: string }>
  teardown: () => void
}

/**
 * A public host and `n` hosts behind NAT routers: a switch namespace with a bridge
 * (203.0.113.0/24, TEST-NET-3), the public host at .100, router i at .(i+1) masquerading the
 * private network 10.(60+i).0.0/24, where its host sits at .2. A private host reaches the public
 * one through its router; nothing reaches a private host from outside. Needs root and nft.
 */
export function natHosts (n: number): NatLab {
  requireRoot()
  const tag = randomBytes(2).toString('hex')
  const sw = `mesh-inet-${tag}`
  const pub = `mesh-pub-${tag}`
  const made: string[] = []
  const teardown = (): void => { for (const m of made.reverse()) { try { ip('netns', 'del', m) } catch { /* already gone */ } } made.length = 0 }
  const nsExec = (ns: string, ...args: string[]): void => { execFileSync('ip', ['netns', 'exec', ns, ...args], { stdio: ['ignore', 'ignore', 'pipe'] }) }
  const natted: NatLab['natted'] = []
  try {
    ip('netns', 'add', sw); made.push(sw)
    ip('-n', sw, 'link', 'add', 'br0', 'type', 'bridge')
    ip('-n', sw, 'link', 'set', 'br0', 'up')
    const plug = (ns: string, port: string, addr: string): void => {
      ip('-n', ns, 'link', 'add', 'wan0', 'type', 'veth', 'peer', 'name', port, 'netns', sw)
      ip('-n', sw, 'link', 'set', port, 'master', 'br0')
      ip('-n', sw, 'link', 'set', port, 'up')
      ip('-n', ns, 'addr', 'add', `${addr}/24`, 'dev', 'wan0')
      ip('-n', ns, 'link', 'set', 'wan0', 'up')
    }
    ip('netns', 'add', pub); made.push(pub)
    ip('-n', pub, 'link', 'set', 'lo', 'up')
    plug(pub, 'ppub', '203.0.113.100')
    for (let i = 0; i < n; i++) {
      const router = `mesh-rt${i + 1}-${tag}`
      const host = `mesh-nat${i + 1}-${tag}`
      ip('netns', 'add', router); made.push(router)
      ip('netns', 'add', host); made.push(host)
      ip('-n', router, 'link', 'set', 'lo', 'up')
      ip('-n', host, 'link', 'set', 'lo', 'up')
      plug(router, `prt${i}`, `203.0.113.${i + 1}`)
      ip('-n', router, 'link', 'add', 'lan0', 'type', 'veth', 'peer', 'name', 'eth0', 'netns', host)
      ip('-n', router, 'addr', 'add', `10.${60 + i}.0.1/24`, 'dev', 'lan0')
      ip('-n', router, 'link', 'set', 'lan0', 'up')
      ip('-n', host, 'addr', 'add', `10.${60 + i}.0.2/24`, 'dev', 'eth0')
      ip('-n', host, 'link', 'set', 'eth0', 'up')
      ip('-n', host, 'route', 'add', 'default', 'via', `10.${60 + i}.0.1`)
      nsExec(router, 'sysctl', '-qw', 'net.ipv4.ip_forward=1')
      // A home router: outbound connections are masqueraded; nothing new comes in from the WAN.
      const rules = [
        'table ip nat {', '  chain post {', '    type nat hook postrouting priority srcnat;', '    oifname "wan0" masquerade', '  }', '}',
        'table ip home {', '  chain guard {', '    type filter hook forward priority filter; policy drop;', '    ct state established,related accept', '    iifname "lan0" oifname "wan0" accept', '  }', '}'
      ].join('\n') + '\n'
      execFileSync('ip', ['netns', 'exec', router, 'nft', '-f', '-'], { input: rules, stdio: ['pipe', 'ignore', 'pipe'] })
      natted.push({ ns: host, addr: `10.${60 + i}.0.2`, router })
    }
  } catch (err) { teardown(); throw err }
  return { pub: { ns: pub, addr: '203.0.113.100' }, natted, teardown }
}
