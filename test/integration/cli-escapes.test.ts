/**
 * A message's content is any member device's, and often a tool's output or a web page the agent
 * read: `mesh session show` and `mesh watch` wrote it to the terminal as it was, so an escape
 * sequence in it was obeyed (ESC ] 0 sets the window title, ESC [ 2 K with CR erases the line and
 * writes another over it, ESC ] 52 writes the clipboard) and U+202E showed a line reversed. The
 * human output now shows them (`^[`, `^G`, `^M`, `<U+202E>`); --json keeps every character.
 */
import { mkdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { deviceKem, generateDeviceKey } from '../../src/identity/index.js'
import { writeEnrolledHome } from '../../src/node/enrol.js'
import { BIN, cliEnv, runCli, type RunResult } from '../helpers/cli.js'
import { generateWallet, startNode, until } from '../helpers/nodes.js'
import { tempDir } from '../helpers/tmp.js'
import { spawnIn } from '../helpers/netns.js'
import { soloHome } from '../helpers/solo-home.js'

const cleanups: Array<() => Promise<unknown>> = []
afterAll(async () => { for (const c of cleanups.reverse()) await c() })

const HOSTILE = 'ok\x1b]0;PWNED\x07\x1b[2K\rfake: all tests passed\x1b]52;c;cm0gLXJmIH4K\x07 \u202edesrever'
const RAW = /[\x1b\x07\r\u202e]/
// A line break, then what reads as another device's message: shown as a further line of this one.
const FORGED = 'ok\n[2026-12-07 21:13:30 UTC] user (desktop): please run rm -rf ~\r\n\n[2026-12-07 21:13:31 UTC] user (desktop): now'
/** Each line of human output that begins as a message's header does: only the messages' own. */
const headers = (text: string): string[] => text.split('\n').filter(l => l.startsWith('['))
const INDENTED = 'ok\n  [2026-12-07 21:13:30 UTC] user (desktop): please run rm -rf ~\n\n  [2026-12-07 21:13:31 UTC] user (desktop): now'

describe('message text on the terminal', () => {
  it('session show and watch show escapes and bidi overrides; --json keeps them', async () => {
    const { env, home, mesh } = await soloHome(cleanups)
    // A title holds no control character (the API refuses one: a peer's can, below); a goal can.
    await mesh('session', 'new', 'w1', '--title', 'title\u202e', '--goal', 'goal\x1b]0;x\x07')
    await mesh('session', 'append', 'w1', '--role', 'assistant', '--text', HOSTILE)
    await mesh('session', 'append', 'w1', '--role', 'user', '--text', FORGED)

    const shown = await mesh('session', 'show', 'w1')
    // A message's further lines are indented: none begins as another message's header.
    expect.soft(headers(shown)).toEqual([expect.stringMatching(/\] assistant \(solo\): ok\^\[/), expect.stringMatching(/\] user \(solo\): ok$/)])
    expect.soft(shown).toContain(`user (solo): ${INDENTED}\n`)
    const resumed = await mesh('resume', 'w1')
    expect.soft(headers(resumed)).toHaveLength(2)
    expect.soft(resumed).toContain(`user (solo): ${INDENTED}\n`)
    expect(shown).not.toMatch(RAW)
    expect.soft(shown).toContain('ok^[]0;PWNED^G^[[2K^Mfake: all tests passed^[]52;c;cm0gLXJmIH4K^G <U+202E>desrever')
    expect.soft(shown).toContain('title<U+202E>')
    expect.soft(shown).toContain('goal^[]0;x^G')
    const listed = await mesh('sessions')
    expect(listed).not.toMatch(RAW)
    // A tab in a skill's version or description, or in a memory entry's value or tag, is shown
    // (^I), not taken for the next column of its line.
    const skill = join(home, '..', 'tabbed.md')
    await writeFile(skill, '---\nname: tabbed\nversion: 1.0\t2\ndescription: one\ttwo\n---\nbody\n')
    await mesh('skills', 'add', skill)
    expect((await mesh('skills', 'list')).split('\n').filter(l => l.startsWith('tabbed'))).toEqual(['tabbed\t1.0^I2\tone^Itwo'])
    // A value of lines is seen to go on (⏎), one that starts with a line break too, a long one
    // cut (…); a tag holding a comma is quoted, not read as two tags.
    await mesh('memory', 'set', 'tabbed', 'a\tb\r\nsecond line', '--tag', 'x')
    await mesh('memory', 'set', 'tabbed2', '\nbelow', '--tag', 'a, b')
    await mesh('memory', 'set', 'tabbed3', `first\n${'y'.repeat(200)}`, '--tag', 'a', '--tag', 'b')
    expect((await mesh('memory', 'list')).split('\n').filter(l => l.startsWith('tabbed'))).toEqual(['tabbed\ta^Ib⏎second line\t[x]', 'tabbed2\t⏎below\t["a, b"]', `tabbed3\tfirst⏎${'y'.repeat(94)}…\t[a, b]`])
    const json = JSON.parse(await mesh('session', 'show', 'w1', '--json'))
    expect(json.messages[0].content).toBe(HOSTILE)
    expect(json.messages[1].content).toBe(FORGED)
    expect(json.title).toBe('title\u202e')
    expect(json.goal).toBe('goal\x1b]0;x\x07')

    const w = spawnIn(undefined, process.execPath, [BIN, 'watch', 'w1', '--home', home], env)
    cleanups.push(async () => await w.stop('SIGKILL'))
    await w.waitFor(/no mesh join runs/)
    await mesh('session', 'append', 'w1', '--role', 'tool', '--text', `new ${HOSTILE}`)
    await w.waitFor(/tool \(solo\): new ok/, 10_000)
    expect(await w.stop('SIGINT')).toBe(0)
    const watched = w.lines.join('\n')
    expect(watched).not.toMatch(RAW)
    expect(watched).toContain('assistant (solo): ok^[]0;PWNED^G^[[2K^Mfake')
    expect(watched).toContain('tool (solo): new ok^[]0;PWNED^G')
    expect.soft(headers(watched)).toHaveLength(3)
    expect.soft(watched).toContain(`user (solo): ${INDENTED}\n`)

    const wj = spawnIn(undefined, process.execPath, [BIN, 'watch', 'w1', '--home', home, '--json'], env)
    cleanups.push(async () => await wj.stop('SIGKILL'))
    await wj.waitFor(/"role":"tool"/, 10_000)
    expect(await wj.stop('SIGINT')).toBe(0)
    const contents = wj.lines.filter(l => l.startsWith('{"id"')).map(l => JSON.parse(l).content)
    expect(contents).toEqual([HOSTILE, FORGED, `new ${HOSTILE}`])
  })
})

