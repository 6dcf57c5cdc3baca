/**
 * The second half of a create (see prepare-create.ts for the first): the namespace must be open,
 * then the store write (a generated name that collided is prepared again), then the reply. The
 * same code commits creates prepared on this thread and by write workers.
 */
import type { KubeObject } from '../../api/object.js';
import { errors } from '../../api/errors.js';
import type { ResourceCall, RestContext } from './rest-context.js';
import { anonymousRequest } from '../admission/plugin.js';
import type { WriteOptions } from './write-options.js';
import { checkNamespaceOpen } from './namespace-check.js';
import { mediaType } from '../body.js';
import { servedApiVersion, servedObject, storageObject } from './version-conversion.js';
import { storageKey, rememberJson, withResourceVersion } from './storage-key.js';
import { admissionRequest } from './admission-request.js';
import {
  prepareCreateFromBody,
  prepareCreateFromObject,
  type CreateInput,
  type CreateOutcome,
  type PreparedCreate,
} from './prepare-create.js';

/** Tries per create with a generated name, as Kubernetes does: the first and 8 retries. */
const GENERATED_NAME_ATTEMPTS = 9;

/**
 * Prepares one attempt of a create (attempt 0, then once per generated-name collision), on this
 * thread or in a write worker. Never throws: errors are outcomes.
 */
export type PrepareCreate = (attempt: number) => Promise<CreateOutcome>;

/** A committed (or dry-run) create: the response body and the decode warnings. */
export interface CreatedObject {
  /** The created object in the served version, its JSON remembered; or, from a write worker, the JSON itself. */
  body: KubeObject | Buffer;
  warnings: string[];
}

/**
 * Commits a create: throws an early error, checks the namespace is open (namespaced kinds; this
 * sets call.namespace), throws a late error, then writes the store and hints the watch cache. A
 * generated name that is taken is prepared again (up to 8 times); a taken name is a 409.
 */
export async function commitCreate(
  ctx: RestContext,
  call: ResourceCall,
  opts: WriteOptions,
  prepare: PrepareCreate,
): Promise<CreatedObject> {
  const { rt } = call;
  for (let attempt = 0; ; attempt++) {
    const outcome = await prepare(attempt);
    if (outcome.kind === 'early-error') throw outcome.error;
    const namespace = outcome.kind === 'late-error' ? outcome.namespace : outcome.prepared.namespace;
    call.namespace = namespace;
    if (rt.namespaced) await checkNamespaceOpen(ctx, namespace);
    if (outcome.kind === 'late-error') throw outcome.error;
    const p = outcome.prepared;
    if (p.object && ctx.checkCreate?.appliesTo(rt)) ctx.checkCreate.check(call, p.object, p.generatedName);
    if (opts.dryRun) return { body: await createdBody(ctx, call, p, undefined), warnings: p.warnings };
    const key = storageKey(rt, namespace, p.name);
    const source = p.object ?? p.summary;
    if (!source) throw new Error('a prepared create carries neither its object nor its summary');
    const forget = ctx.cache.expect(key, p.bytes, source);
    const result = await ctx.store.create(key, p.bytes).finally(forget);
    if (result.ok) return { body: await createdBody(ctx, call, p, result.revision), warnings: p.warnings };
    if (p.generatedName && attempt + 1 < GENERATED_NAME_ATTEMPTS) continue;
    throw errors.alreadyExists(rt.plural, p.name, rt.group);
  }
}

/**
 * The reply to a create: the stored JSON with its resourceVersion (none on dry run), as an object
 * with that JSON remembered when the object is at hand, else as bytes; converted when the served
 * version is not the stored one (only creates prepared on this thread can be).
 */
async function createdBody(
  ctx: RestContext,
  call: ResourceCall,
  p: PreparedCreate,
  revision: number | undefined,
): Promise<KubeObject | Buffer> {
  if (p.object && revision !== undefined) p.object.metadata.resourceVersion = String(revision);
  const served = p.object && (await servedObject(ctx.cache, p.object, call.rt, call.strategy));
  if (served && served !== p.object) return served;
  const b = p.bytes;
  const json =
    revision === undefined ? Buffer.from(b.buffer, b.byteOffset, b.byteLength) : withResourceVersion(b, revision);
  return p.object ? rememberJson(p.object, json) : json;
}

