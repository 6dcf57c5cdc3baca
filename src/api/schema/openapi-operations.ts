/**
 * The REST operations the API server exposes for each resource, described once in a neutral form
 * and rendered by openapi-v3.ts and openapi-v2.ts. Mirrors upstream's paths, operationIds,
 * x-kubernetes-action and query parameters: kubectl checks that each kind's `patch` operation
 * carries x-kubernetes-group-version-kind and a `fieldValidation` parameter before it relies on
 * server-side field validation.
 */
import type { ResourceType } from '../resource-type.js';
import { allResourceTypes } from '../resource-types.js';
import { REVIEW_KINDS, type ReviewKind } from '../review-kinds.js';
import { customDefinitionName } from './custom-openapi.js';
import type { SchemaGvk } from './json-schema.js';
import { definitionNameFor } from './definitions.js';

export interface QueryParam {
  name: string;
  type: 'string' | 'boolean' | 'integer';
  description: string;
}

export interface Operation {
  method: 'get' | 'post' | 'put' | 'patch' | 'delete';
  operationId: string;
  description: string;
  action: 'get' | 'list' | 'post' | 'put' | 'patch' | 'delete' | 'deletecollection' | 'watch' | 'watchlist';
  gvk: SchemaGvk;
  params: QueryParam[];
  /** Definition name of the request body; `patch` bodies are meta.v1.Patch in four content types. */
  body?: string;
  /** Definition name of the 200/201 response. */
  response: string;
  /** 201 for create-style operations, 202 also possible for delete. */
  created?: boolean;
  accepted?: boolean;
  watch?: boolean;
  /** An operation on custom resources: no strategic merge patch (kubectl apply then sends a merge patch). */
  custom?: boolean;
}

export interface PathSpec {
  path: string;
  /** Path parameters in order of appearance: 'namespace', 'name'. */
  pathParams: string[];
  operations: Operation[];
}

const META = 'io.k8s.apimachinery.pkg.apis.meta.v1.';
export const PATCH_CONTENT_TYPES = [
  'application/json-patch+json',
  'application/merge-patch+json',
  'application/strategic-merge-patch+json',
  'application/apply-patch+yaml',
];

/**
 * The patch content types an operation accepts: custom resources have no strategic merge patch
 * (as kube-apiserver serves them), which is what makes kubectl apply fall back to a merge patch.
 */
export const patchContentTypes = (op: Pick<Operation, 'custom'>): string[] =>
  op.custom ? PATCH_CONTENT_TYPES.filter((t) => t !== 'application/strategic-merge-patch+json') : PATCH_CONTENT_TYPES;

