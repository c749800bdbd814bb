/**
 * The web page of `nbrun serve`: schedules, runs, a run's live log and executed notebook.
 * Preact + htm, routed by the URL's hash (`#/schedules`, `#/runs`, `#/runs/ID`).
 */
import { html, render } from 'htm/preact';
import { useCallback, useEffect, useMemo, useRef, useState } from 'preact/hooks';
import {
  ApiError, FINAL_STATES, RUN_STATES, api, fileBase64, fileText, setCsrf, setUnauthorizedHandler,
  type DriverInfo, type JsonSchema, type Page, type ParameterInfo, type Run, type RunState, type Schedule,
} from './api.js';
import { describeTrigger, formatTime, runDuration } from './describe.js';
import { defaultBoolean, driverOptionValues, jsonOrText, parameterKind, parameterValues, schemaChoices } from './values.js';

type Raw = Record<string, string | boolean | undefined>;

// ── routing ──

function parseHash(): { path: string[]; query: URLSearchParams } {
  const h = location.hash.replace(/^#\/?/, '');
  const [p = '', q = ''] = h.split('?');
  return { path: p.split('/').filter(Boolean).map(decodeURIComponent), query: new URLSearchParams(q) };
}

function useRoute() {
  const [route, setRoute] = useState(parseHash());
  useEffect(() => {
    const on = () => setRoute(parseHash());
    addEventListener('hashchange', on);
    return () => removeEventListener('hashchange', on);
  }, []);
  return route;
}

function go(hash: string): void {
  location.hash = hash;
}

// ── small parts ──

function StateBadge({ state }: { state: RunState | string }) {
  return html`<span class=${`badge state-${state}`}>${state}</span>`;
}

function ErrorLine({ error }: { error: string | undefined }) {
  return error ? html`<p class="error" role="alert">${error}</p>` : null;
}

const message = (err: unknown) => (err instanceof Error ? err.message : String(err));

/** Calls `fn` now and every `ms` while the page is visible. */
function usePoll(fn: () => void, ms: number, deps: unknown[]) {
  useEffect(() => {
    fn();
    const t = setInterval(() => {
      if (document.visibilityState === 'visible') fn();
    }, ms);
    return () => clearInterval(t);
  }, deps);
}

/** Rows per page of a list unless the hash says `?limit=N` (1–500). */
const PAGE_SIZE = 25;

function pageSize(query: URLSearchParams): number {
  const n = Number(query.get('limit'));
  return Number.isInteger(n) && n >= 1 && n <= 500 ? n : PAGE_SIZE;
}

/**
 * One page of an API list (`?limit`, `?cursor`), polled every `ms`; `next`/`previous` walk
 * the pages (the API gives only the next page's cursor, so the ones seen are kept). A change
 * of `filter` goes back to the first page.
 */
function usePagedList<T>(path: string, filter: Record<string, string>, limit: number, ms: number) {
  const key = JSON.stringify([path, filter, limit]);
  const [walk, setWalk] = useState<{ key: string; cursors: (string | undefined)[] }>({ key, cursors: [undefined] });
  const [result, setResult] = useState<{ at: string; page: Page<T> }>();
  const [error, setError] = useState<string>();
  const cursors = walk.key === key ? walk.cursors : [undefined];
  const setCursors = (c: (string | undefined)[]) => setWalk({ key, cursors: c });
  const cursor = cursors[cursors.length - 1];
  const at = `${key} ${cursor ?? ''}`;
  // Only the page asked for last is shown: never the previous page's rows under a new number.
  const page = result?.at === at ? result.page : undefined;
  const load = useCallback(() => {
    const q = new URLSearchParams({ ...filter, limit: String(limit) });
    for (const [k, v] of [...q]) if (!v) q.delete(k);
    if (cursor) q.set('cursor', cursor);
    api<Page<T>>('GET', `${path}?${q}`)
      .then((p) => {
        setResult({ at, page: p });
        setError(undefined);
      })
      .catch((err) => setError(message(err)));
  }, [key, cursor]);
  usePoll(load, ms, [key, cursor]);
  return {
    page,
    error,
    setError,
    reload: load,
    number: cursors.length,
    next: page?.nextCursor ? () => setCursors([...cursors, page.nextCursor]) : undefined,
    previous: cursors.length > 1 ? () => setCursors(cursors.slice(0, -1)) : undefined,
  };
}

function Pager({ label, number, next, previous }: { label: string; number: number; next: (() => void) | undefined; previous: (() => void) | undefined }) {
  if (!next && !previous) return null;
  return html`<nav class="pager row" aria-label=${`Pages of ${label}`}>
    <button type="button" disabled=${!previous} onClick=${previous}>Previous page</button>
    <span class="page-number" aria-live="polite">Page ${number}</span>
    <button type="button" disabled=${!next} onClick=${next}>Next page</button>
  </nav>`;
}

function timeZones(): string[] {
  const intl = Intl as unknown as { supportedValuesOf?: (k: string) => string[] };
  const zones = intl.supportedValuesOf?.('timeZone') ?? [];
  return zones.includes('UTC') ? zones : ['UTC', ...zones];
}

// ── login ──

function Login({ onLogin }: { onLogin: (csrf: string, trusted: boolean) => void }) {
  const [token, setToken] = useState('');
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);
  const submit = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      const r = await api<{ csrf: string; trustedOutputs: boolean }>('POST', '/ui/login', { token });
      onLogin(r.csrf, r.trustedOutputs);
    } catch (err) {
      setError(err instanceof ApiError && err.status === 401 ? 'Wrong token.' : message(err));
    } finally {
      setBusy(false);
    }
  };
  return html`<main class="login">
    <h1>nbrun</h1>
    <form onSubmit=${submit} class="card">
      <label for="token">Server token</label>
      <input id="token" name="token" type="password" autocomplete="current-password" required autofocus
        value=${token} onInput=${(e: Event) => setToken((e.target as HTMLInputElement).value)} />
      <p class="hint">The token <code>nbrun serve</code> printed at its first start (or <code>--token</code>, <code>NBRUN_SERVER_TOKEN</code>).</p>
      <${ErrorLine} error=${error} />
      <button type="submit" disabled=${busy}>Log in</button>
    </form>
  </main>`;
}

