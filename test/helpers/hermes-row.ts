/** A Hermes export row changed the way Hermes changes it, for the OpenClaw/Hermes tests. */

/** The second fixture row as Hermes would export it later: message 201 reactivated, 204 added, the count updated (edited as text, so every other byte stays). */
export function growRow (line: string): string {
  return line.replace('"message_count": 3', '"message_count": 4').replace('"active": 0, "compacted": 1', '"active": 1, "compacted": 1')
    .replace(/\]\}$/, ', {"id": 204, "session_id": "20261120_081500_d4e5f6", "role": "user", "content": "thanks", "timestamp": 1795065400.0, "active": 1}]}')
}
