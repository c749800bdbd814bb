/**
 * Turns iopub messages into nbformat outputs, as JupyterLab's output area does:
 * consecutive stream outputs of the same name are merged (text kept verbatim, `\r`
 * and `\b` included), `clear_output(wait=true)` clears at the next output, and
 * display ids link outputs across cells so `update_display_data` reaches them.
 */
import type { ICodeCell, IOutput, IStream, IDisplayData, IExecuteResult, IError } from '@jupyterlab/nbformat';
import type {
  ClearOutputContent, DisplayDataContent, ErrorContent, ExecuteResultContent, JupyterMessage, StreamContent,
} from '../gateway/messages.js';
import { STREAM_PIECES } from '../notebook/lines.js';
import { SPILL_AFTER_CHARS, type SpillFile, type SpilledText } from '../record/spill.js';
import type { Notebook } from './types.js';

type DisplayOutput = IDisplayData | IExecuteResult;

/**
 * Most characters one stream output holds: V8 strings stop at 2^29 - 24, so more printed text
 * goes on in a new output of the same stream (shown right after it) instead of being lost.
 */
export const MAX_STREAM_OUTPUT_CHARS = 2 ** 28;

/** display_id → every output (in any cell) showing it. Shared by the cells of one run. */
export class DisplayRegistry {
  private readonly byId = new Map<string, Set<DisplayOutput>>();

  add(displayId: string, output: DisplayOutput): void {
    let set = this.byId.get(displayId);
    if (!set) this.byId.set(displayId, (set = new Set()));
    set.add(output);
  }

  /** Replaces data and metadata of every output showing `displayId`; returns how many. */
  update(displayId: string, content: DisplayDataContent): number {
    const set = this.byId.get(displayId);
    if (!set) return 0;
    for (const out of set) {
      out.data = content.data as IDisplayData['data'];
      out.metadata = (content.metadata ?? {}) as IDisplayData['metadata'];
    }
    return set.size;
  }

  /** Forgets outputs that were cleared from their cell. */
  forget(outputs: readonly IOutput[]): void {
    if (this.byId.size === 0) return;
    for (const out of outputs) {
      if (out.output_type !== 'display_data' && out.output_type !== 'execute_result') continue;
      for (const set of this.byId.values()) set.delete(out as DisplayOutput);
    }
  }
}

interface StreamPieces {
  /** The text in memory (after the spilled text, if any). */
  pieces: string[];
  /** Characters in all, spilled ones included. */
  length: number;
  /** Characters in `pieces`. */
  memoryChars: number;
  /** Where the text goes once more than {@link SPILL_AFTER_CHARS} are in memory (a run writing to a file). */
  spill?: SpillFile;
  /** The older text, in the spill file. */
  spilled?: SpilledText;
  /** The text, spilled part included, about 1 MiB at a time (for the writer). */
  chunks(): Iterable<string>;
}

/** Pieces up to this long take appends in place (V8 joins them lazily); then a new piece starts. */
const PIECE_CHARS = 1 << 20;

function appendPiece(kept: StreamPieces, text: string): void {
  kept.length += text.length;
  if (kept.spill) {
    // Spilling: pieces are kept as they came (no joins to make garbage of) and written out as they are.
    kept.pieces.push(text);
    kept.memoryChars += text.length;
    if (kept.memoryChars > SPILL_AFTER_CHARS) {
      kept.spilled ??= kept.spill.newText();
      kept.spill.append(kept.spilled, kept.pieces);
      kept.pieces = [];
      kept.memoryChars = 0;
    }
    return;
  }
  const last = kept.pieces.length - 1;
  if (last >= 0 && kept.pieces[last]!.length + text.length <= PIECE_CHARS) {
    kept.pieces[last] += text;
  } else {
    // Flatten the finished piece: a tree of thousands of small appends takes 4× the text's memory.
    if (last >= 0) void kept.pieces[last]!.charCodeAt(0);
    kept.pieces.push(text);
  }
  kept.memoryChars += text.length;
}

