/**
 * `Symbol.asyncDispose` for `await using`: Node 20.4+ defines it (as
 * `Symbol.for('nodejs.asyncDispose')`); older runtimes get the same registered symbol,
 * so a later native definition and ours agree.
 */
const symbols = Symbol as { asyncDispose?: symbol };
// Only define it when missing: never replace a runtime's own symbol.
symbols.asyncDispose ??= Symbol.for('nodejs.asyncDispose');

/** The symbol `await using` calls on scope exit. */
export const asyncDispose: typeof Symbol.asyncDispose = symbols.asyncDispose as typeof Symbol.asyncDispose;