const q = (name: string, type: QueryParam['type'], description: string): QueryParam => ({ name, type, description });
const DRY_RUN = q(
  'dryRun',
  'string',
  'When present, indicates that modifications should not be persisted. An invalid or unrecognized dryRun directive will result in an error response and no further processing of the request. Valid values are: - All: all dry run stages will be processed',
);
const FIELD_MANAGER = q(
  'fieldManager',
  'string',
  'fieldManager is a name associated with the actor or entity that is making these changes. The value must be less than or 128 characters long, and only contain printable characters, as defined by https://golang.org/pkg/unicode/#IsPrint.',
);
const FIELD_VALIDATION = q(
  'fieldValidation',
  'string',
  'fieldValidation instructs the server on how to handle objects in the request (POST/PUT/PATCH) containing unknown or duplicate fields. Valid values are: - Ignore: This will ignore any unknown fields that are silently dropped from the object, and will ignore all but the last duplicate field that the decoder encounters. - Warn: This will send a warning via the standard warning response header for each unknown field that is dropped from the object, and for each duplicate field that is encountered. - Strict: This will fail the request with a BadRequest error if any unknown fields would be dropped from the object, or if any duplicate fields are present. The error returned from the server will contain all unknown and duplicate fields encountered.',
);
const FORCE = q(
  'force',
  'boolean',
  'Force is going to "force" Apply requests. It means user will re-acquire conflicting fields owned by other people. Force flag must be unset for non-apply patch requests.',
);
const WRITE = [DRY_RUN, FIELD_MANAGER, FIELD_VALIDATION];
const LIST = [
  q('allowWatchBookmarks', 'boolean', 'allowWatchBookmarks requests watch events with type "BOOKMARK".'),
  q('continue', 'string', 'The continue option should be set when retrieving more results from the server.'),
  q(
    'fieldSelector',
    'string',
    'A selector to restrict the list of returned objects by their fields. Defaults to everything.',
  ),
  q(
    'labelSelector',
    'string',
    'A selector to restrict the list of returned objects by their labels. Defaults to everything.',
  ),
  q('limit', 'integer', 'limit is a maximum number of responses to return for a list call.'),
  q(
    'resourceVersion',
    'string',
    'resourceVersion sets a constraint on what resource versions a request may be served from.',
  ),
  q('resourceVersionMatch', 'string', 'resourceVersionMatch determines how resourceVersion is applied to list calls.'),
  q(
    'sendInitialEvents',
    'boolean',
    'sendInitialEvents=true may be set together with watch=true to stream the initial state first.',
  ),
  q('timeoutSeconds', 'integer', 'Timeout for the list/watch call.'),
  q(
    'watch',
    'boolean',
    'Watch for changes to the described resources and return them as a stream of add, update, and remove notifications.',
  ),
];
const DELETE = [
  DRY_RUN,
  q(
    'gracePeriodSeconds',
    'integer',
    'The duration in seconds before the object should be deleted. Zero means delete immediately.',
  ),
  q('orphanDependents', 'boolean', 'Deprecated: please use the PropagationPolicy.'),
  q(
    'propagationPolicy',
    'string',
    "Whether and how garbage collection will be performed: 'Orphan', 'Background' or 'Foreground'.",
  ),
];

/** 'rbac.authorization.k8s.io' -> 'RbacAuthorization', '' -> 'Core'. */
function groupWord(group: string): string {
  if (group === '') return 'Core';
  return group
    .replace(/\.k8s\.io$/, '')
    .split('.')
    .map((w) => w.charAt(0).toUpperCase() + w.slice(1))
    .join('');
}

/** URL prefix of a group-version: '/api/v1', '/apis/apps/v1'. */
export function groupVersionPrefix(group: string, version: string): string {
  return group === '' ? `/api/${version}` : `/apis/${group}/${version}`;
}

/** Subresources with a schema of their own: (kind, definition, methods). */
const SUBRESOURCE_KINDS: Record<
  string,
  { gvk?: SchemaGvk; def?: string; methods: Array<'get' | 'put' | 'patch' | 'post'> }
> = {
  status: { methods: ['get', 'put', 'patch'] },
  ephemeralcontainers: { methods: ['get', 'put', 'patch'] },
  finalize: { methods: ['put'] },
  scale: {
    gvk: { group: 'autoscaling', version: 'v1', kind: 'Scale' },
    def: 'io.k8s.api.autoscaling.v1.Scale',
    methods: ['get', 'put', 'patch'],
  },
  binding: { gvk: { group: '', version: 'v1', kind: 'Binding' }, def: 'io.k8s.api.core.v1.Binding', methods: ['post'] },
  eviction: {
    gvk: { group: 'policy', version: 'v1', kind: 'Eviction' },
    def: 'io.k8s.api.policy.v1.Eviction',
    methods: ['post'],
  },
  token: {
    gvk: { group: 'authentication.k8s.io', version: 'v1', kind: 'TokenRequest' },
    def: 'io.k8s.api.authentication.v1.TokenRequest',
    methods: ['post'],
  },
};