/** The placeholder text of an output whose spilled text was let go at the end of the run (largeOutputs: 'file'). */
function releasedText(length: number): string {
  return `[nbrun: this output's ${length} characters were written to the output notebook and not kept in memory (largeOutputs: 'file')]`;
}

/**
 * A stream output whose text is kept as pieces: appending never copies the text printed so
 * far, and the file writer streams the pieces. Reading `text` joins them (once per change).
 * With `spill`, text beyond {@link SPILL_AFTER_CHARS} goes to the run's spill file.
 */
function streamOutput(name: string, text: string, spill?: SpillFile): IStream {
  const kept: StreamPieces = {
    pieces: [],
    length: 0,
    memoryChars: 0,
    ...(spill ? { spill } : {}),
    *chunks() {
      const pieces = [...kept.pieces];
      if (kept.spilled && kept.spill) yield* kept.spill.read(kept.spilled);
      yield* pieces;
    },
  };
  appendPiece(kept, text);
  const out = { output_type: 'stream', name } as IStream;
  Object.defineProperty(out, STREAM_PIECES, { value: kept, enumerable: false });
  Object.defineProperty(out, 'text', {
    enumerable: true,
    configurable: true,
    get(): string {
      if (kept.spilled?.segments.length) {
        if (kept.spill?.isClosed) return releasedText(kept.length);
        return [...kept.chunks()].join('');
      }
      if (kept.pieces.length > 1) kept.pieces = [kept.pieces.join('')];
      return kept.pieces[0] ?? '';
    },
    set(value: unknown) {
      const t = Array.isArray(value) ? value.join('') : String(value);
      kept.pieces = [t];
      kept.length = t.length;
      kept.memoryChars = t.length;
      delete kept.spilled;
    },
  });
  return out;
}

/**
 * Before a run lets its spill file go: the spilled text of every stream output of `nb` is read
 * back into memory (`keep`), or left out (`text` then says where it went).
 * @example readBackSpilled(nb, true); spill.close();
 */
export function readBackSpilled(nb: Notebook, keep: boolean): void {
  for (const cell of nb.cells) {
    if (cell.cell_type !== 'code') continue;
    for (const output of (cell as ICodeCell).outputs as IOutput[]) {
      const kept = (output as { [STREAM_PIECES]?: StreamPieces })[STREAM_PIECES];
      if (!kept?.spilled?.segments.length) continue;
      if (keep) {
        const text = [...kept.chunks()].join('');
        kept.pieces = [text];
        kept.memoryChars = text.length;
        delete kept.spilled;
        delete kept.spill;
      }
    }
  }
}

/** The messages that change outputs. */
const OUTPUT_TYPES = new Set(['stream', 'display_data', 'execute_result', 'error', 'clear_output', 'update_display_data']);

/** True if the iopub message can change a cell's outputs. */
export function isOutputMessage(msgType: string): boolean {
  return OUTPUT_TYPES.has(msgType);
}

/**
 * What an output area asks of the run's widgets (widgets.ts's WidgetManager), declared here so
 * that this file does not import widgets.ts, which imports it.
 */
export interface CommMessageSink {
  /** Applies a comm_open/comm_msg. */
  handleComm(msg: JupyterMessage): void;
  /** True when an Output widget took this output message. */
  capture(msg: JupyterMessage): boolean;
}

/**
 * The outputs of one cell, built message by message.
 * @example
 * const area = new OutputArea(cell.outputs, displays);
 * area.handle(msg); // for each iopub message parented to the cell's execute_request
 */
export class OutputArea {
  private clearPending = false;

