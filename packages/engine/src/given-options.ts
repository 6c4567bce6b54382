/**
 * The one check of a call's options object (reads, iterators, writes): an object whose given
 * names are all allowed. Strict as `open()`: an unknown name is an `InvalidArgumentError` that
 * names it and lists the allowed ones. A name given as `undefined` counts as not given.
 */
import { describeType, InvalidArgumentError } from '@strata/base'

/** `options` as a record of its given (not `undefined`) properties, once every name is one of
 *  `allowed`; `undefined` for no options. */
export function givenOptions(
  options: unknown,
  allowed: readonly string[],
  what: string,
): Record<string, unknown> | undefined {
  if (options === undefined || options === null) return undefined
  if (typeof options !== 'object' || Array.isArray(options)) {
    throw new InvalidArgumentError(`${what} options must be an object, not ${describeType(options)}`, {
      argument: 'options',
    })
  }
  const given = options as Record<string, unknown>
  const names = Object.keys(given)
  let allKnown = true
  for (let index = 0; index < names.length && allKnown; index++) {
    const name = names[index]!
    allKnown = allowed.includes(name) || given[name] === undefined
  }
  if (!allKnown) {
    const unknown = names.filter((name) => !allowed.includes(name) && given[name] !== undefined)
    throw new InvalidArgumentError(
      `unknown ${what} option${unknown.length > 1 ? 's' : ''} ${unknown.map((name) => `'${name}'`).join(', ')}; ` +
        `allowed: ${allowed.join(', ')}`,
      { argument: `options.${unknown[0]}` },
    )
  }
  return given
}
