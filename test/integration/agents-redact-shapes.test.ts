/**
 * `mesh agent export --redact` on a Claude Code transcript holding the secrets agents meet in
 * their tool output (test/fixtures/redact: one tool result a line, written for this test): the
 * real CLI imports the file and exports it redacted, and each line's text is compared whole, so a
 * secret left visible and a command hidden with it both fail.
 */
import { copyFile, readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { expect, it } from 'vitest'
import { soloHome } from '../helpers/solo-home.js'
import { stopAfterEach } from '../helpers/teardown.js'

const { cleanups } = stopAfterEach()

const SID = '4c2e8a10-5b7d-4e3f-9a61-0d8f2b7c6e15'
const FIXTURE = fileURLToPath(new URL(`../fixtures/redact/${SID}.jsonl`, import.meta.url))

/** Each fixture line's tool result as the redacted export has it, in order; and what must not be left. */
const WANT: string[] = [
  'ok: run it as DEPLOY=1 x PASSWORD=[REDACTED] and x API_TOKEN=[REDACTED] more',
  // A command run with a variable set: the command stays; in a .env file the whole line is the value.
  'API_KEY=[REDACTED] npm test',
  '# .env\nPORT=8080\nSECRET_KEY=[REDACTED]\n',
  // A header of a command line: the credentials after any scheme, and a secret-named header's value.
  '$ curl -sH \'Authorization: token [REDACTED]\' https://api.github.test/user\n{"login":"alice"}',
  'curl -H "X-Api-Key: [REDACTED]" -H "Accept: application/json" https://x.test',
  // A secret given to a command as a flag's next argument.
  '$ mysql -u root --password [REDACTED] app -e \'select 1\'\n$ vercel deploy --token [REDACTED] --prod',
  // A PGP private key, as a block of its own and inside a JSON string (its newlines `\n`).
  '$ gpg --export-secret-keys --armor alice\n[REDACTED]\nok',
  '$ cat signer.json\n{\n "type": "signer",\n "armored": "[REDACTED]\\n",\n "user": "alice"\n}',
  // A URL's password with no user before it (Redis's).
  'REDIS_URL=redis://:[REDACTED]@cache:6379/0 started\nconnected to redis://:[REDACTED]@cache:6379/0',
  // Slack's app-level token and an incoming webhook's URL (its path is the secret).
  'socket mode with [REDACTED]\nposting to https://hooks.slack.com/services/[REDACTED] ok',
  // The password variables of PostgreSQL and MySQL, one word or a word of their own.
  '$ PGPASSWORD=[REDACTED] psql -h db -U app -c \'select 1\'\n$ MYSQL_PWD=[REDACTED] mysql -u app',
  // curl's user:password (a container's uid:gid after -u is none).
  '$ curl -su alice:[REDACTED] https://x.test/api\n$ docker run -u 1000:1000 img',
  // What was caught before these fixes, kept: providers' keys by name and by shape, a key and a
  // password in a JSON file's text, and code that reads a secret from the environment.
  '$ env | sort\nAWS_ACCESS_KEY_ID=[REDACTED]\nANTHROPIC_API_KEY=[REDACTED]\nGH_TOKEN=[REDACTED]\nOPENAI_API_KEY=[REDACTED]\nSLACK_BOT_TOKEN=[REDACTED]\nHOME=/home/alice',
  '$ cat sa.json\n{"type":"service_account","private_key":"[REDACTED]\\n","password":"[REDACTED]","client_email":"a@b.test"}\nsaw [REDACTED] and [REDACTED]\nsecret_key = os.environ["SECRET_KEY"]\npassword = os.environ["DB_PASSWORD"]',
  // npm's and GitLab's tokens by their shape, and a Discord webhook's URL (its last part the secret).
  '$ cat ~/.npmrc deploy.log\n//registry.npmjs.org/:_authToken=${NPM_TOKEN}\nusing [REDACTED] and [REDACTED]\nnotify https://discord.com/api/webhooks/123456789012345678/[REDACTED]'
]
const GONE = ['Fx0nly', 'fixtureOnly', 'FIXTURE0', 'Fixture0', 'correct horse', 'Hunt3r', 'Pg-s3cret', 'my-s3cret', '"cd', 'cd and', "'s-9k", 'abc123', 'horse', '0f3a9c1d', 'k9d8e7f6', 'hunter2', 'V3rc3l', 'lQOYBGZt', 'Xq3B', 'p4ssw0rdZ', 'xapp-', '0f9e8d7c6b5a', 'Zx9Yw8']

it('redacts the secrets of a real transcript file, each line to what it should say', async () => {
  const { env, mesh } = await soloHome(cleanups)
  const file = join(String(env.HOME), `${SID}.jsonl`)
  await copyFile(FIXTURE, file)
  await mesh('agent', 'import', 'claude', '--file', file)
  const out = join(String(env.HOME), 'out.jsonl')
  await mesh('agent', 'export', `agent:claude:${SID}`, '--redact', '--out', out, '--json')
  const text = await readFile(out, 'utf8')
  const got = text.trim().split('\n').map(l => (JSON.parse(l) as { message: { content: Array<{ content: string }> } }).message.content[0]?.content)
  expect(got).toEqual(WANT)
  for (const s of GONE) expect(text).not.toContain(s)
})
