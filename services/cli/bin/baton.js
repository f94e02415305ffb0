#!/usr/bin/env node
// The baton CLI. TypeScript sources (Baton's and the user's workflow files) load through tsx.
import { register } from 'tsx/esm/api'

register()
await import('../src/main.ts')