  constructor(
    /** The cell's outputs array, mutated in place. */
    readonly outputs: IOutput[],
    private readonly displays: DisplayRegistry,
    /** For tests: the cap of one stream output's text. */
    private readonly maxStreamChars = MAX_STREAM_OUTPUT_CHARS,
    /** The run's widgets: comm messages update them, and Output widgets capture outputs. */
    private readonly widgets?: CommMessageSink,
    /** The run's spill file: stream text beyond {@link SPILL_AFTER_CHARS} per output goes there. */
    private readonly spill?: SpillFile,
  ) {}

  /**
   * Applies one iopub message. Returns the output it added or changed in this cell
   * (for progress events), or undefined.
   */
  handle(msg: JupyterMessage): IOutput | undefined {
    if (this.widgets) {
      const type = msg.header.msg_type;
      if (type === 'comm_open' || type === 'comm_msg') {
        this.widgets.handleComm(msg);
        return undefined;
      }
      // An Output widget whose msg_id is this parent takes the output (or the clear).
      if (this.widgets.capture(msg)) return undefined;
    }
    switch (msg.header.msg_type) {
      case 'stream':
        return this.stream(msg.content as unknown as StreamContent);
      case 'display_data':
        return this.display(msg.content as unknown as DisplayDataContent, 'display_data');
      case 'execute_result':
        return this.display(msg.content as unknown as ExecuteResultContent, 'execute_result');
      case 'error':
        return this.error(msg.content as unknown as ErrorContent);
      case 'clear_output':
        this.clear((msg.content as unknown as ClearOutputContent).wait);
        return undefined;
      case 'update_display_data': {
        const content = msg.content as unknown as DisplayDataContent;
        const id = content.transient?.display_id;
        if (id) this.displays.update(id, content);
        return undefined;
      }
      default:
        return undefined;
    }
  }

  private flushPendingClear(): void {
    if (!this.clearPending) return;
    this.clearPending = false;
    this.displays.forget(this.outputs);
    this.outputs.length = 0;
  }

  private clear(wait: boolean): void {
    if (wait) {
      this.clearPending = true;
      return;
    }
    this.clearPending = false;
    this.displays.forget(this.outputs);
    this.outputs.length = 0;
  }

  private stream(content: StreamContent): IOutput {
    this.flushPendingClear();
    const last = this.outputs[this.outputs.length - 1];
    if (last && last.output_type === 'stream' && (last as IStream).name === content.name) {
      const s = last as IStream;
      const kept = (s as { [STREAM_PIECES]?: StreamPieces })[STREAM_PIECES];
      const length = kept ? kept.length : (typeof s.text === 'string' ? s.text : s.text.join('')).length;
      if (length + content.text.length <= this.maxStreamChars || length === 0) {
        if (kept) appendPiece(kept, content.text);
        else s.text = (typeof s.text === 'string' ? s.text : s.text.join('')) + content.text;
        return s;
      }
    }
    const out = streamOutput(content.name, content.text, this.spill);
    this.outputs.push(out);
    return out;
  }

  private display(content: DisplayDataContent | ExecuteResultContent, type: 'display_data' | 'execute_result'): IOutput {
    this.flushPendingClear();
    const out = (
      type === 'execute_result'
        ? {
            output_type: 'execute_result',
            execution_count: (content as ExecuteResultContent).execution_count ?? null,
            data: content.data,
            metadata: content.metadata ?? {},
          }
        : { output_type: 'display_data', data: content.data, metadata: content.metadata ?? {} }
    ) as DisplayOutput;
    const id = content.transient?.display_id;
    if (id) {
      // A new display with a known id also refreshes the earlier ones (as nbclient and JupyterLab do).
      this.displays.update(id, content);
      this.displays.add(id, out);
    }
    this.outputs.push(out);
    return out;
  }

  private error(content: ErrorContent): IOutput {
    this.flushPendingClear();
    const out: IError = {
      output_type: 'error',
      ename: content.ename,
      evalue: content.evalue,
      traceback: content.traceback ?? [],
    };
    this.outputs.push(out);
    return out;
  }
}
