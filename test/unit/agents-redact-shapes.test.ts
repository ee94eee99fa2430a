/**
 * redact() on the shapes secrets take in agents' transcripts, each with the text around it: the
 * secret replaced whole, and what follows it (a command, the rest of a line) kept.
 */
import { describe, expect, it } from 'vitest'
import { redact, REDACTED } from '../../src/agents/redact.js'

const CASES: Array<[string, string]> = [
  // An unquoted value inside a line holds a quote (a password's sign): it went on to a space,
  // not stopped at the quote with the rest left visible.
  ['x PASSWORD=ab"cd', `x PASSWORD=${REDACTED}`],
  ["x API_TOKEN=it's-9k more", `x API_TOKEN=${REDACTED} more`],
  // A quote that closes a string around the pair still ends the value.
  ['echo "PASSWORD=abc9" > f', `echo "PASSWORD=${REDACTED}" > f`],
  ["sh -c 'API_TOKEN=abc9def,x'", `sh -c 'API_TOKEN=${REDACTED}'`],
  // NAME=value as a line of its own: a command run with the variable set keeps the command (the
  // value, unquoted, ends at a space); a line of a .env file (other NAME=value lines beside it,
  // comments and blank lines aside) is the value to its end, spaces and all.
  ['API_KEY=abc npm test', `API_KEY=${REDACTED} npm test`],
  ['$ GITHUB_TOKEN=ghx123 gh pr list\nok', `$ GITHUB_TOKEN=${REDACTED} gh pr list\nok`],
  ['cd app\nAPI_KEY=abc npm test -- --watch\ndone', `cd app\nAPI_KEY=${REDACTED} npm test -- --watch\ndone`],
  ['PASSWD=Tr0ub4dor&3', `PASSWD=${REDACTED}`],
  ['PASSWD=Tr0ub4dor&3 make', `PASSWD=${REDACTED} make`],
  ['KEY="a b c"', `KEY=${REDACTED}`],
  ['KEY="a b c" make', `KEY=${REDACTED} make`],
  ['PORT=1\nSECRET_KEY=correct horse battery', `PORT=1\nSECRET_KEY=${REDACTED}`],
  ['# db\nDB_PASSWORD=pa ss word\n\n# api\nAPI_URL=x', `# db\nDB_PASSWORD=${REDACTED}\n\n# api\nAPI_URL=x`],
  ['export A=1\nexport SECRET_KEY=correct horse battery', `export A=1\nexport SECRET_KEY=${REDACTED}`],
  // Authorization's credentials inside a line, whatever the scheme (GitHub's `token`, none, a
  // short bearer); a header named like a secret in a command's -H.
  ["curl -H 'Authorization: token 0f3a9c1d2e8b7a6f' x", `curl -H 'Authorization: token ${REDACTED}' x`],
  ['curl -H "Authorization: Bearer abc123xyz" x', `curl -H "Authorization: Bearer ${REDACTED}" x`],
  ['curl -H "authorization:sk_9f8e7d6c5b" x', `curl -H "authorization:${REDACTED}" x`],
  ['  authorization: token 0f3a9c1d2e8b7a6f', `  authorization: token ${REDACTED}`],
  ['http -A bearer -a x "Proxy-Authorization: Basic dXNlcjpwdw==" y', `http -A bearer -a x "Proxy-Authorization: Basic ${REDACTED}" y`],
  ["curl --header 'PRIVATE-TOKEN: glpat-9f8e7d6c' x", `curl --header 'PRIVATE-TOKEN: ${REDACTED}' x`],
  ['curl -H "X-Api-Key: k9d8e7f6a5b4" -H "Accept: application/json" x', `curl -H "X-Api-Key: ${REDACTED}" -H "Accept: application/json" x`],
  // A command's flag named like a secret, its value the next argument (or after `=`).
  ['mysql -u root --password hunter2 db', `mysql -u root --password ${REDACTED} db`],
  ['psql --password S3cret! -h db', `psql --password ${REDACTED} -h db`],
  ['docker login --password "pa ss 9" --username me', `docker login --password ${REDACTED} --username me`],
  ['tool --token abcdef123456 --api-key k9 --client-secret s3cr3tv x', `tool --token ${REDACTED} --api-key ${REDACTED} --client-secret ${REDACTED} x`],
  ['tool --api-key=k9z8', `tool --api-key=${REDACTED}`],
  // Private keys of every armour: PEM (RSA, EC, OpenSSH, PKCS#8) and PGP's, whole or in a JSON string.
  ['a\n-----BEGIN PGP PRIVATE KEY BLOCK-----\n\nlQOYBGZt\n=Xq3B\n-----END PGP PRIVATE KEY BLOCK-----\nb', `a\n${REDACTED}\nb`],
  ['{"k": "-----BEGIN PGP PRIVATE KEY BLOCK-----\\n\\nlQOYBGZt\\n-----END PGP PRIVATE KEY BLOCK-----\\n"}', `{"k": "${REDACTED}\\n"}`],
  ['-----BEGIN PGP PRIVATE KEY BLOCK-----\nlQOYBGZt', REDACTED],
  ['{"k": "-----BEGIN OPENSSH PRIVATE KEY-----\\nb3BlbnNz\\n-----END OPENSSH PRIVATE KEY-----\\n"}', `{"k": "${REDACTED}\\n"}`],
  ['-----BEGIN EC PRIVATE KEY-----\nMHcCAQ\n-----END EC PRIVATE KEY-----', REDACTED],
  // A URL's password, with a user or none (`redis://:password@host`).
  ['redis-cli -u redis://:p4ss@cache:6379', `redis-cli -u redis://:${REDACTED}@cache:6379`],
  ['see "https://alice:s3cr3t@x.test/a"', `see "https://alice:${REDACTED}@x.test/a"`],
  // Slack's tokens (bot, user, app-level, a rotating one's refresh token) and webhook URLs.
  ['SLACK xoxb-123456789012-1234567890123-AbCdEfGhIjKl', `SLACK ${REDACTED}`],
  ['t=xapp-1-A0123456789-1234567890123-0f9e8d7c6b5a', `t=${REDACTED}`],
  ['refresh xoxe-1-My0xLTEyMzQ1Njc4OTAxMi0x ok', `refresh ${REDACTED} ok`],
  ['curl -X POST https://hooks.slack.com/services/T000/B000/XXXXXXXXXXXXXXXX -d x', `curl -X POST https://hooks.slack.com/services/${REDACTED} -d x`],
  ['"url": "https://hooks.slack.com/triggers/T000/123/abcdef0123"', `"url": "https://hooks.slack.com/triggers/${REDACTED}"`],
  // A variable whose name ends in PASSWORD as one word (PostgreSQL's), or a PWD after another word (MySQL's).
  ['PGPASSWORD=secret psql -h db', `PGPASSWORD=${REDACTED} psql -h db`],
  ['export MYSQL_PWD=hunter2', `export MYSQL_PWD=${REDACTED}`],
  ['{"PGPASSWORD": "x1"}', `{"PGPASSWORD": "${REDACTED}"}`],
  // A command's user:password (curl -u, --user, wget's --user is a user alone).
  ['curl -u alice:hunter2 https://x.test', `curl -u alice:${REDACTED} https://x.test`],
  ['curl --user "alice:S3cret!" x', `curl --user "alice:${REDACTED}" x`],
  ['curl --user=bob:pa55 x', `curl --user=bob:${REDACTED} x`],
  // npm's and GitLab's tokens, a Discord webhook.
  ['token npm_aBcDeFgHiJkLmNoPqRsTuVwXyZ0123456789 ok', `token ${REDACTED} ok`],
  ['git push https://gitlab.test -o glpat-aBcDeFgHiJkLmNoPqRsT', `git push https://gitlab.test -o ${REDACTED}`],
  ['runner glrt-aBcDeFgHiJkLmNoPqRsT', `runner ${REDACTED}`],
  ['"https://discordapp.com/api/webhooks/1234567890/AbCdEfGhIjKlMnOpQrStUvWxYz0123"', `"https://discordapp.com/api/webhooks/1234567890/${REDACTED}"`]
]

