import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { parse as parseYaml } from 'yaml';
import { openApiV2 } from './openapi-v2.js';
import {
  OPENAPI_V2_PROTOBUF_ACCEPT,
  OPENAPI_V2_PROTOBUF_MEDIA_TYPE,
  negotiateOpenApiV2,
  openApiV2DocumentType,
  openApiV2ProtoRoot,
  openApiV2Protobuf,
  swaggerToProtoObject,
} from './openapi-v2-protobuf.js';

interface PbAny {
  yaml?: string;
}
interface PbNamedAny {
  name: string;
  value?: PbAny;
}
interface PbSchema {
  _ref?: string;
  type?: { value?: string[] };
  description?: string;
  items?: { schema?: PbSchema[] };
  properties?: { additional_properties?: Array<{ name: string; value: PbSchema }> };
  additional_properties?: { schema?: PbSchema; boolean?: boolean };
  required?: string[];
  vendor_extension?: PbNamedAny[];
}
interface PbParam {
  parameter?: {
    body_parameter?: { name: string; in: string; required?: boolean; schema?: PbSchema };
    non_body_parameter?: {
      query_parameter_sub_schema?: { name: string; in: string; type?: string; unique_items?: boolean };
      path_parameter_sub_schema?: { name: string; required?: boolean };
    };
  };
}
interface PbOperation {
  operation_id?: string;
  consumes?: string[];
  parameters?: PbParam[];
  responses?: {
    response_code?: Array<{
      name: string;
      value: { response?: { description?: string; schema?: { schema?: PbSchema } } };
    }>;
  };
  vendor_extension?: PbNamedAny[];
}
interface PbDocument {
  swagger: string;
  info: { title: string; version: string };
  paths: {
    path: Array<{
      name: string;
      value: { parameters?: PbParam[]; get?: PbOperation; patch?: PbOperation; post?: PbOperation };
    }>;
  };
  definitions: { additional_properties: Array<{ name: string; value: PbSchema }> };
}

function decoded(bytes: Uint8Array): PbDocument {
  const type = openApiV2DocumentType();
  return type.toObject(type.decode(bytes), { longs: Number }) as PbDocument;
}

/** What kube-openapi's VendorExtensionToMap does: yaml-unmarshal every NamedAny's Any.yaml. */
function extensions(list: PbNamedAny[] | undefined): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const na of list ?? []) if (na.name && na.value?.yaml) out[na.name] = parseYaml(na.value.yaml);
  return out;
}

function field(typeName: string, name: string): number {
  return openApiV2ProtoRoot().lookupType(typeName).fields[name]?.id ?? -1;
}

test('the proto text has gnostic openapi.v2 field numbers', () => {
  assert.equal(openApiV2ProtoRoot().lookupType('openapi.v2.Document').fieldsArray.length, 16);
  assert.deepEqual(
    ['swagger', 'info', 'paths', 'definitions', 'vendor_extension'].map((f) => field('openapi.v2.Document', f)),
    [1, 2, 8, 9, 16],
  );
  assert.deepEqual(
    [
      '_ref',
      'description',
      'required',
      'enum',
      'additional_properties',
      'type',
      'items',
      'all_of',
      'properties',
      'vendor_extension',
    ].map((f) => field('openapi.v2.Schema', f)),
    [1, 4, 19, 20, 21, 22, 23, 24, 25, 31],
  );
  assert.deepEqual(
    ['value', 'yaml'].map((f) => field('openapi.v2.Any', f)),
    [1, 2],
  );
  assert.equal(
    openApiV2ProtoRoot().lookupType('openapi.v2.Any').fields.value?.resolvedType?.fullName,
    '.google.protobuf.Any',
  );
  assert.deepEqual(
    ['name', 'value'].map((f) => field('openapi.v2.NamedAny', f)),
    [1, 2],
  );
  assert.deepEqual(
    ['vendor_extension', 'path'].map((f) => field('openapi.v2.Paths', f)),
    [1, 2],
  );
  assert.deepEqual(
    ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'parameters'].map((f) =>
      field('openapi.v2.PathItem', f),
    ),
    [2, 3, 4, 5, 6, 7, 8, 9],
  );
  assert.deepEqual(
    ['operation_id', 'parameters', 'responses', 'vendor_extension'].map((f) => field('openapi.v2.Operation', f)),
    [5, 8, 9, 13],
  );
  assert.deepEqual(
    ['query_parameter_sub_schema', 'path_parameter_sub_schema'].map((f) => field('openapi.v2.NonBodyParameter', f)),
    [3, 4],
  );
  assert.equal(field('openapi.v2.QueryParameterSubSchema', 'unique_items'), 20);
  assert.equal(field('openapi.v2.AdditionalPropertiesItem', 'boolean'), 2);
});

