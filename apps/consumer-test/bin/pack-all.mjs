#!/usr/bin/env node
// `pnpm pack:all`: packs every publishable package into <directory> (default ./packed) and
// prints the tarballs' sizes. The packages must be built (the root script builds them first).
import { describeSizes, packAll } from '../lib/pack.mjs'

const tarballs = await packAll(process.argv[2] ?? 'packed')
console.log(describeSizes(tarballs))
