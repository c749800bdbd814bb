/**
 * Jupyter widgets as a headless front end sees them, as nbclient does:
 * - every widget model's state (comm `jupyter.widget`) is kept, updated by the kernel's
 *   `comm_msg`s, and saved at the end in `metadata.widgets["application/vnd.jupyter.widget-state+json"]`
 *   (buffers base64-encoded with their paths), so viewers can render the widgets;
 * - an Output widget whose `msg_id` is set captures the outputs and `clear_output`s of that
 *   parent message: they go to the widget's `outputs` state, not to the cell.
 * ipywidgets 7/8 open a model with `{state, buffer_paths}` and binary buffers; ipywidgets 6
 * sends the state itself as the `comm_open` data and names buffers by key (`buffers`).
 */
import type { IOutput } from '@jupyterlab/nbformat';
import type { JupyterMessage } from '../gateway/messages.js';
import { parentId } from '../gateway/messages.js';
import type { OutputArea } from './outputs.js';

/** The metadata key viewers read widget state from. */
export const WIDGET_STATE_MIME = 'application/vnd.jupyter.widget-state+json';

/** Output models nbrun captures for (ipywidgets 7/8, and ipywidgets 6's module name). */
const OUTPUT_MODEL_MODULES = new Set(['@jupyter-widgets/output', 'jupyter-js-widgets']);

/** The message types an Output widget captures. */
const CAPTURED = new Set(['stream', 'display_data', 'execute_result', 'error', 'clear_output']);

interface SavedBuffer {
  data: string;
  encoding: 'base64';
  path: (string | number)[];
}

interface OutputWidget {
  commId: string;
  area: OutputArea;
  msgId: string;
}

type Json = Record<string, unknown>;

function asRecord(v: unknown): Json | undefined {
  return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Json) : undefined;
}

function toBase64(b: ArrayBuffer | ArrayBufferView): string {
  const bytes = ArrayBuffer.isView(b) ? Buffer.from(b.buffer, b.byteOffset, b.byteLength) : Buffer.from(b);
  return bytes.toString('base64');
}

/**
 * The widget models of one run.
 * @example
 * const widgets = new WidgetManager((outputs) => new OutputArea(outputs, displays));
 * widgets.handleComm(msg);                // each iopub comm_open / comm_msg
 * widgets.capture(msg);                   // true when an Output widget took the output
 * widgets.save(nb.metadata);              // at the end
 */
export class WidgetManager {
  private readonly states = new Map<string, Json>();
  private readonly buffers = new Map<string, Map<string, SavedBuffer>>();
  private readonly outputWidgets = new Map<string, OutputWidget>();
  /** parent msg_id → Output widgets capturing it, innermost last (nested `with out:`). */
  private readonly hooks = new Map<string, OutputWidget[]>();

  constructor(private readonly newArea: (outputs: IOutput[]) => OutputArea) {}

  /** Applies a `comm_open`/`comm_msg` (other messages are ignored). */
  handleComm(msg: JupyterMessage): void {
    const type = msg.header.msg_type;
    if (type !== 'comm_open' && type !== 'comm_msg') return;
    const content = msg.content as { comm_id?: unknown; target_name?: unknown; data?: unknown };
    const commId = typeof content.comm_id === 'string' ? content.comm_id : undefined;
    const data = asRecord(content.data);
    if (!commId || !data) return;
    let state = asRecord(data.state);
    let paths: unknown[] = Array.isArray(data.buffer_paths) ? data.buffer_paths : [];
    if (type === 'comm_open' && content.target_name === 'jupyter.widget' && !state && typeof data._model_name === 'string') {
      // ipywidgets 6: the state is the data.
      state = data;
    }
    if (!state) return; // a custom message, or another comm target
    if (!Array.isArray(data.buffer_paths) && Array.isArray(data.buffers)) {
      // ipywidgets 6 names its buffers by top-level key.
      paths = data.buffers.map((k) => [k]);
    }
    if (type === 'comm_open' && !this.states.has(commId)) this.states.set(commId, {});
    const saved = this.states.get(commId);
    if (!saved) return; // an update for a model opened before this run
    Object.assign(saved, state);
    this.saveBuffers(commId, paths, msg.buffers ?? []);
    if (type === 'comm_open') this.maybeOutputWidget(commId, saved);
    const widget = this.outputWidgets.get(commId);
    if (widget) this.updateOutputWidget(widget, state, saved);
  }