/**
 * POST of an object: prepared by the context's create preparer (write workers) when that gives what
 * this thread would, else here; then committed. `format` is the reply's (a Table needs the object).
 */
export async function createFromBody(
  ctx: RestContext,
  call: ResourceCall,
  body: Buffer,
  contentType: string | undefined,
  opts: WriteOptions,
  format: 'json' | 'table',
): Promise<CreatedObject> {
  const input = createInput(ctx, call, opts);
  const preparer = ctx.createPreparer;
  const here: PrepareCreate = () => prepareCreateFromBody(input, body, contentType);
  const prepare: PrepareCreate =
    preparer && canPrepareElsewhere(ctx, call, contentType, format) && preparer.ready()
      ? async (attempt) => {
          const outcome = await preparer.prepareCreate(input, body, contentType);
          // The worker's admission assumed server state that is not so: this thread prepares it with the real state.
          if (outcome.kind === 'prepared' && !ctx.admission.assumptionsHold(outcome.prepared.assumed))
            return here(attempt);
          return outcome;
        }
      : here;
  return commitCreate(ctx, call, opts, prepare);
}

/**
 * Whether a create prepared elsewhere ends as it would here: a JSON body, a JSON reply (a Table is
 * built from the object, which stays with the preparer), served in the stored version (the reply is
 * the stored bytes), and admission plugins a worker can run (pure ones, or ones whose assumptions are checked here).
 */
function canPrepareElsewhere(
  ctx: RestContext,
  call: ResourceCall,
  contentType: string | undefined,
  format: 'json' | 'table',
): boolean {
  if (format !== 'json') return false;
  const type = mediaType(contentType);
  if (type !== 'application/json' && type !== '') return false;
  const { rt } = call;
  // A strategy that stamps the requesting user needs this thread (workers do not know the user).
  if (call.strategy.prepareForCreate) return false;
  // Checks that need the user and the authorizer run here.
  if (ctx.checkCreate?.appliesTo(call.rt)) return false;
  // Write workers know the built-in kinds only; custom resources are prepared on this thread.
  if (rt.custom) return false;
  return (
    servedApiVersion(rt) === rt.storageApiVersion &&
    ctx.admission.runsInWorker(rt, 'create', { ...anonymousRequest(), user: call.user, namespace: call.namespace })
  );
}

/** What a create on this thread is prepared with: the URL's namespace and name, the options, the clock's now, the admission chain. */
export function createInput(ctx: RestContext, call: ResourceCall, opts: WriteOptions): CreateInput {
  const { rt, strategy, namespace, name } = call;
  return {
    rt,
    strategy,
    namespace,
    name,
    opts,
    now: ctx.now(),
    admission: ctx.admission,
    request: admissionRequest(call, '', opts),
    // Only custom resources converted by a webhook need this (they are never prepared in a worker).
    ...(rt.custom?.conversionWebhook
      ? { toStorage: (obj: KubeObject) => storageObject(ctx.cache, obj, rt, strategy) }
      : {}),
  };
}

/**
 * Creates an object already decoded and structurally checked (in the served version), prepared on
 * this thread: server-side apply's create. `managedFieldsDone`: the caller wrote managedFields.
 * Returns the created object in the served version with its resourceVersion.
 */
export async function createObject(
  ctx: RestContext,
  call: ResourceCall,
  obj: KubeObject,
  opts: WriteOptions,
  managedFieldsDone = false,
): Promise<KubeObject> {
  // Keep the request as sent when the name is generated, so a collision can retry with a new one.
  const template = !obj.metadata.name && obj.metadata.generateName ? structuredClone(obj) : undefined;
  const input = createInput(ctx, call, opts);
  const { body } = await commitCreate(ctx, call, opts, (attempt) =>
    prepareCreateFromObject(input, attempt === 0 || !template ? obj : structuredClone(template), [], managedFieldsDone),
  );
  if (Buffer.isBuffer(body)) throw new Error('a create prepared on this thread replies with its object');
  return body;
}
