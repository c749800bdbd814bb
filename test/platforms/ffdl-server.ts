/**
 * A protocol-faithful fake FfDL REST API. Every call must carry `version=2017-02-13`,
 * `X-Watson-Userinfo: bluemix-instance-id=<user>` (401 without) and the right basic
 * auth (401 otherwise); operations and their parameters are checked against the FfDL
 * swagger, the manifest against FfDL's manifest rules (exactly one data store), the PATCH
 * body against TrainingUpdate. A training moves PENDING → DOWNLOADING (model_definition
 * unzipped into $MODEL_DIR, the training-data bucket reached with the manifest's
 * connection) → PROCESSING (the learner REALLY runs `framework.command` with $MODEL_DIR,
 * $DATA_DIR, $RESULT_DIR, $LOG_DIR, $JOB_STATE_DIR) → STORING ($RESULT_DIR synced to
 * `<results bucket>/<training id>/` over S3) → COMPLETED / FAILED, or HALTED after a halt.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { unzipSync, zipSync } from 'fflate';
import { listFiles } from '@nbrun/drivers/job';
import { S3Store } from '@nbrun/drivers/store';
import { FakeHttpServer, readJsonBody, readMultipart, sendJson, type RecordedRequest } from './http.js';
import { runContainer, type ContainerRun } from './container.js';
import { checkOperationParameters, FFDL_SWAGGER, validateFfdlManifest, validateFfdlUpdate } from './spec-validator.js';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const ERROR = (code: number, error: string, description: string) => ({ code, error, description });

interface Training {
  id: string;
  manifest: Json;
  status: string;
  statusMessage?: string;
  errorCode?: string;
  submitted: string;
  completed?: string;
  learner?: ContainerRun;
  halted?: boolean;
  /** Resolves once every process of a halted learner is gone. */
  halting?: Promise<void>;
  dirs: Record<'model' | 'data' | 'result' | 'log' | 'state', string>;
}

/**
 * The fake FfDL.
 * @example const ffdl = new FakeFfdl({ user: 'test-user', password: 'test' }); await ffdl.start();
 */
export class FakeFfdl {
  readonly http = new FakeHttpServer((req, res, url, record) => this.handle(req, res, url, record));
  readonly trainings = new Map<string, Training>();
  private readonly work = mkdtempSync(join(tmpdir(), 'nbrun-fake-ffdl-'));

  constructor(readonly options: { user: string; password: string }) {}

  get url(): string {
    return this.http.url;
  }
  start(): Promise<string> {
    return this.http.start();
  }
  async stop(): Promise<void> {
    await Promise.all([...this.trainings.values()].map((t) => t.learner?.terminate(0)));
    await this.http.stop();
  }

  private check(res: ServerResponse, record: RecordedRequest, method: string, path: string, url: URL, form?: Set<string>): boolean {
    record.validated = true;
    record.problems = checkOperationParameters(FFDL_SWAGGER, method, path, url.searchParams, form);
    if (url.searchParams.get('version') !== '2017-02-13') record.problems.push(`version must be 2017-02-13, got '${url.searchParams.get('version')}'`);
    if (!record.problems.length) return true;
    sendJson(res, 400, ERROR(400, 'Bad Request', record.problems.join('; ')));
    return false;
  }