function resourcePaths(rt: ResourceType): PathSpec[] {
  const kindDef = rt.custom ? customDefinitionName(rt.group, rt.version, rt.kind) : definitionNameFor(rt);
  const listDef = rt.custom
    ? customDefinitionName(rt.group, rt.version, rt.listKind)
    : definitionNameFor({ group: rt.group, version: rt.version, kind: rt.listKind });
  if (!kindDef || !listDef) return [];
  const gvk: SchemaGvk = { group: rt.group, version: rt.version, kind: rt.kind };
  const prefix = groupVersionPrefix(rt.group, rt.version);
  const id = `${groupWord(rt.group)}${rt.version.charAt(0).toUpperCase()}${rt.version.slice(1)}`;
  const ns = rt.namespaced ? 'Namespaced' : '';
  const scope = rt.namespaced ? `/namespaces/{namespace}` : '';
  const scopeParams = rt.namespaced ? ['namespace'] : [];
  const what = rt.kind;
  const op = (o: Omit<Operation, 'gvk'> & { gvk?: SchemaGvk }): Operation => ({
    gvk,
    ...(rt.custom ? { custom: true } : {}),
    ...o,
  });
  const paths: PathSpec[] = [
    {
      path: `${prefix}${scope}/${rt.plural}`,
      pathParams: scopeParams,
      operations: [
        op({
          method: 'get',
          operationId: `list${id}${ns}${what}`,
          description: `list or watch objects of kind ${what}`,
          action: 'list',
          params: LIST,
          response: listDef,
        }),
        op({
          method: 'post',
          operationId: `create${id}${ns}${what}`,
          description: `create a ${what}`,
          action: 'post',
          params: WRITE,
          body: kindDef,
          response: kindDef,
          created: true,
          accepted: true,
        }),
        op({
          method: 'delete',
          operationId: `deleteCollection${id}${ns}${what}`,
          description: `delete collection of ${what}`,
          action: 'deletecollection',
          params: [...LIST, ...DELETE],
          body: `${META}DeleteOptions`,
          response: `${META}Status`,
        }),
      ],
    },
    {
      path: `${prefix}${scope}/${rt.plural}/{name}`,
      pathParams: [...scopeParams, 'name'],
      operations: [
        op({
          method: 'get',
          operationId: `read${id}${ns}${what}`,
          description: `read the specified ${what}`,
          action: 'get',
          params: [],
          response: kindDef,
        }),
        op({
          method: 'put',
          operationId: `replace${id}${ns}${what}`,
          description: `replace the specified ${what}`,
          action: 'put',
          params: WRITE,
          body: kindDef,
          response: kindDef,
          created: true,
        }),
        op({
          method: 'patch',
          operationId: `patch${id}${ns}${what}`,
          description: `partially update the specified ${what}`,
          action: 'patch',
          params: [...WRITE, FORCE],
          body: `${META}Patch`,
          response: kindDef,
          created: true,
        }),
        op({
          method: 'delete',
          operationId: `delete${id}${ns}${what}`,
          description: `delete a ${what}`,
          action: 'delete',
          params: DELETE,
          body: `${META}DeleteOptions`,
          response: `${META}Status`,
          accepted: true,
        }),
      ],
    },
    {
      path: `${prefix}/watch${scope}/${rt.plural}`,
      pathParams: scopeParams,
      operations: [
        op({
          method: 'get',
          operationId: `watch${id}${ns}${what}List`,
          description: `watch individual changes to a list of ${what}. deprecated: use the 'watch' parameter with a list operation instead.`,
          action: 'watchlist',
          params: LIST,
          response: `${META}WatchEvent`,
          watch: true,
        }),
      ],
    },
    {
      path: `${prefix}/watch${scope}/${rt.plural}/{name}`,
      pathParams: [...scopeParams, 'name'],
      operations: [
        op({
          method: 'get',
          operationId: `watch${id}${ns}${what}`,
          description: `watch changes to an object of kind ${what}. deprecated: use the 'watch' parameter with a list operation instead, filtered to a single item with the 'fieldSelector' parameter.`,
          action: 'watch',
          params: LIST,
          response: `${META}WatchEvent`,
          watch: true,
        }),
      ],
    },
  ];
  if (rt.namespaced) {
    paths.push(
      {
        path: `${prefix}/${rt.plural}`,
        pathParams: [],
        operations: [
          op({
            method: 'get',
            operationId: `list${id}${what}ForAllNamespaces`,
            description: `list or watch objects of kind ${what}`,
            action: 'list',
            params: LIST,
            response: listDef,
          }),
        ],
      },
      {
        path: `${prefix}/watch/${rt.plural}`,
        pathParams: [],
        operations: [
          op({
            method: 'get',
            operationId: `watch${id}${what}ListForAllNamespaces`,
            description: `watch individual changes to a list of ${what}. deprecated: use the 'watch' parameter with a list operation instead.`,
            action: 'watchlist',
            params: LIST,
            response: `${META}WatchEvent`,
            watch: true,
          }),
        ],
      },
    );
  }
  for (const sub of rt.subresources) {
    const spec = SUBRESOURCE_KINDS[sub];
    if (!spec) continue; // streaming subresources (log, exec, attach, portforward, proxy) have no schema
    const subGvk = spec.gvk ?? gvk;
    const def = spec.def ?? kindDef;
    const word = sub.charAt(0).toUpperCase() + sub.slice(1);
    const operations: Operation[] = spec.methods.map((method) => {
      if (method === 'get')
        return op({
          method,
          gvk: subGvk,
          operationId: `read${id}${ns}${what}${word}`,
          description: `read ${sub} of the specified ${what}`,
          action: 'get',
          params: [],
          response: def,
        });
      if (method === 'put')
        return op({
          method,
          gvk: subGvk,
          operationId: `replace${id}${ns}${what}${word}`,
          description: `replace ${sub} of the specified ${what}`,
          action: 'put',
          params: WRITE,
          body: def,
          response: def,
          created: true,
        });
      if (method === 'patch')
        return op({
          method,
          gvk: subGvk,
          operationId: `patch${id}${ns}${what}${word}`,
          description: `partially update ${sub} of the specified ${what}`,
          action: 'patch',
          params: [...WRITE, FORCE],
          body: `${META}Patch`,
          response: def,
          created: true,
        });
      return op({
        method,
        gvk: subGvk,
        operationId: `create${id}${ns}${what}${word}`,
        description: `create ${sub} of a ${what}`,
        action: 'post',
        params: WRITE,
        body: def,
        response: def,
        created: true,
        accepted: true,
      });
    });
    paths.push({
      path: `${prefix}${scope}/${rt.plural}/{name}/${sub}`,
      pathParams: [...scopeParams, 'name'],
      operations,
    });
  }
  return paths;
}