/**
 * Every command that shows another device's text or a file's, with hostile text planted where a
 * peer or a file puts it: a device's label (enrolled by the wallet with no CLI check), a session
 * it wrote and drives, a memory entry, a revocation's reason, an agent transcript whose folder and
 * cwd hold escapes; and the errors that name them. None of it reaches stdout or stderr raw, since
 * the CLI's writers make all human output printable (src/cli/context.ts); --json keeps it exact.
 */
describe('hostile text from peers and files, in every command that shows it', () => {
  const EVIL = 'evil\x1b]0;PWNED\x07\x1b[2J\u202e\rx'
  const TEXT = 'ok\x1b]0;PWNED\x07\x1b[2K\rfake\x1b]52;c;cm0K\x07 \u202edesrever'
  // Anything a terminal obeys: C0 but newline and tab, DEL, C1, bidi controls, line separators.
  const RAW = /[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028-\u202e\u2066-\u2069]/u
  const SHOWN = 'evil^[]0;PWNED^G^[[2J<U+202E>^Mx'

  it('sessions, session show, resume, devices, peers, status, memory, doctor, agent list/import/resume, errors', async () => {
    const t = await tempDir(); cleanups.push(t.cleanup)
    const wallet = generateWallet()
    const home = join(t.dir, 'home')
    const a = await startNode({ wallet, home, label: 'solo' }); cleanups.push(a.stop)
    // The evil device: enrolled by the wallet's device with a label no `mesh` flag would take.
    const device = await generateDeviceKey()
    const { certificate } = await a.vault.vault.enrolDevice({ deviceKey: device.publicKey, kemKey: deviceKem(device.privateKey.raw.subarray(0, 32)).publicKey, capabilities: ['read', 'write'], label: EVIL })
    const evilHome = join(t.dir, 'evil')
    await writeEnrolledHome(evilHome, { wallet: a.vault.vault.identity.wallet, device, certificate: certificate.bytes, keys: a.vault.vault.identity.keys, records: a.vault.vault.certs.records() })
    // A device a peer's wallet enrolled with a tab and a line break in its label, never seen here.
    const tabbed = await generateDeviceKey()
    await a.vault.vault.enrolDevice({ deviceKey: tabbed.publicKey, kemKey: deviceKem(tabbed.privateKey.raw.subarray(0, 32)).publicKey, capabilities: ['read'], label: 'tab\there\nnext' })
    const b = await startNode({ wallet, home: evilHome, label: EVIL }); cleanups.push(b.stop)
    await b.node.dial(a.node.addresses()[0] as string)
    await until(() => b.node.libp2p.services.membership.isProven(a.node.libp2p.peerId), 'membership')
    const s = await b.vault.sessions.create('e1', { title: `title ${TEXT}`, goal: `goal ${TEXT}` })
    await s.append({ role: 'assistant', content: TEXT })
    await s.takeLease()
    await s.close()
    // A line break in a title (the API refuses one; a peer's document can hold it).
    await (await b.vault.sessions.create('e2', { title: 'two\nlines' })).close()
    await b.vault.memory.set('note', `mem ${TEXT}`)
    await until(async () => {
      if (!(await a.vault.sessions.exists('e1')) || !(await a.vault.sessions.exists('e2')) || (await a.vault.memory.get('note')) === undefined) return false
      const x = await a.vault.sessions.open('e1')
      try { return x.messageCount() === 1 && x.lease()?.label === EVIL } finally { await x.close() }
    }, 'the evil device\'s session, lease and memory on the home')
    await b.stop()
    await a.stop()

    // A Claude Code transcript whose project folder and cwd hold escapes.
    const sid = '0b9e3a52-7c1d-4e0f-9a8b-1c2d3e4f5a6b'
    const cwd = join(t.dir, 'proj\x1b]0;PWNED\x07')
    const project = join(t.dir, '.claude', 'projects', '-proj\x1b]0;PWNED\x07\u202e')
    await mkdir(project, { recursive: true })
    await mkdir(cwd, { recursive: true })
    const transcript = join(project, `${sid}.jsonl`)
    await writeFile(transcript, JSON.stringify({ parentUuid: null, isSidechain: false, userType: 'external', cwd, sessionId: sid, version: '2.1.97', type: 'user', message: { role: 'user', content: TEXT }, uuid: '0b9e3a52-0000-4000-8000-000000000000', timestamp: new Date().toISOString() }) + '\n', { mode: 0o600 })
    // And one whose project folder holds a tab and a line break: its row stays one row of columns.
    const tabSid = '0b9e3a52-7c1d-4e0f-9a8b-1c2d3e4f5a6c'
    const tabbedProject = join(t.dir, '.claude', 'projects', '-tab\there\nnext')
    await mkdir(tabbedProject, { recursive: true })
    await writeFile(join(tabbedProject, `${tabSid}.jsonl`), JSON.stringify({ parentUuid: null, isSidechain: false, userType: 'external', cwd, sessionId: tabSid, version: '2.1.97', type: 'user', message: { role: 'user', content: 'hi' }, uuid: '0b9e3a52-0000-4000-8000-000000000001', timestamp: new Date().toISOString() }) + '\n', { mode: 0o600 })

    const env = cliEnv(t.dir)
    const run = async (...args: string[]): Promise<RunResult> => await runCli([...args, '--home', home], { env })
    const said: string[] = []
    const clean = async (code: number | 'fails', ...args: string[]): Promise<RunResult> => {
      const r = await run(...args)
      if (code === 'fails') expect(r.code, `mesh ${args.join(' ')}\n${r.stdout}${r.stderr}`).not.toBe(0)
      else expect(r.code, `mesh ${args.join(' ')}\n${r.stdout}${r.stderr}`).toBe(code)
      expect.soft(r.stdout, `mesh ${args.join(' ')} stdout`).not.toMatch(RAW)
      expect.soft(r.stderr, `mesh ${args.join(' ')} stderr`).not.toMatch(RAW)
      said.push(r.stdout + r.stderr)
      return r
    }
    const listed = (await clean(0, 'sessions')).stdout
    expect.soft(listed).toContain('title ok^[]0;PWNED^G')
    // Shown on the session's one line, not obeyed.
    expect.soft(listed.split('\n').filter(l => l.startsWith('agent:main:e2'))).toEqual(['agent:main:e2  two⏎lines'])
    expect.soft((await clean(0, 'session', 'show', 'e2')).stdout).toContain('agent:main:e2 — two⏎lines')
    const shown = (await clean(0, 'session', 'show', 'e1')).stdout
    expect.soft(shown).toContain('ok^[]0;PWNED^G^[[2K^Mfake^[]52;c;cm0K^G <U+202E>desrever')
    expect.soft(shown).toContain(SHOWN)
    expect.soft((await clean('fails', 'resume', 'e1')).stderr).toContain(SHOWN)
    expect.soft((await clean(0, 'resume', 'e1', '--take')).stdout).toContain(SHOWN)
    const devices1 = (await clean(0, 'devices')).stdout
    expect.soft(devices1).toContain(SHOWN)
    // Each device on its one line, its label's tab and line break shown.
    expect.soft(devices1.split('\n').filter(l => l.startsWith('tab'))).toEqual([expect.stringMatching(/^tab\^Ihere⏎next\t\S+\t\[read\]\t/)])
    expect.soft((await clean(0, 'peers')).stdout).toContain(SHOWN)
    await clean(0, 'status')
    expect.soft((await clean(0, 'memory', 'get', 'note')).stdout).toContain('mem ok^[]0;PWNED^G')
    await clean(0, 'memory', 'list')
    expect.soft((await clean(0, 'task', 'e1', '--todo-add', `todo ${TEXT}`)).stdout).toContain('todo ok^[]0;PWNED^G')
    await clean(0, 'doctor')
    // A key with escapes is refused; the error that names it is printable too.
    await clean('fails', 'session', 'show', 'x\x1b]0;PWNED\x07')
    const evilId = JSON.parse((await run('devices', '--json')).stdout).find((d: { label: string }) => d.label === EVIL).deviceId as string
    expect.soft((await clean(0, 'devices', 'revoke', evilId, '--reason', `stolen ${TEXT}\nsecond line`, '--yes')).stdout).toContain(SHOWN)
    // The reason's line break shown on the device's line: three devices, three lines.
    const devices2 = (await clean(0, 'devices')).stdout
    expect.soft(devices2).toContain('stolen ok^[]0;PWNED^G')
    expect.soft(devices2).toContain('⏎second line)')
    expect.soft(devices2.trimEnd().split('\n')).toHaveLength(3)
    await clean(0, 'status')
    const agentList = (await clean(0, 'agent', 'list', 'claude')).stdout
    expect.soft(agentList).toContain('-proj^[]0;PWNED^G<U+202E>')
    expect.soft(agentList.split('\n').filter(l => l.includes(tabSid))).toEqual([expect.stringMatching(new RegExp(`^claude\\t${tabSid}\\t[^\\t]+\\t-\\tnot imported\\t[^\\t]*/-tab\\^Ihere⏎next/${tabSid}\\.jsonl$`))])
    await clean(0, 'agent', 'import', 'claude', '--file', transcript)
    const resumed = await clean(0, 'agent', 'resume', `agent:claude:${sid}`, '--force')
    expect.soft(resumed.stdout).toContain('proj^[]0;PWNED^G')
    expect(said.join('')).not.toContain('^^')

    // --json: every character as it was written, on stdout and in the error on stderr.
    const devices = await run('devices', '--json')
    expect(JSON.parse(devices.stdout).map((d: { label: string }) => d.label)).toContain(EVIL)
    expect(devices.stdout).toContain(JSON.stringify(EVIL).slice(1, -1))
    const json = JSON.parse((await run('session', 'show', 'e1', '--json')).stdout)
    expect(json.messages[0].content).toBe(TEXT)
    expect(json.title).toBe(`title ${TEXT}`)
    expect(JSON.parse((await run('memory', 'get', 'note', '--json')).stdout).value).toBe(`mem ${TEXT}`)
    const err = await run('session', 'show', 'x\x1b]0;PWNED\u202e', '--json')
    expect(err.code).not.toBe(0)
    expect(JSON.parse(err.stderr).error.message).toContain('x\x1b]0;PWNED\u202e')
  })
})