  private async handle(req: IncomingMessage, res: ServerResponse, url: URL, record: RecordedRequest): Promise<void> {
    const expected = `Basic ${Buffer.from(`${this.options.user}:${this.options.password}`).toString('base64')}`;
    if (req.headers['x-watson-userinfo'] !== `bluemix-instance-id=${this.options.user}` || req.headers.authorization !== expected) {
      return sendJson(res, 401, ERROR(401, 'Unauthorized', 'Unauthorized access: missing or wrong X-Watson-Userinfo / credentials'));
    }
    let g: RegExpExecArray | null;
    if (url.pathname === '/v1/models' && req.method === 'POST') return this.create(req, res, url, record);
    if ((g = /^\/v1\/models\/([^/]+)$/.exec(url.pathname))) {
      const t = this.trainings.get(g[1]!);
      if (req.method === 'GET') {
        if (!this.check(res, record, 'GET', '/v1/models/{model_id}', url)) return;
        return t ? sendJson(res, 200, this.modelJson(t)) : sendJson(res, 404, ERROR(404, 'Not Found', `model ${g[1]} not found`));
      }
      if (req.method === 'PATCH') {
        if (!this.check(res, record, 'PATCH', '/v1/models/{model_id}', url)) return;
        const body = await readJsonBody(req);
        record.body = body;
        record.problems = validateFfdlUpdate(body);
        if (record.problems.length) return sendJson(res, 400, ERROR(400, 'Bad Request', record.problems.join('; ')));
        if (!t) return sendJson(res, 404, ERROR(404, 'Not Found', `model ${g[1]} not found`));
        this.halt(t);
        return sendJson(res, 202, { model_id: t.id });
      }
      if (req.method === 'DELETE') {
        if (!this.check(res, record, 'DELETE', '/v1/models/{model_id}', url)) return;
        if (!t) return sendJson(res, 404, ERROR(404, 'Not Found', `model ${g[1]} not found`));
        this.trainings.delete(t.id);
        return sendJson(res, 200, { model_id: t.id });
      }
    }
    if ((g = /^\/v1\/logs\/([^/]+)\/loglines$/.exec(url.pathname)) && req.method === 'GET') {
      if (!this.check(res, record, 'GET', '/v1/logs/{model_id}/loglines', url)) return;
      const t = this.trainings.get(g[1]!);
      if (!t) return sendJson(res, 404, ERROR(404, 'Not Found', `model ${g[1]} not found`));
      const text = t.learner ? await t.learner.log() : '';
      const lines = text.split('\n');
      if (!text.endsWith('\n')) lines.pop(); // a partial last line waits for its newline
      else lines.pop();
      const pos = Number(url.searchParams.get('pos') ?? 0);
      const size = Number(url.searchParams.get('pagesize') ?? 100);
      const models = lines.slice(pos, pos + size).map((line, i) => ({ meta: { training_id: t.id, user_id: this.options.user, time: String(Date.now()), rindex: String(pos + i) }, line }));
      return sendJson(res, 200, { models });
    }
    if ((g = /^\/v1\/models\/([^/]+)\/trained_model$/.exec(url.pathname)) && req.method === 'GET') {
      if (!this.check(res, record, 'GET', '/v1/models/{model_id}/trained_model', url)) return;
      const t = this.trainings.get(g[1]!);
      if (!t) return sendJson(res, 404, ERROR(404, 'Not Found', `model ${g[1]} not found`));
      if (!['COMPLETED', 'FAILED', 'HALTED'].includes(t.status)) return sendJson(res, 410, ERROR(410, 'Gone', 'the trained model is not stored yet'));
      const files: Record<string, Uint8Array> = {};
      for (const f of await listFiles(t.dirs.result)) files[f] = readFileSync(join(t.dirs.result, f));
      const zip = zipSync(files);
      res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': zip.length });
      return void res.end(zip);
    }
    sendJson(res, 404, ERROR(404, 'Not Found', `${req.method} ${url.pathname}`));
  }

  private modelJson(t: Training): Json {
    const m = t.manifest;
    return {
      model_id: t.id,
      location: `/v1/models/${t.id}`,
      name: m.name,
      description: m.description,
      framework: { name: m.framework.name, version: m.framework.version },
      training: {
        command: m.framework.command, cpus: m.cpus, gpus: m.gpus, learners: m.learners, memory: parseFloat(m.memory), memory_unit: 'MiB',
        input_data: [m.data_stores[0].id], output_data: [m.data_stores[0].id],
        training_status: { status: t.status, submitted: t.submitted, ...(t.completed ? { completed: t.completed } : {}), ...(t.statusMessage ? { status_message: t.statusMessage } : {}), ...(t.errorCode ? { error_code: t.errorCode } : {}) },
      },
      data_stores: [{ data_store_id: m.data_stores[0].id, type: m.data_stores[0].type, connection: { auth_url: m.data_stores[0].connection.auth_url } }],
    };
  }

