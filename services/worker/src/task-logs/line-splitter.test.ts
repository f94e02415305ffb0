import assert from 'node:assert/strict'
import { test } from 'node:test'
import { LineSplitter } from './line-splitter.js'

function split(chunks: Buffer[], maxLineChars?: number): string[] {
  const out: string[] = []
  const s = new LineSplitter((l) => out.push(l), maxLineChars)
  for (const c of chunks) s.push(c)
  s.end()
  return out
}

test('lines across chunks, CRLF, blank lines and a last line without newline', () => {
  assert.deepEqual(split([Buffer.from('a\nb'), Buffer.from('c\r\n\nd')]), ['a', 'bc', '', 'd'])
})

test('a UTF-8 character split between chunks stays whole', () => {
  const bytes = Buffer.from('é€\n')
  assert.deepEqual(split([bytes.subarray(0, 1), bytes.subarray(1, 3), bytes.subarray(3)]), ['é€'])
})

test('a line longer than the limit is emitted in pieces without waiting for its newline', () => {
  const out: string[] = []
  const s = new LineSplitter((l) => out.push(l), 4)
  s.push(Buffer.from('abcdefghij'))
  assert.deepEqual(out, ['abcd', 'efgh'])
  s.push(Buffer.from('\n'))
  s.end()
  assert.deepEqual(out, ['abcd', 'efgh', 'ij'])
})
