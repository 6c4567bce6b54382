#!/usr/bin/env node
// `pnpm check:packages`: publint and attw over every tarball in <directory> (default ./packed).
import { readdirSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { checkPackages } from '../lib/check-packages.mjs'

const directory = resolve(process.argv[2] ?? 'packed')
const files = readdirSync(directory)
  .filter((name) => name.endsWith('.tgz'))
  .map((name) => join(directory, name))
if (files.length === 0) throw new Error(`no tarball in ${directory}: run \`pnpm pack:all\` first`)
await checkPackages(files)
console.log(`publint and attw: no problems in ${files.length} packages`)
