/**
 * The last save of a run whose process exits before the run ends (a second Ctrl-C or
 * SIGTERM: the CLI calls `process.exit` at once). On process 'exit' only synchronous
 * code runs: each registered run writes its OUTPUT with `writeNotebookSync`, marked as
 * its owner decides (e.g. cancelled), so OUTPUT never stays at an autosave saying `running`.
 */
const pending = new Set<() => void>();

function saveAllSync(): void {
  for (const save of [...pending]) {
    try {
      save();
    } catch {
      // best effort at exit: one failure must not stop the other saves
    }
  }
  pending.clear();
}

/**
 * Registers a synchronous save to run if the process exits first; returns its removal.
 * @example const off = onExitSave(() => writeNotebookSync(out, nb)); try { await run() } finally { off() }
 */
export function onExitSave(save: () => void): () => void {
  if (pending.size === 0) process.on('exit', saveAllSync);
  pending.add(save);
  return () => {
    if (!pending.delete(save)) return;
    if (pending.size === 0) process.off('exit', saveAllSync);
  };
}