test('wire bytes of a tiny document match a hand encoding', () => {
  const doc = {
    swagger: '2.0',
    definitions: { A: { $ref: '#/definitions/B' }, B: { type: 'object', 'x-kubernetes-patch-strategy': 'merge' } },
  };
  const bytes = Buffer.from(openApiV2DocumentType().encode(swaggerToProtoObject(doc)).finish());
  const ld = (tag: number, body: Buffer | string): Buffer => {
    const b = typeof body === 'string' ? Buffer.from(body) : body;
    return Buffer.concat([Buffer.from([tag, b.length]), b]);
  };
  const schemaA = ld(0x0a, '#/definitions/B'); // Schema._ref = 1
  // Schema.type = 22 (tag 0xb2 0x01), TypeItem.value = 1; Schema.vendor_extension = 31 (tag 0xfa 0x01).
  const typeItem = ld(0x0a, 'object');
  const namedAny = Buffer.concat([ld(0x0a, 'x-kubernetes-patch-strategy'), ld(0x12, ld(0x12, '"merge"\n'))]);
  const b = Buffer.concat([
    Buffer.from([0xb2, 0x01, typeItem.length]),
    typeItem,
    Buffer.from([0xfa, 0x01, namedAny.length]),
    namedAny,
  ]);
  const definitions = Buffer.concat([
    ld(0x0a, Buffer.concat([ld(0x0a, 'A'), ld(0x12, schemaA)])),
    ld(0x0a, Buffer.concat([ld(0x0a, 'B'), ld(0x12, b)])),
  ]);
  // Document.swagger = 1, info = 2 (empty Info), definitions = 9.
  const expected = Buffer.concat([ld(0x0a, '2.0'), Buffer.from([0x12, 0x00]), ld(0x4a, definitions)]);
  assert.equal(bytes.toString('hex'), expected.toString('hex'));
});

test('served document decodes with every definition and kube-openapi-parsable schemas', () => {
  const json = openApiV2() as { definitions: Record<string, unknown>; paths: Record<string, unknown> };
  const doc = decoded(openApiV2Protobuf().bytes);
  assert.equal(doc.swagger, '2.0');
  assert.equal(doc.info.title, 'Kubernetes');
  const names = new Set(doc.definitions.additional_properties.map((d) => d.name));
  assert.deepEqual([...names].sort(), Object.keys(json.definitions).sort());
  assert.equal(doc.paths.path.length, Object.keys(json.paths).length);

  // The shape rules of kube-openapi's proto.Definitions.ParseSchema, which rejects the whole document otherwise.
  const check = (s: PbSchema, at: string): void => {
    const types = s.type?.value ?? [];
    if (s._ref) {
      assert.ok(s._ref.startsWith('#/definitions/') && names.has(s._ref.slice(14)), `${at}: dangling ${s._ref}`);
      assert.equal(types.length, 0, `${at}: ref with a type`);
      assert.equal(s.properties?.additional_properties?.length ?? 0, 0, `${at}: ref with properties`);
      return;
    }
    assert.ok(types.length <= 1, `${at}: several types`);
    if (types[0] === 'array') {
      assert.equal(s.items?.schema?.length, 1, `${at}: array needs exactly one items schema`);
      check(s.items?.schema?.[0] ?? {}, `${at}[]`);
    } else if (types[0] === 'object' || (types.length === 0 && s.properties)) {
      for (const p of s.properties?.additional_properties ?? []) check(p.value, `${at}.${p.name}`);
      if (s.additional_properties?.schema) check(s.additional_properties.schema, `${at}{}`);
    } else if (types.length === 1) {
      assert.ok(
        ['string', 'integer', 'number', 'boolean'].includes(types[0] ?? ''),
        `${at}: unknown primitive ${types[0]}`,
      );
    }
  };
  for (const d of doc.definitions.additional_properties) check(d.value, d.name);
});

test('patch metadata and GVK travel as NamedAny yaml that kube-openapi reads back', () => {
  const doc = decoded(openApiV2Protobuf().bytes);
  const def = (name: string): PbSchema | undefined =>
    doc.definitions.additional_properties.find((d) => d.name === name)?.value;
  const prop = (s: PbSchema | undefined, name: string): PbSchema | undefined =>
    s?.properties?.additional_properties?.find((p) => p.name === name)?.value;

  const containers = prop(def('io.k8s.api.core.v1.PodSpec'), 'containers');
  assert.deepEqual(containers?.type?.value, ['array']);
  assert.equal(containers?.items?.schema?.[0]?._ref, '#/definitions/io.k8s.api.core.v1.Container');
  const ext = extensions(containers?.vendor_extension);
  assert.equal(ext['x-kubernetes-patch-merge-key'], 'name');
  assert.equal(ext['x-kubernetes-patch-strategy'], 'merge');
  assert.deepEqual(ext['x-kubernetes-list-map-keys'], ['name']);

  const deployment = def('io.k8s.api.apps.v1.Deployment');
  assert.deepEqual(extensions(deployment?.vendor_extension)['x-kubernetes-group-version-kind'], [
    { group: 'apps', kind: 'Deployment', version: 'v1' },
  ]);
  assert.equal(prop(deployment, 'spec')?._ref, '#/definitions/io.k8s.api.apps.v1.DeploymentSpec');
  assert.ok(def('io.k8s.api.apps.v1.DeploymentSpec')?.required?.includes('selector'));
  const labels = prop(def('io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta'), 'labels');
  assert.deepEqual(labels?.additional_properties?.schema?.type?.value, ['string']);
});

