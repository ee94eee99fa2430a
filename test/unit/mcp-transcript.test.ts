/**
 * The MCP server's transcript text (renderTranscript) from a session whose times no date holds
 * (a device wrote them; a lease's end or a message's ts past ±8.64e15 ms): the text shows the
 * number where a date would go instead of throwing RangeError, which failed the whole tool call.
 */
import { describe, expect, it } from 'vitest'
import { renderTranscript } from '../../src/api/mcp.js'

describe('the MCP transcript', () => {
  it('shows a time no date holds as its number', () => {
    const shown = {
      key: 'agent:main:t', title: 'odd times', goal: '', status: 'active', messageCount: 2, firstIndex: 0,
      lease: { device: 'd1', label: 'desk', mine: false, expired: false, expiresAt: 1e20 },
      messages: [
        { id: 'm1', role: 'user', content: 'hello', ts: 1e20, device: 'device-abcdef' },
        { id: 'm2', role: 'assistant', content: 'hi', ts: Date.UTC(2026, 11, 5), device: 'device-abcdef', author: 'claude' }
      ]
    }
    const text = renderTranscript(shown as unknown as Parameters<typeof renderTranscript>[0])
    expect(text).toContain('until 100000000000000000000)')
    expect(text).toContain('[100000000000000000000] user (abcdef) m1:')
    expect(text).toContain('[2026-12-05T00:00:00.000Z] assistant (claude) m2:')
  })
})
