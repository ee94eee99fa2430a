#!/usr/bin/env node
// Writes web/openapi.json from the API's schema (run after a build: `npx tsc && node scripts/generate-openapi.js`).
// test/unit/openapi.test.ts fails while the committed file differs from what this writes.
import { writeFileSync } from 'node:fs'
import { openApiText } from '../dist/src/api/openapi.js'

writeFileSync(new URL('../web/openapi.json', import.meta.url), openApiText())
console.log('wrote web/openapi.json')