// ── schedules ──

function Schedules({ query }: { query: URLSearchParams }) {
  const list = usePagedList<Schedule>('/api/v1/schedules', {}, pageSize(query), 5000);
  const { page, error, setError, reload: load } = list;
  const [runFor, setRunFor] = useState<string>();
  const [notice, setNotice] = useState<string>();

  const act = async (what: string, fn: () => Promise<unknown>) => {
    try {
      await fn();
      setNotice(what);
      load();
    } catch (err) {
      setError(message(err));
    }
  };

  return html`<section aria-labelledby="schedules-h">
    <div class="title-row">
      <h1 id="schedules-h">Schedules</h1>
      <a class="button" href="#/schedules/new">New schedule</a>
    </div>
    <${ErrorLine} error=${error} />
    <p class="notice" role="status" aria-live="polite">${notice ?? ''}</p>
    ${page && page.items.length === 0 ? html`<p>No schedules yet. <a href="#/schedules/new">Create one</a> from a notebook.</p>` : null}
    ${page && page.items.length > 0
      ? html`<table class="list">
          <thead><tr><th scope="col">Name</th><th scope="col">Trigger</th><th scope="col">Next run</th><th scope="col">Last run</th><th scope="col">Status</th><th scope="col"><span class="sr-only">Actions</span></th></tr></thead>
          <tbody>
            ${page.items.map((s) => {
              const zone = s.trigger && 'cron' in s.trigger ? (s.trigger.timezone ?? 'UTC') : undefined;
              return html`<tr key=${s.id} data-schedule=${s.name}>
                <td data-label="Name"><a href=${`#/runs?schedule=${encodeURIComponent(s.id)}`}>${s.name}</a></td>
                <td data-label="Trigger"><div>${describeTrigger(s.trigger)}${s.trigger && 'cron' in s.trigger ? html`<br /><code>${s.trigger.cron}</code>` : null}</div></td>
                <td data-label="Next run">${s.nextRuns[0] ? html`<time datetime=${s.nextRuns[0]}>${formatTime(s.nextRuns[0], zone)}</time>` : '—'}</td>
                <td data-label="Last run">${s.lastRun ? html`<a href=${`#/runs/${encodeURIComponent(s.lastRun.id)}`}><${StateBadge} state=${s.lastRun.state} /></a>` : '—'}</td>
                <td data-label="Status">${s.paused ? html`<span class="badge paused">paused</span>` : html`<span class="badge active">active</span>`}</td>
                <td class="actions">
                  ${s.paused
                    ? html`<button type="button" onClick=${() => act(`Resumed ${s.name}.`, () => api('POST', `/api/v1/schedules/${s.id}/resume`))}>Resume</button>`
                    : html`<button type="button" onClick=${() => act(`Paused ${s.name}.`, () => api('POST', `/api/v1/schedules/${s.id}/pause`))}>Pause</button>`}
                  <button type="button" aria-expanded=${runFor === s.id} onClick=${() => setRunFor(runFor === s.id ? undefined : s.id)}>Run now</button>
                  <button type="button" class="danger" onClick=${() => {
                    if (confirm(`Delete schedule ${s.name}?`)) void act(`Deleted ${s.name}.`, () => api('DELETE', `/api/v1/schedules/${s.id}`));
                  }}>Delete</button>
                  ${runFor === s.id ? html`<${RunNow} schedule=${s} onDone=${() => setRunFor(undefined)} />` : null}
                </td>
              </tr>`;
            })}
          </tbody>
        </table>`
      : null}
    <${Pager} label="schedules" ...${list} />
    ${!page && !error ? html`<p aria-busy="true">Loading…</p>` : null}
  </section>`;
}

/** Run a schedule now, with its parameters editable. */
function RunNow({ schedule, onDone }: { schedule: Schedule; onDone: () => void }) {
  const [rows, setRows] = useState<{ name: string; value: string }[]>(() =>
    Object.entries(schedule.parameters).map(([name, v]) => ({ name, value: typeof v === 'string' ? v : JSON.stringify(v) })),
  );
  const [error, setError] = useState<string>();
  const submit = async (e: Event) => {
    e.preventDefault();
    const parameters: Record<string, unknown> = {};
    for (const r of rows) {
      if (!r.name.trim()) continue;
      const original = schedule.parameters[r.name.trim()];
      parameters[r.name.trim()] = typeof original === 'string' ? r.value : jsonOrText(r.value);
    }
    try {
      const run = await api<Run>('POST', `/api/v1/schedules/${schedule.id}/runs`, Object.keys(parameters).length ? { parameters } : {});
      onDone();
      go(`#/runs/${encodeURIComponent(run.id)}`);
    } catch (err) {
      setError(message(err));
    }
  };
  const set = (i: number, key: 'name' | 'value', v: string) => setRows(rows.map((r, j) => (j === i ? { ...r, [key]: v } : r)));
  return html`<form class="card run-now" onSubmit=${submit} aria-label=${`Run ${schedule.name} now`}>
    <fieldset>
      <legend>Parameters for this run</legend>
      ${rows.map(
        (r, i) => html`<div class="row" key=${i}>
          <input aria-label="Parameter name" placeholder="name" value=${r.name} onInput=${(e: Event) => set(i, 'name', (e.target as HTMLInputElement).value)} />
          <input aria-label=${`Value of ${r.name || 'parameter'}`} placeholder="value (JSON or text)" value=${r.value}
            onInput=${(e: Event) => set(i, 'value', (e.target as HTMLInputElement).value)} />
        </div>`,
      )}
      <button type="button" class="link" onClick=${() => setRows([...rows, { name: '', value: '' }])}>Add a parameter</button>
    </fieldset>
    <${ErrorLine} error=${error} />
    <div class="row"><button type="submit">Start run</button><button type="button" onClick=${onDone}>Cancel</button></div>
  </form>`;
}

// ── create a schedule ──

function ParameterForm({ params, raw, setRaw }: { params: ParameterInfo[]; raw: Raw; setRaw: (r: Raw) => void }) {
  if (!params.length) return html`<p class="hint">This notebook has no <code>parameters</code> cell.</p>`;
  return html`<fieldset class="params">
    <legend>Parameters</legend>
    ${params.map((p) => {
      const id = `param-${p.name}`;
      const kind = parameterKind(p.inferredType);
      const help = html`<span class="hint" id=${`${id}-help`}>${p.inferredType}${p.default !== null ? `, default ${p.default}` : ''}${p.help ? ` — ${p.help}` : ''}</span>`;
      if (kind === 'boolean') {
        const checked = raw[p.name] === undefined ? (defaultBoolean(p.default) ?? false) : raw[p.name] === true;
        return html`<div class="field check" key=${p.name}>
          <input type="checkbox" id=${id} name=${p.name} checked=${checked} aria-describedby=${`${id}-help`}
            onChange=${(e: Event) => setRaw({ ...raw, [p.name]: (e.target as HTMLInputElement).checked })} />
          <label for=${id}>${p.name}</label> ${help}
        </div>`;
      }
      return html`<div class="field" key=${p.name}>
        <label for=${id}>${p.name}</label>
        <input id=${id} name=${p.name} type="text" inputmode=${kind === 'integer' || kind === 'number' ? 'decimal' : undefined}
          placeholder=${p.default ?? ''} value=${(raw[p.name] as string | undefined) ?? ''} aria-describedby=${`${id}-help`}
          onInput=${(e: Event) => setRaw({ ...raw, [p.name]: (e.target as HTMLInputElement).value })} />
        ${help}
      </div>`;
    })}
  </fieldset>`;
}

function DriverOptionsForm({ driver, raw, setRaw }: { driver: DriverInfo; raw: Raw; setRaw: (r: Raw) => void }) {
  const props = Object.entries(driver.options.properties ?? {});
  if (!props.length) return html`<p class="hint">The ${driver.name} driver has no options.</p>`;
  const field = (name: string, prop: JsonSchema) => {
    const id = `opt-${name}`;
    const help = html`<span class="hint" id=${`${id}-help`}>${prop.description ?? ''}</span>`;
    const set = (v: string | boolean) => setRaw({ ...raw, [name]: v });
    const choices = schemaChoices(prop);
    if (prop.type === 'boolean') {
      return html`<div class="field check" key=${name}>
        <input type="checkbox" id=${id} name=${name} checked=${raw[name] === true} aria-describedby=${`${id}-help`} onChange=${(e: Event) => set((e.target as HTMLInputElement).checked)} />
        <label for=${id}>${name}</label> ${help}
      </div>`;
    }
    if (choices) {
      return html`<div class="field" key=${name}>
        <label for=${id}>${name}</label>
        <select id=${id} name=${name} aria-describedby=${`${id}-help`} value=${(raw[name] as string | undefined) ?? ''} onChange=${(e: Event) => set((e.target as HTMLSelectElement).value)}>
          <option value="">(default${prop.default !== undefined ? `: ${String(prop.default)}` : ''})</option>
          ${choices.map((c) => html`<option value=${c}>${c}</option>`)}
        </select>
        ${help}
      </div>`;
    }
    if (prop.type === 'array') {
      return html`<div class="field" key=${name}>
        <label for=${id}>${name} <span class="hint">(one per line)</span></label>
        <textarea id=${id} name=${name} rows="2" placeholder=${prop['x-value'] ?? ''} aria-describedby=${`${id}-help`} value=${(raw[name] as string | undefined) ?? ''}
          onInput=${(e: Event) => set((e.target as HTMLTextAreaElement).value)}></textarea>
        ${help}
      </div>`;
    }
    const numeric = prop.type === 'integer' || prop.type === 'number';
    return html`<div class="field" key=${name}>
      <label for=${id}>${name}</label>
      <input id=${id} name=${name} type=${numeric ? 'number' : 'text'} step=${prop.type === 'integer' ? '1' : undefined} min=${prop.minimum}
        placeholder=${prop.default !== undefined ? String(prop.default) : (prop['x-value'] ?? '')} pattern=${prop.type === 'string' ? prop.pattern : undefined}
        aria-describedby=${`${id}-help`} value=${(raw[name] as string | undefined) ?? ''} onInput=${(e: Event) => set((e.target as HTMLInputElement).value)} />
      ${help}
    </div>`;
  };
  return html`<fieldset class="options"><legend>Options of ${driver.name}</legend>${props.map(([n, p]) => field(n, p))}</fieldset>`;
}

function CronPreview({ trigger }: { trigger: { cron: string; timezone: string } | { intervalSeconds: number } | null }) {
  const [preview, setPreview] = useState<{ times: string[]; zone: string | undefined }>();
  const [error, setError] = useState<string>();
  const key = JSON.stringify(trigger);
  useEffect(() => {
    if (!trigger) return;
    let stale = false;
    const zone = 'timezone' in trigger ? trigger.timezone : undefined;
    const t = setTimeout(() => {
      api<{ items: string[] }>('POST', '/ui/api/preview', { trigger, count: 5 })
        .then((r) => {
          if (stale) return;
          setPreview({ times: r.items, zone });
          setError(undefined);
        })
        .catch((err) => {
          if (stale) return;
          setPreview(undefined);
          setError(message(err));
        });
    }, 250);
    return () => {
      stale = true;
      clearTimeout(t);
    };
  }, [key]);
  if (!trigger) return null;
  return html`<div class="preview" aria-live="polite">
    <p><strong>${describeTrigger(trigger)}</strong></p>
    ${error ? html`<p class="error">${error}</p>` : null}
    ${preview
      ? html`<p class="hint">Next ${preview.times.length} fire times${preview.zone ? ` (${preview.zone})` : ''}:</p>
          <ol class="fire-times" data-zone=${preview.zone ?? ''}>${preview.times.map((t) => html`<li><time datetime=${t}>${formatTime(t, preview.zone)}</time></li>`)}</ol>`
      : null}
  </div>`;
}

function CreateSchedule() {
  const [drivers, setDrivers] = useState<DriverInfo[]>([]);
  const [notebook, setNotebook] = useState<{ file: File; text: string }>();
  const [inspected, setInspected] = useState<{ parameters: ParameterInfo[]; kernel: string | null; language: string | null }>();
  const [files, setFiles] = useState<File[]>([]);
  const [name, setName] = useState('');
  const [kind, setKind] = useState<'cron' | 'interval' | 'none'>('cron');
  const [cron, setCron] = useState('0 6 * * *');
  const [zone, setZone] = useState(() => Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC');
  const [interval, setIntervalSeconds] = useState('3600');
  const [params, setParams] = useState<Raw>({});
  const [driverName, setDriverName] = useState('local');
  const [options, setOptions] = useState<Raw>({});
  const [concurrency, setConcurrency] = useState('forbid');
  const [retries, setRetries] = useState('0');
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);
  const zones = useMemo(timeZones, []);

  useEffect(() => {
    api<{ items: DriverInfo[] }>('GET', '/ui/api/drivers').then((r) => setDrivers(r.items)).catch((err) => setError(message(err)));
  }, []);
  const driver = drivers.find((d) => d.name === driverName);

  const pickNotebook = async (e: Event) => {
    const file = (e.target as HTMLInputElement).files?.[0];
    setInspected(undefined);
    setParams({});
    setError(undefined);
    if (!file) return setNotebook(undefined);
    const text = await fileText(file);
    setNotebook({ file, text });
    if (!name) setName(file.name.replace(/\.ipynb$/i, ''));
    try {
      setInspected(await api('POST', '/ui/api/inspect', { name: file.name, notebook: text }));
    } catch (err) {
      setError(`${file.name}: ${message(err)}`);
    }
  };

  const trigger = kind === 'cron' ? { cron, timezone: zone } : kind === 'interval' ? { intervalSeconds: Number(interval) } : null;

  const submit = async (e: Event) => {
    e.preventDefault();
    if (!notebook) return setError('Choose a notebook (.ipynb).');
    setBusy(true);
    setError(undefined);
    try {
      const body: Record<string, unknown> = {
        name: name.trim() || notebook.file.name,
        notebook: JSON.parse(notebook.text),
        notebookName: notebook.file.name,
        parameters: parameterValues(inspected?.parameters ?? [], params),
        driver: { name: driverName, options: driver ? driverOptionValues(driver.options, options) : {} },
        trigger,
        concurrencyPolicy: concurrency,
      };
      if (Number(retries) > 0) body.retries = { max: Number(retries) };
      if (files.length) {
        const encoded: Record<string, string> = {};
        for (const f of files) encoded[f.name] = await fileBase64(f);
        body.files = encoded;
      }
      await api<Schedule>('POST', '/api/v1/schedules', body);
      go('#/schedules');
    } catch (err) {
      setError(message(err));
    } finally {
      setBusy(false);
    }
  };

  return html`<section aria-labelledby="new-h">
    <h1 id="new-h">New schedule</h1>
    <form class="card create" onSubmit=${submit}>
      <div class="field">
        <label for="notebook">Notebook (.ipynb)</label>
        <input id="notebook" type="file" accept=".ipynb,application/x-ipynb+json" required onChange=${pickNotebook} />
        ${inspected ? html`<span class="hint">${inspected.parameters.length} parameter(s); kernel ${inspected.kernel ?? 'unknown'}</span>` : null}
      </div>
      <div class="field">
        <label for="files">Its files (optional)</label>
        <input id="files" type="file" multiple onChange=${(e: Event) => setFiles([...((e.target as HTMLInputElement).files ?? [])])} />
        <span class="hint">Data and modules the notebook reads, placed beside it.</span>
      </div>
      <div class="field">
        <label for="name">Name</label>
        <input id="name" required maxlength="200" value=${name} onInput=${(e: Event) => setName((e.target as HTMLInputElement).value)} />
      </div>
      ${inspected ? html`<${ParameterForm} params=${inspected.parameters} raw=${params} setRaw=${setParams} />` : null}
      <fieldset>
        <legend>When</legend>
        <div class="row" role="radiogroup" aria-label="Trigger">
          ${(['cron', 'interval', 'none'] as const).map(
            (k) => html`<label class="radio"><input type="radio" name="trigger" value=${k} checked=${kind === k} onChange=${() => setKind(k)} />
              ${k === 'cron' ? 'Cron' : k === 'interval' ? 'Every N seconds' : 'On demand only'}</label>`,
          )}
        </div>
        ${kind === 'cron'
          ? html`<div class="row wrap">
              <div class="field"><label for="cron">Cron expression</label>
                <input id="cron" class="mono" value=${cron} onInput=${(e: Event) => setCron((e.target as HTMLInputElement).value)} aria-describedby="cron-help" />
                <span class="hint" id="cron-help">minute hour day-of-month month day-of-week</span></div>
              <div class="field"><label for="zone">Time zone</label>
                <input id="zone" list="zones" value=${zone} onInput=${(e: Event) => setZone((e.target as HTMLInputElement).value)} />
                <datalist id="zones">${zones.map((z) => html`<option value=${z} />`)}</datalist></div>
            </div>`
          : null}
        ${kind === 'interval'
          ? html`<div class="field"><label for="interval">Seconds between runs</label>
              <input id="interval" type="number" min="1" step="1" value=${interval} onInput=${(e: Event) => setIntervalSeconds((e.target as HTMLInputElement).value)} /></div>`
          : null}
        <${CronPreview} trigger=${trigger} />
      </fieldset>
      <fieldset>
        <legend>Where</legend>
        <div class="field">
          <label for="driver">Driver</label>
          <select id="driver" value=${driverName} onChange=${(e: Event) => {
            setDriverName((e.target as HTMLSelectElement).value);
            setOptions({});
          }}>
            ${drivers.map((d) => html`<option value=${d.name}>${d.name} — ${d.description}</option>`)}
          </select>
        </div>
        ${driver ? html`<${DriverOptionsForm} driver=${driver} raw=${options} setRaw=${setOptions} />` : null}
      </fieldset>
      <fieldset>
        <legend>Overlap and retries</legend>
        <div class="row wrap">
          <div class="field"><label for="concurrency">When a run is still active</label>
            <select id="concurrency" value=${concurrency} onChange=${(e: Event) => setConcurrency((e.target as HTMLSelectElement).value)}>
              <option value="forbid">skip the tick (forbid)</option>
              <option value="queue">queue one run (queue)</option>
              <option value="replace">cancel it, start anew (replace)</option>
              <option value="allow">run both (allow)</option>
            </select></div>
          <div class="field"><label for="retries">Retries</label>
            <input id="retries" type="number" min="0" max="100" step="1" value=${retries} onInput=${(e: Event) => setRetries((e.target as HTMLInputElement).value)} /></div>
        </div>
      </fieldset>
      <${ErrorLine} error=${error} />
      <div class="row"><button type="submit" disabled=${busy}>Create schedule</button><a class="button secondary" href="#/schedules">Cancel</a></div>
    </form>
  </section>`;
}

// ── runs ──

function Runs({ query }: { query: URLSearchParams }) {
  const schedule = query.get('schedule') ?? '';
  const state = query.get('state') ?? '';
  const [schedules, setSchedules] = useState<Schedule[]>([]);
  const list = usePagedList<Run>('/api/v1/runs', { schedule, state }, pageSize(query), 3000);
  const { page, error } = list;
  useEffect(() => {
    api<Page<Schedule>>('GET', '/api/v1/schedules?limit=500').then((p) => setSchedules(p.items)).catch(() => {});
  }, []);
  const filter = (k: string, v: string) => {
    const q = new URLSearchParams(query);
    if (v) q.set(k, v);
    else q.delete(k);
    go(`#/runs${q.toString() ? `?${q}` : ''}`);
  };
  return html`<section aria-labelledby="runs-h">
    <h1 id="runs-h">Runs</h1>
    <form class="row wrap filters" onSubmit=${(e: Event) => e.preventDefault()}>
      <div class="field"><label for="f-schedule">Schedule</label>
        <select id="f-schedule" value=${schedule} onChange=${(e: Event) => filter('schedule', (e.target as HTMLSelectElement).value)}>
          <option value="">all</option>
          ${schedules.map((s) => html`<option value=${s.id}>${s.name}</option>`)}
        </select></div>
      <div class="field"><label for="f-state">State</label>
        <select id="f-state" value=${state} onChange=${(e: Event) => filter('state', (e.target as HTMLSelectElement).value)}>
          <option value="">all</option>
          ${RUN_STATES.map((s) => html`<option value=${s}>${s}</option>`)}
        </select></div>
    </form>
    <${ErrorLine} error=${error} />
    ${page && page.items.length === 0 ? html`<p>No runs${schedule || state ? ' match' : ' yet'}.</p>` : null}
    ${page && page.items.length > 0
      ? html`<table class="list runs">
          <thead><tr><th scope="col">Run</th><th scope="col">Schedule</th><th scope="col">State</th><th scope="col">Trigger</th><th scope="col">Scheduled for</th><th scope="col">Duration</th><th scope="col">Exit</th></tr></thead>
          <tbody>
            ${page.items.map(
              (r) => html`<tr key=${r.id} data-run=${r.id}>
                <td data-label="Run"><a href=${`#/runs/${encodeURIComponent(r.id)}`}><code>${r.id.slice(0, 12)}</code></a></td>
                <td data-label="Schedule">${r.scheduleId ? (r.name ?? r.scheduleId) : html`<em>one-off</em>${r.name ? ` ${r.name}` : ''}`}</td>
                <td data-label="State"><${StateBadge} state=${r.state} /></td>
                <td data-label="Trigger">${r.trigger}${r.attempt > 1 ? ` (attempt ${r.attempt})` : ''}</td>
                <td data-label="Scheduled for"><time datetime=${r.scheduledFor}>${formatTime(r.scheduledFor)}</time></td>
                <td data-label="Duration">${runDuration(r)}</td>
                <td data-label="Exit">${r.exitCode ?? ''}</td>
              </tr>`,
            )}
          </tbody>
        </table>`
      : null}
    <${Pager} label="runs" ...${list} />
    ${!page && !error ? html`<p aria-busy="true">Loading…</p>` : null}
  </section>`;
}

function LogView({ run }: { run: Run }) {
  const [lines, setLines] = useState<string[]>([]);
  const [following, setFollowing] = useState(false);
  const pre = useRef<HTMLPreElement>(null);
  const final = FINAL_STATES.includes(run.state);
  useEffect(() => {
    setLines([]);
    if (final) {
      fetch(`/api/v1/runs/${encodeURIComponent(run.id)}/log`, { credentials: 'same-origin' })
        .then((r) => (r.ok ? r.text() : ''))
        .then((t) => setLines(t ? t.replace(/\n$/, '').split('\n') : []))
        .catch(() => {});
      return;
    }
    const source = new EventSource(`/api/v1/runs/${encodeURIComponent(run.id)}/log?follow=1`);
    setFollowing(true);
    const buffer: string[] = [];
    source.onmessage = (e) => {
      buffer.push(e.data as string);
      setLines([...buffer]);
    };
    const stop = () => {
      source.close();
      setFollowing(false);
    };
    source.addEventListener('end', stop);
    source.addEventListener('error', stop);
    return stop;
  }, [run.id, final]);
  useEffect(() => {
    const el = pre.current;
    if (el) el.scrollTop = el.scrollHeight;
  }, [lines.length]);
  return html`<section aria-labelledby="log-h">
    <h2 id="log-h">Log ${following ? html`<span class="badge state-running">following</span>` : null}</h2>
    <pre class="log" ref=${pre} tabindex="0" aria-label="Run log" aria-live=${following ? 'polite' : 'off'}>${lines.length ? lines.join('\n') : final ? '(empty)' : 'waiting for output…'}</pre>
  </section>`;
}

function RunPage({ id, trusted }: { id: string; trusted: boolean }) {
  const [run, setRun] = useState<Run>();
  const [schedule, setSchedule] = useState<Schedule>();
  const [error, setError] = useState<string>();
  const final = run ? FINAL_STATES.includes(run.state) : false;
  const load = useCallback(() => {
    api<Run>('GET', `/api/v1/runs/${encodeURIComponent(id)}`)
      .then((r) => {
        setRun(r);
        setError(undefined);
      })
      .catch((err) => setError(message(err)));
  }, [id]);
  useEffect(() => {
    load();
    if (final) return;
    const t = setInterval(load, 1000);
    return () => clearInterval(t);
  }, [id, final]);
  useEffect(() => {
    if (run?.scheduleId && schedule?.id !== run.scheduleId) {
      api<Schedule>('GET', `/api/v1/schedules/${encodeURIComponent(run.scheduleId)}`).then(setSchedule).catch(() => {});
    }
  }, [run?.scheduleId]);
  if (!run) return html`<section><h1>Run</h1><${ErrorLine} error=${error} />${error ? null : html`<p aria-busy="true">Loading…</p>`}</section>`;
  const cancel = async () => {
    try {
      setRun(await api<Run>('POST', `/api/v1/runs/${encodeURIComponent(id)}/cancel`));
    } catch (err) {
      setError(message(err));
    }
  };
  const rid = encodeURIComponent(run.id);
  return html`<section aria-labelledby="run-h" class="run">
    <div class="title-row">
      <h1 id="run-h">Run <code>${run.id.slice(0, 12)}</code> <span aria-live="polite" id="run-state"><${StateBadge} state=${run.state} /></span></h1>
      <div class="row">
        ${!final ? html`<button type="button" class="danger" onClick=${cancel}>Cancel run</button>` : null}
        ${final ? html`<a class="button secondary" href=${`/api/v1/runs/${rid}/output`} download>Download .ipynb</a>
          <a class="button secondary" href=${`/ui/runs/${rid}/notebook.html?download=1`} download>Download .html</a>` : null}
      </div>
    </div>
    <${ErrorLine} error=${error} />
    ${run.state === 'failed' || run.error
      ? html`<div class="failure card" role="alert">
          <h2>The run failed</h2>
          ${run.failedCell
            ? html`<p>Failed cell: index ${run.failedCell.cellIndex} of the executed notebook${run.failedCell.executionCount ? `, execution count [${run.failedCell.executionCount}]` : ''}.</p>`
            : null}
          ${run.error ? html`<pre class="error-message">${run.error.code}: ${run.error.message}</pre>` : null}
        </div>`
      : null}
    <dl class="facts">
      <dt>Schedule</dt><dd>${run.scheduleId ? html`<a href=${`#/runs?schedule=${encodeURIComponent(run.scheduleId)}`}>${schedule?.name ?? run.scheduleId}</a>` : 'one-off'}</dd>
      <dt>Trigger</dt><dd>${run.trigger}${run.attempt > 1 ? `, attempt ${run.attempt}` : ''}</dd>
      <dt>Scheduled for</dt><dd>${formatTime(run.scheduledFor)}</dd>
      <dt>Started</dt><dd>${formatTime(run.startedAt) || '—'}</dd>
      <dt>Finished</dt><dd>${formatTime(run.finishedAt) || '—'}</dd>
      <dt>Duration</dt><dd>${runDuration(run) || '—'}</dd>
      <dt>Exit code</dt><dd>${run.exitCode ?? '—'}</dd>
      <dt>Parameters</dt><dd>${Object.keys(run.parameters).length ? html`<code>${JSON.stringify(run.parameters)}</code>` : 'defaults'}</dd>
    </dl>
    <${LogView} run=${run} />
    <section aria-labelledby="nb-h">
      <h2 id="nb-h">Executed notebook</h2>
      ${final && run.state !== 'skipped' && run.state !== 'missed'
        ? html`<iframe class="notebook" title="Executed notebook" src=${`/ui/runs/${rid}/notebook.html`}
            sandbox=${trusted ? 'allow-scripts allow-popups allow-popups-to-escape-sandbox' : ''} referrerpolicy="no-referrer"></iframe>`
        : html`<p class="hint">${final ? 'This run did not execute.' : 'Shown when the run ends.'}</p>`}
    </section>
  </section>`;
}

// ── the app ──

function App() {
  const route = useRoute();
  const [session, setSession] = useState<{ trusted: boolean } | null | undefined>(undefined);
  useEffect(() => {
    setUnauthorizedHandler(() => setSession(null));
    api<{ csrf: string; trustedOutputs: boolean }>('GET', '/ui/api/session')
      .then((s) => {
        setCsrf(s.csrf);
        setSession({ trusted: s.trustedOutputs });
      })
      .catch(() => setSession(null));
  }, []);
  if (session === undefined) return html`<p aria-busy="true" class="loading">Loading…</p>`;
  if (session === null) {
    return html`<${Login} onLogin=${(csrf: string, trusted: boolean) => {
      setCsrf(csrf);
      setSession({ trusted });
    }} />`;
  }
  const [section = 'schedules', sub] = route.path;
  const logout = async () => {
    await api('POST', '/ui/logout').catch(() => {});
    setSession(null);
  };
  let content;
  if (section === 'runs' && sub) content = html`<${RunPage} id=${sub} trusted=${session.trusted} />`;
  else if (section === 'runs') content = html`<${Runs} query=${route.query} />`;
  else if (section === 'schedules' && sub === 'new') content = html`<${CreateSchedule} />`;
  else content = html`<${Schedules} query=${route.query} />`;
  return html`<div class="app">
    <a class="skip" href="#main" onClick=${(e: Event) => {
      e.preventDefault();
      document.getElementById('main')?.focus();
    }}>Skip to content</a>
    <header class="top">
      <a class="brand" href="#/schedules">nbrun</a>
      <nav aria-label="Main">
        <a href="#/schedules" aria-current=${section === 'schedules' ? 'page' : undefined}>Schedules</a>
        <a href="#/runs" aria-current=${section === 'runs' ? 'page' : undefined}>Runs</a>
      </nav>
      <button type="button" class="link" onClick=${logout}>Log out</button>
    </header>
    <main id="main" tabindex="-1">${content}</main>
  </div>`;
}

render(html`<${App} />`, document.getElementById('app')!);