/** Text that names a header and holds no secret: left as it is. */
const KEPT = [
  'the Authorization: header is missing',
  'headers: { Authorization: `Bearer ${token}` }',
  "fetch(u, { headers: { Authorization: 'Bearer ' + token } })",
  'curl -H "Authorization: token $GITHUB_TOKEN" x',
  'curl -H "Authorization: Bearer ${API_TOKEN}" x',
  'curl -H "X-Api-Key: $KEY" -H "Content-Type: text/plain" x',
  // A flag with no value of its own, a variable, a file's path, a count, a word of prose.
  'psql --password -h db',
  'gh auth login --with-token < token.txt',
  'echo "$PW" | docker login --password-stdin --username me',
  'tool --token $TOKEN --password "$DB_PASS" --secret ${{ secrets.X }}',
  'tool --token-file ./t.txt --password-file /run/pw --max-tokens 4096',
  'pass the --token flag, or use --password instead',
  // A public key block is no secret.
  '-----BEGIN PGP PUBLIC KEY BLOCK-----\nmQENBGZt\n-----END PGP PUBLIC KEY BLOCK-----',
  // A URL with a port and a path, an address in its path: no password.
  'http://localhost:8080/users/@alice and https://x.test:443/a@b',
  // Slack's docs' own address, a word that starts like a token.
  'see https://hooks.slack.com/ and https://api.slack.com/apps, xapping',
  // The working directory's variables.
  'PWD=/home/alice/src/app\nOLDPWD=/home/alice',
  // A user and group, a uid and gid, a variable.
  'docker run -u 1000:1000 img && docker exec -u www-data:www-data c sh',
  'curl -u "$USER:$PASS" x',
  // Words that start like a token.
  'npm_config_cache=/tmp/x and glpat- prefix, https://discord.com/api/webhooks/'
]

describe('redact on the shapes secrets take', () => {
  it.each(CASES)('%s', (text, want) => {
    expect(redact(text).text).toBe(want)
  })
  it.each(KEPT)('keeps %s', (text) => {
    expect(redact(text)).toMatchObject({ text, count: 0 })
  })
})
