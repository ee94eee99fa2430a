/**
 * The SQLite stores of OpenClaw (database era) and Hermes, shaped as AGENT-FORMATS.md §2.1 and
 * §3.2 describe them, written by the real `sqlite3` shell (helpers/sqlite3.ts): the schema, and
 * rows of our own making (pi v3 transcript events; Hermes session and message rows, indexed by
 * FTS5 tables as Hermes's are: sql.js has no FTS5, and reading must not need it). Also an
 * auth table with a planted secret, which a reader must never carry anywhere.
 */
export const OPENCLAW_SCHEMA = `
CREATE TABLE session_windows (session_id TEXT PRIMARY KEY, session_key TEXT NOT NULL, previous_session_id TEXT,
  reason TEXT CHECK (reason IN ('initial','reset','rollover','fork','rewind','switch','recovery','compaction')),
  session_scope TEXT NOT NULL DEFAULT 'conversation' CHECK (session_scope IN ('conversation','shared-main','group','channel')),
  created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL) STRICT;
CREATE TABLE transcript_events (session_id TEXT NOT NULL, seq INTEGER NOT NULL, event_json TEXT NOT NULL,
  created_at INTEGER NOT NULL, PRIMARY KEY (session_id, seq),
  FOREIGN KEY (session_id) REFERENCES session_windows(session_id) ON DELETE CASCADE) STRICT;
CREATE TABLE auth_profiles (id TEXT PRIMARY KEY, provider TEXT, api_key TEXT) STRICT;
`

export const HERMES_SCHEMA = `
CREATE TABLE schema_version (version INTEGER NOT NULL);
INSERT INTO schema_version VALUES (30);
CREATE TABLE sessions (id TEXT PRIMARY KEY, source TEXT NOT NULL, user_id TEXT, model TEXT, cwd TEXT, git_repo_root TEXT,
  parent_session_id TEXT, started_at REAL NOT NULL, ended_at REAL, end_reason TEXT, message_count INTEGER DEFAULT 0,
  tool_call_count INTEGER DEFAULT 0, input_tokens INTEGER DEFAULT 0, output_tokens INTEGER DEFAULT 0,
  estimated_cost_usd REAL, title TEXT, last_activity_at REAL);
CREATE TABLE messages (id INTEGER PRIMARY KEY AUTOINCREMENT, session_id TEXT NOT NULL REFERENCES sessions(id), role TEXT NOT NULL,
  content TEXT, tool_call_id TEXT, tool_calls TEXT, tool_name TEXT, timestamp REAL NOT NULL, token_count INTEGER,
  finish_reason TEXT, reasoning TEXT, active INTEGER NOT NULL DEFAULT 1, compacted INTEGER NOT NULL DEFAULT 0);
CREATE TABLE gateway_routing (scope TEXT, session_key TEXT, entry_json TEXT);
CREATE VIRTUAL TABLE messages_fts USING fts5(content, content=messages, content_rowid=id);
CREATE VIRTUAL TABLE messages_fts_trigram USING fts5(content, content=messages, content_rowid=id, tokenize='trigram');
CREATE TRIGGER messages_fts_insert AFTER INSERT ON messages BEGIN
  INSERT INTO messages_fts(rowid, content) VALUES (new.id, substr(new.content, 1, 8192));
  INSERT INTO messages_fts_trigram(rowid, content) VALUES (new.id, substr(new.content, 1, 8192));
END;
`

export const PLANTED_SECRET = 'sk-ant-api03-PLANTEDsecretNEVERtoLEAVE0123456789abcdefghij'

/** SQL text literal. */
export const lit = (s: string): string => `'${s.replace(/'/g, "''")}'`

export const T0 = Date.parse('2026-11-30T10:00:00.000Z')

/** The n-th event of a pi v3 transcript (n = 0: the header). */
export function openclawEvent (sessionId: string, n: number, cwd: string): string {
  const ts = new Date(T0 + n * 1000).toISOString()
  if (n === 0) return JSON.stringify({ type: 'session', version: 3, id: sessionId, timestamp: ts, cwd })
  const id = (0x10000000 + n).toString(16)
  const parentId = n === 1 ? null : (0x10000000 + n - 1).toString(16)
  if (n % 2 === 1) return JSON.stringify({ type: 'message', id, parentId, timestamp: ts, message: { role: 'user', content: [{ type: 'text', text: `question ${n} ✓` }], timestamp: T0 + n * 1000 } })
  return JSON.stringify({ type: 'message', id, parentId, timestamp: ts, message: { role: 'assistant', content: [{ type: 'text', text: `answer ${n}` }, { type: 'toolCall', id: `call_${n}`, name: 'read', arguments: { path: `${cwd}/src/f${n}.ts` } }], api: 'openai-responses', provider: 'openai', model: 'gpt-5', usage: { input: 10, output: 5, totalTokens: 15 }, stopReason: 'toolUse', timestamp: T0 + n * 1000 } })
}

export function openclawInsert (sessionId: string, from: number, to: number, cwd: string): string {
  const rows: string[] = []
  for (let n = from; n < to; n++) rows.push(`(${lit(sessionId)}, ${n}, ${lit(openclawEvent(sessionId, n, cwd))}, ${T0 + n * 1000})`)
  return `INSERT INTO transcript_events (session_id, seq, event_json, created_at) VALUES ${rows.join(', ')}`
}

export function openclawWindow (sessionId: string, sessionKey: string): string {
  return `INSERT INTO session_windows (session_id, session_key, reason, created_at, updated_at) VALUES (${lit(sessionId)}, ${lit(sessionKey)}, 'initial', ${T0}, ${T0})`
}

export function hermesSession (id: string, cwd: string, title: string): string {
  return `INSERT INTO sessions (id, source, model, cwd, git_repo_root, started_at, title, last_activity_at) VALUES (${lit(id)}, 'cli', 'hermes-4-405b', ${lit(cwd)}, ${lit(cwd)}, ${T0 / 1000}, ${lit(title)}, ${T0 / 1000})`
}

/** Messages n in [from, to) of a session, user/assistant/tool in turn; the session's counters move as Hermes's do. */
export function hermesMessages (id: string, from: number, to: number): string {
  const rows: string[] = []
  for (let n = from; n < to; n++) {
    const ts = T0 / 1000 + n
    const kind = n % 3
    if (kind === 0) rows.push(`(${lit(id)}, 'user', ${lit(`turn ${n}: please look ✓`)}, NULL, NULL, NULL, ${ts})`)
    else if (kind === 1) rows.push(`(${lit(id)}, 'assistant', ${lit(`looking (${n})`)}, NULL, ${lit(JSON.stringify([{ id: `call_${n}`, type: 'function', function: { name: 'read_file', arguments: JSON.stringify({ path: 'README.md' }) } }]))}, NULL, ${ts})`)
    else rows.push(`(${lit(id)}, 'tool', ${lit(`contents ${n}`)}, ${lit(`call_${n - 1}`)}, NULL, 'read_file', ${ts})`)
  }
  return `INSERT INTO messages (session_id, role, content, tool_call_id, tool_calls, tool_name, timestamp) VALUES ${rows.join(', ')};
UPDATE sessions SET message_count = message_count + ${to - from}, input_tokens = input_tokens + ${(to - from) * 7}, last_activity_at = ${T0 / 1000 + to} WHERE id = ${lit(id)}`
}