/** Group-version document keys in index order: 'api/v1', 'apis/apps/v1', ... (custom resources included). */
export function groupVersionKeys(): string[] {
  const served = [...allResourceTypes(), ...REVIEW_KINDS];
  return [...new Set(served.map((r) => groupVersionPrefix(r.group, r.version).slice(1)))].sort();
}

/** Whether a group-version key holds custom resources (its document changes with CRDs). */
export function isCustomGroupVersion(key: string): boolean {
  return allResourceTypes().some((r) => r.custom && groupVersionPrefix(r.group, r.version).slice(1) === key);
}

/** Every path of one group-version ('api/v1', 'apis/apps/v1'), or undefined if none is served. */
export function pathsOfGroupVersion(key: string): PathSpec[] | undefined {
  const inKey = (r: { group: string; version: string }) => groupVersionPrefix(r.group, r.version).slice(1) === key;
  const types = allResourceTypes().filter(inKey);
  const reviews = REVIEW_KINDS.filter(inKey);
  if (types.length === 0 && reviews.length === 0) return undefined;
  return [...types.flatMap(resourcePaths), ...reviews.flatMap(reviewPaths)].sort((a, b) =>
    a.path.localeCompare(b.path),
  );
}

/** A review kind's one operation, as upstream: `POST .../subjectaccessreviews` (createAuthorizationV1SubjectAccessReview). */
function reviewPaths(k: ReviewKind): PathSpec[] {
  const def = definitionNameFor(k);
  if (!def) return [];
  const id = `${groupWord(k.group)}${k.version.charAt(0).toUpperCase()}${k.version.slice(1)}`;
  const ns = k.namespaced ? 'Namespaced' : '';
  return [
    {
      path: `${groupVersionPrefix(k.group, k.version)}${k.namespaced ? '/namespaces/{namespace}' : ''}/${k.plural}`,
      pathParams: k.namespaced ? ['namespace'] : [],
      operations: [
        {
          method: 'post',
          operationId: `create${id}${ns}${k.kind}`,
          description: `create a ${k.kind}`,
          action: 'post',
          gvk: { group: k.group, version: k.version, kind: k.kind },
          params: WRITE,
          body: def,
          response: def,
          created: true,
          accepted: true,
        },
      ],
    },
  ];
}
