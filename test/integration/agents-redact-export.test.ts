/**
 * `mesh agent export --redact` end to end: a Claude Code session with code and secrets in it,
 * imported with `mesh agent import claude --file` and exported with --redact. The code that
 * names a secret (an env lookup, a comparison, a default of None, a call) comes out byte for
 * byte; the secrets (a URL's password, a private key cut off before its END line) do not.
 */
import { readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { expect, it } from 'vitest'
import { soloHome, type SoloHome } from '../helpers/solo-home.js'
import { stopAfterEach } from '../helpers/teardown.js'

const { cleanups } = stopAfterEach()

const SID = '7e1d2c3b-4a59-4f68-9a7b-8c9d0e1f2a3b'
const CODE = 'secret_key = os.environ["SECRET_KEY"]\nif (token === undefined) throw e\ndef check(password=None):\nconst token = process.env.GITHUB_TOKEN;\nlet api_key=cfg.apiKey||\'\'\npassword = getPassword()\n'

/** The transcript `lines` imported as a Claude session, then exported with --redact: how many it replaced, and the file's text. */
async function exportRedacted ({ env, mesh }: Pick<SoloHome, 'env' | 'mesh'>, lines: readonly object[]): Promise<{ redacted: number, text: string }> {
  const file = join(String(env.HOME), `${SID}.jsonl`)
  await writeFile(file, lines.map(l => JSON.stringify(l)).join('\n') + '\n')
  await mesh('agent', 'import', 'claude', '--file', file)
  const out = join(String(env.HOME), 'out.jsonl')
  const r = JSON.parse(await mesh('agent', 'export', `agent:claude:${SID}`, '--redact', '--out', out, '--json')) as { redacted: number }
  return { redacted: r.redacted, text: await readFile(out, 'utf8') }
}

it('keeps code that names a secret, and removes a URL\'s password and a truncated private key', async () => {
  const { env, mesh } = await soloHome(cleanups)
  const cwd = '/home/alice/src/app'
  const lines = [
    { parentUuid: null, cwd, sessionId: SID, type: 'user', message: { role: 'user', content: 'read the config' }, uuid: 'a1', timestamp: '2026-11-20T09:00:00.000Z' },
    { parentUuid: 'a1', cwd, sessionId: SID, type: 'user', message: { role: 'user', content: [{ type: 'tool_result', tool_use_id: 't1', content: CODE }] }, uuid: 'a2', timestamp: '2026-11-20T09:00:01.000Z' },
    { parentUuid: 'a2', cwd, sessionId: SID, type: 'user', message: { role: 'user', content: [{ type: 'tool_result', tool_use_id: 't2', content: 'DATABASE_URL=postgres://user:hunter2@db:5432/x\nsee "https://user:s3cr3tP4ss@example.com/x"\n-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC' }] }, uuid: 'a3', timestamp: '2026-11-20T09:00:02.000Z' }
  ]
  const { redacted, text } = await exportRedacted({ env, mesh }, lines)
  expect(redacted).toBe(3)
  const got = text.trim().split('\n').map(l => JSON.parse(l) as any)
  expect(got[1].message.content[0].content).toBe(CODE)
  expect(got[2].message.content[0].content).toBe('DATABASE_URL=postgres://user:[REDACTED]@db:5432/x\nsee "https://user:[REDACTED]@example.com/x"\n[REDACTED]')
  for (const s of ['hunter2', 's3cr3tP4ss', 'MIIEvQ']) expect(text).not.toContain(s)
})

it('removes a password said inside a line, as the README says of a short one like hunter2', async () => {
  const { env, mesh } = await soloHome(cleanups)
  const cwd = '/home/alice/src/app'
  // With a sign in it (`!`, `?`, `$`, `,`, `|`), after `=` with or without spaces, as after `:`.
  const said = ['run it with API_KEY=sk-abc123 password: hunter2', 'my password: hunter2 ok', 'password=S3cret!x', 'PASSWORD = S3cret!x', 'DB_PASSWORD=S3cret!x', 'password = hunter2!', 'password: S3cret!x']
  const lines = said.map((content, i) => ({ parentUuid: i === 0 ? null : `b${i}`, cwd, sessionId: SID, type: 'user', message: { role: 'user', content }, uuid: `b${i + 1}`, timestamp: `2026-11-20T09:00:0${i}.000Z` }))
  const { redacted, text } = await exportRedacted({ env, mesh }, lines)
  expect(redacted).toBe(8)
  expect(text.trim().split('\n').map(l => (JSON.parse(l) as any).message.content)).toEqual(['run it with API_KEY=[REDACTED] password: [REDACTED]', 'my password: [REDACTED] ok', 'password=[REDACTED]', 'PASSWORD = [REDACTED]', 'DB_PASSWORD=[REDACTED]', 'password = [REDACTED]', 'password: [REDACTED]'])
  for (const s of ['hunter2', 'S3cret']) expect(text).not.toContain(s)
})

it('removes a whole .env value (past `&`, `;`, a space), a DB_PASS\'s and a bare JWT, and keeps a query string\'s next pair', async () => {
  const { env, mesh } = await soloHome(cleanups)
  const cwd = '/home/alice/src/app'
  const jwt = 'eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIn0.SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c'
  const dotenv = 'PORT=8080\nPASSWD=Tr0ub4dor&3\nDB_PASSWORD=pa55w0rd&more#x\nAPI_KEY=abc123;def456\nDB_PASS=abc123xyz\nexport SECRET_KEY=correct horse battery\nSTRIPE_KEY=rk9Zq2\n'
  const lines = [
    { parentUuid: null, cwd, sessionId: SID, type: 'assistant', message: { role: 'assistant', content: [{ type: 'tool_use', id: 't1', name: 'Bash', input: { command: 'cat .env' } }] }, uuid: 'c1', timestamp: '2026-11-20T09:00:00.000Z' },
    { parentUuid: 'c1', cwd, sessionId: SID, type: 'user', message: { role: 'user', content: [{ type: 'tool_result', tool_use_id: 't1', content: dotenv }] }, uuid: 'c2', timestamp: '2026-11-20T09:00:01.000Z' },
    { parentUuid: 'c2', cwd, sessionId: SID, type: 'user', message: { role: 'user', content: `the session cookie is ${jwt} and the callback https://x.test/cb?token=abc123def456&next=1` }, uuid: 'c3', timestamp: '2026-11-20T09:00:02.000Z' }
  ]
  const { redacted, text } = await exportRedacted({ env, mesh }, lines)
  const got = text.trim().split('\n').map(l => JSON.parse(l) as any)
  expect(got[1].message.content[0].content).toBe('PORT=8080\nPASSWD=[REDACTED]\nDB_PASSWORD=[REDACTED]\nAPI_KEY=[REDACTED]\nDB_PASS=[REDACTED]\nexport SECRET_KEY=[REDACTED]\nSTRIPE_KEY=[REDACTED]\n')
  expect(got[2].message.content).toBe('the session cookie is [REDACTED] and the callback https://x.test/cb?token=[REDACTED]&next=1')
  expect(redacted).toBe(8)
  for (const s of ['Tr0ub4dor', '&3', 'more#x', 'def456', 'abc123xyz', 'horse', 'rk9Zq2', 'eyJ', 'SflKx']) expect(text).not.toContain(s)
})