test('paths carry body, query and path parameters, responses and the operation GVK', () => {
  const doc = decoded(openApiV2Protobuf().bytes);
  const item = doc.paths.path.find((p) => p.name === '/apis/apps/v1/namespaces/{namespace}/deployments/{name}')?.value;
  const patch = item?.patch;
  assert.ok(patch?.consumes?.includes('application/strategic-merge-patch+json'));
  assert.deepEqual(extensions(patch?.vendor_extension)['x-kubernetes-group-version-kind'], {
    group: 'apps',
    kind: 'Deployment',
    version: 'v1',
  });
  assert.equal(extensions(patch?.vendor_extension)['x-kubernetes-action'], 'patch');
  const body = patch?.parameters?.find((p) => p.parameter?.body_parameter)?.parameter?.body_parameter;
  assert.equal(body?.in, 'body');
  assert.equal(body?.schema?._ref, '#/definitions/io.k8s.apimachinery.pkg.apis.meta.v1.Patch');
  const fv = patch?.parameters
    ?.map((p) => p.parameter?.non_body_parameter?.query_parameter_sub_schema)
    .find((q) => q?.name === 'fieldValidation');
  assert.equal(fv?.in, 'query');
  assert.equal(fv?.type, 'string');
  assert.deepEqual(
    item?.parameters
      ?.map((p) => p.parameter?.non_body_parameter?.path_parameter_sub_schema?.name)
      .filter(Boolean)
      .sort(),
    ['name', 'namespace'],
  );
  const ok = patch?.responses?.response_code?.find((r) => r.name === '200')?.value.response;
  assert.equal(ok?.schema?.schema?._ref, '#/definitions/io.k8s.api.apps.v1.Deployment');
});

test('presence of empty properties and boolean additionalProperties survive encoding', () => {
  const src = {
    swagger: '2.0',
    definitions: {
      E: { type: 'object', properties: {} },
      M: { type: 'object', additionalProperties: true },
      X: { type: 'string', enum: ['a', 'b'], default: 'a' },
    },
  };
  const doc = decoded(openApiV2DocumentType().encode(swaggerToProtoObject(src)).finish());
  const def = (n: string): PbSchema & { enum?: PbAny[]; default?: PbAny } =>
    doc.definitions.additional_properties.find((d) => d.name === n)?.value ?? {};
  assert.ok(def('E').properties, 'empty properties kept (kube-openapi: struct, not map)');
  assert.equal(def('M').additional_properties?.boolean, true);
  assert.deepEqual(
    def('X').enum?.map((a) => parseYaml(a.yaml ?? '')),
    ['a', 'b'],
  );
  assert.equal(parseYaml(def('X').default?.yaml ?? ''), 'a');
});

test('encoded once and cached, with a SHA-512 ETag of the bytes', () => {
  const a = openApiV2Protobuf();
  assert.equal(openApiV2Protobuf(), a);
  assert.equal(a.hash, createHash('sha512').update(a.bytes).digest('hex').toUpperCase());
  assert.equal(a.etag, `"${a.hash}"`);
  assert.ok(a.bytes.length > 100_000);
});

test('Accept negotiation for /openapi/v2', () => {
  assert.equal(negotiateOpenApiV2(OPENAPI_V2_PROTOBUF_ACCEPT), 'protobuf');
  assert.equal(negotiateOpenApiV2(OPENAPI_V2_PROTOBUF_MEDIA_TYPE), 'protobuf');
  assert.equal(negotiateOpenApiV2(undefined), 'json');
  assert.equal(negotiateOpenApiV2(''), 'json');
  assert.equal(negotiateOpenApiV2('application/json'), 'json');
  assert.equal(negotiateOpenApiV2('*/*'), 'json');
  assert.equal(negotiateOpenApiV2(`application/json, ${OPENAPI_V2_PROTOBUF_ACCEPT}`), 'json');
  assert.equal(negotiateOpenApiV2(`application/json;q=0.5, ${OPENAPI_V2_PROTOBUF_ACCEPT}`), 'protobuf');
  assert.equal(negotiateOpenApiV2('text/html'), undefined);
  assert.equal(negotiateOpenApiV2(`${OPENAPI_V2_PROTOBUF_ACCEPT};q=0, application/json`), 'json');
  assert.ok(!OPENAPI_V2_PROTOBUF_MEDIA_TYPE.includes('@'), 'Go mime.ParseMediaType must accept the Content-Type');
});