  /**
   * If an Output widget captures this message's parent, applies the message to the widget
   * and returns true; the cell must then ignore it.
   */
  capture(msg: JupyterMessage): boolean {
    if (this.hooks.size === 0 || !CAPTURED.has(msg.header.msg_type)) return false;
    const parent = parentId(msg);
    const stack = parent === undefined ? undefined : this.hooks.get(parent);
    const widget = stack?.[stack.length - 1];
    if (!widget) return false;
    widget.area.handle(msg);
    const saved = this.states.get(widget.commId);
    if (saved) saved.outputs = widget.area.outputs;
    return true;
  }

  /** True once any widget model was opened. */
  get size(): number {
    return this.states.size;
  }

  /**
   * Writes the state of every model into `metadata.widgets`, replacing what the input had
   * (nbclient's `store_widget_state`); leaves the metadata alone when no widget was opened.
   */
  save(metadata: Json): void {
    const state: Json = {};
    for (const [id, s] of this.states) {
      if (!('_model_name' in s)) continue;
      const entry: Json = {
        model_name: s._model_name ?? null,
        model_module: s._model_module ?? null,
        model_module_version: s._model_module_version ?? null,
        state: s,
      };
      const buffers = this.buffers.get(id);
      if (buffers?.size) entry.buffers = [...buffers.values()];
      state[id] = entry;
    }
    if (this.states.size === 0) return;
    metadata.widgets = { [WIDGET_STATE_MIME]: { state, version_major: 2, version_minor: 0 } };
  }

  private saveBuffers(commId: string, paths: unknown[], buffers: Array<ArrayBuffer | ArrayBufferView>): void {
    const n = Math.min(paths.length, buffers.length);
    if (n === 0) return;
    let map = this.buffers.get(commId);
    if (!map) this.buffers.set(commId, (map = new Map()));
    for (let i = 0; i < n; i++) {
      const path = Array.isArray(paths[i]) ? (paths[i] as (string | number)[]) : [String(paths[i])];
      map.set(JSON.stringify(path), { data: toBase64(buffers[i]!), encoding: 'base64', path });
    }
  }

  private maybeOutputWidget(commId: string, saved: Json): void {
    if (saved._model_name !== 'OutputModel' || !OUTPUT_MODEL_MODULES.has(String(saved._model_module))) return;
    const outputs = Array.isArray(saved.outputs) ? [...(saved.outputs as IOutput[])] : [];
    this.outputWidgets.set(commId, { commId, area: this.newArea(outputs), msgId: '' });
  }

  private updateOutputWidget(widget: OutputWidget, update: Json, saved: Json): void {
    if (Array.isArray(update.outputs)) {
      // The kernel set the outputs itself (`out.outputs = …`, `append_stdout`): it wins.
      widget.area.outputs.splice(0, widget.area.outputs.length, ...(update.outputs as IOutput[]));
      saved.outputs = widget.area.outputs;
    }
    if (!('msg_id' in update)) return;
    const msgId = typeof update.msg_id === 'string' ? update.msg_id : '';
    if (widget.msgId) {
      const stack = this.hooks.get(widget.msgId);
      const at = stack?.lastIndexOf(widget) ?? -1;
      if (stack && at >= 0) stack.splice(at, 1);
      if (stack?.length === 0) this.hooks.delete(widget.msgId);
    }
    widget.msgId = msgId;
    if (msgId) {
      let stack = this.hooks.get(msgId);
      if (!stack) this.hooks.set(msgId, (stack = []));
      stack.push(widget);
    }
  }
}