  private async create(req: IncomingMessage, res: ServerResponse, url: URL, record: RecordedRequest): Promise<void> {
    if (!String(req.headers['content-type']).startsWith('multipart/form-data')) return sendJson(res, 400, ERROR(400, 'Bad Request', 'expected multipart/form-data'));
    const form = await readMultipart(req);
    if (!this.check(res, record, 'POST', '/v1/models', url, new Set(form.keys()))) return;
    const manifestFile = form.get('manifest');
    const modelFile = form.get('model_definition');
    if (typeof manifestFile === 'string' || typeof modelFile === 'string' || !manifestFile) {
      record.problems.push('manifest and model_definition must be files');
      return sendJson(res, 400, ERROR(400, 'Bad Request', record.problems.join('; ')));
    }
    const { problems, manifest } = validateFfdlManifest(await manifestFile.text());
    record.body = { manifest, model_definition: modelFile ? `${modelFile.size} bytes` : undefined };
    record.problems.push(...problems);
    let entries: Record<string, Uint8Array> = {};
    try {
      if (modelFile) entries = unzipSync(new Uint8Array(await modelFile.arrayBuffer()));
    } catch (err) {
      record.problems.push(`model_definition is not a ZIP: ${(err as Error).message}`);
    }
    if (record.problems.length) return sendJson(res, 400, ERROR(400, 'Bad Request', record.problems.join('; ')));
    const id = `training-${Math.random().toString(36).slice(2, 11)}`;
    const base = join(this.work, id);
    const dirs = { model: join(base, 'model'), data: join(base, 'data'), result: join(base, 'result'), log: join(base, 'log'), state: join(base, 'state') };
    for (const d of Object.values(dirs)) mkdirSync(d, { recursive: true });
    const t: Training = { id, manifest: manifest!, status: 'PENDING', submitted: new Date().toISOString(), dirs };
    this.trainings.set(id, t);
    void this.run(t, entries);
    res.setHeader('Location', `/v1/models/${id}`);
    sendJson(res, 201, { model_id: id, location: `/v1/models/${id}` });
  }

  /** The data store's S3 view with the manifest's connection (as FfDL's load/store-data helpers use it). */
  private store(t: Training, bucket: string): S3Store {
    const c = t.manifest.data_stores[0].connection;
    return new S3Store({ url: `s3://${bucket}`, endpoint: c.auth_url, credentialEnv: { accessKeyId: 'U', secretAccessKey: 'P' }, env: { U: c.user_name, P: c.password } });
  }

  private async run(t: Training, entries: Record<string, Uint8Array>): Promise<void> {
    const ds = t.manifest.data_stores[0];
    const fail = (code: string, message: string) => {
      t.status = 'FAILED';
      t.errorCode = code;
      t.statusMessage = message;
      t.completed = new Date().toISOString();
    };
    await new Promise((r) => setTimeout(r, 200));
    if (t.halted) return;
    t.status = 'DOWNLOADING';
    for (const [name, data] of Object.entries(entries)) {
      if (name.endsWith('/')) continue;
      mkdirSync(dirname(join(t.dirs.model, name)), { recursive: true });
      writeFileSync(join(t.dirs.model, name), data);
    }
    const data = this.store(t, ds.training_data.container);
    try {
      await data.list('');
    } catch (err) {
      return fail('C201', `cannot load the training data from ${ds.training_data.container}: ${(err as Error).message}`);
    } finally {
      data.close();
    }
    if (t.halted) return;
    t.status = 'PROCESSING';
    t.learner = runContainer({
      command: ['sh', '-c', t.manifest.framework.command],
      env: {
        MODEL_DIR: t.dirs.model, DATA_DIR: t.dirs.data, RESULT_DIR: t.dirs.result, LOG_DIR: t.dirs.log, JOB_STATE_DIR: t.dirs.state,
        TRAINING_ID: t.id, LEARNER_ID: '1', NUM_LEARNERS: String(t.manifest.learners ?? 1),
      },
      cwd: t.dirs.model,
      logFile: join(t.dirs.log, 'training-log.txt'),
    });
    const code = await t.learner.exited;
    await t.halting;
    t.status = 'STORING';
    const results = this.store(t, ds.training_results.container);
    try {
      await results.uploadDir(t.dirs.result, t.id);
    } catch (err) {
      return fail('S301', `cannot store the results in ${ds.training_results.container}: ${(err as Error).message}`);
    } finally {
      results.close();
    }
    t.completed = new Date().toISOString();
    if (t.halted) t.status = 'HALTED';
    else if (code === 0) t.status = 'COMPLETED';
    else fail('E_LEARNER', `Learner exited with code ${code}`);
  }

  private halt(t: Training): void {
    if (['COMPLETED', 'FAILED', 'HALTED'].includes(t.status)) return;
    t.halted = true;
    // The learner's processes get SIGTERM (the runner saves its partial notebook), then its results are stored.
    if (t.learner) t.halting = t.learner.terminateAll(30_000);
    else {
      t.status = 'HALTED';
      t.completed = new Date().toISOString();
    }
  }
}
