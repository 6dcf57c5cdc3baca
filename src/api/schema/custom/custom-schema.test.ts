import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { CrdSchema } from './crd-schema.js';
import { applyDefaults, checkCrdSchema, compileValidator, prune, setSchemaRuleEngine } from './index.js';

const schema: CrdSchema = {
  type: 'object',
  properties: {
    spec: {
      type: 'object',
      required: ['image'],
      properties: {
        image: { type: 'string', minLength: 1, maxLength: 20, pattern: '^[a-z]+$' },
        replicas: { type: 'integer', minimum: 1, maximum: 10, default: 1 },
        ratio: { type: 'number', exclusiveMaximum: true, maximum: 1, multipleOf: 0.25 },
        mode: { type: 'string', enum: ['fast', 'slow'], default: 'fast' },
        port: { 'x-kubernetes-int-or-string': true },
        url: { type: 'string', format: 'uri' },
        note: { type: 'string', nullable: true },
        tags: { type: 'array', items: { type: 'string' }, maxItems: 2, 'x-kubernetes-list-type': 'set' },
        ports: {
          type: 'array',
          'x-kubernetes-list-type': 'map',
          'x-kubernetes-list-map-keys': ['name'],
          items: {
            type: 'object',
            required: ['name'],
            properties: { name: { type: 'string' }, port: { type: 'integer' } },
          },
        },
        labels: { type: 'object', additionalProperties: { type: 'string' }, maxProperties: 2 },
        raw: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true },
        template: {
          type: 'object',
          'x-kubernetes-embedded-resource': true,
          'x-kubernetes-preserve-unknown-fields': true,
        },
        choice: {
          type: 'object',
          properties: { a: { type: 'string' }, b: { type: 'string' } },
          oneOf: [{ required: ['a'] }, { required: ['b'] }],
        },
        nested: { type: 'object', default: {}, properties: { depth: { type: 'integer', default: 3 } } },
      },
    },
  },
};

const messages = (obj: unknown, old?: unknown) =>
  compileValidator(schema)
    .validate(obj, old)
    .map((e) => `${e.field}: ${e.message}`);

describe('custom resource validation', () => {
  it('reports kube-apiserver texts and paths', () => {
    const errs = messages({
      spec: {
        image: 'Bad!',
        replicas: 'x',
        ratio: 1,
        mode: 'turbo',
        port: true,
        url: 'not a uri',
        tags: ['a', 'a', 'b'],
        ports: [{ name: 'h' }, { name: 'h' }],
        labels: { a: 'x', b: 'y', c: 'z' },
        template: { kind: 'Pod', metadata: { name: 'a/b', labels: { 'bad key!': 'x' } } },
        choice: {},
      },
    });
    const expected = [
      `spec.image: Invalid value: "Bad!": spec.image in body should match '^[a-z]+$'`,
      'spec.replicas: Invalid value: "string": spec.replicas in body must be of type integer: "string"',
      'spec.ratio: Invalid value: 1: spec.ratio in body should be less than 1',
      'spec.mode: Unsupported value: "turbo": supported values: "fast", "slow"',
      'spec.port: Invalid value: "boolean": spec.port in body must be of type integer,string: "boolean"',
      'spec.url: Invalid value: "not a uri": spec.url in body must be of type uri: "not a uri"',
      'spec.tags: Too many: 3: must have at most 2 items',
      'spec.tags[1]: Duplicate value: "a"',
      'spec.ports[1]: Duplicate value: map[string]interface {}{"name":"h"}',
      'spec.labels: Too many: 3: must have at most 2 items',
      'spec.template.apiVersion: Required value: must not be empty',
      `spec.template.metadata.name: Invalid value: "a/b": may not contain '/'`,
      `spec.template.metadata.labels: Invalid value: "bad key!": name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')`,
      '<nil>: Invalid value: "": "spec.choice" must validate one and only one schema (oneOf). Found none valid',
      'spec.choice.a: Required value',
    ];
    for (const e of expected) assert.ok(errs.includes(e), `missing ${e} in\n${errs.join('\n')}`);
  });

  it('requires fields and accepts valid objects, null only where nullable', () => {
    assert.deepEqual(messages({ spec: {} }), ['spec.image: Required value']);
    assert.deepEqual(
      messages({ spec: { image: 'web', port: '8080', note: null, ratio: 0.5, choice: { a: 'x' } } }),
      [],
    );
    assert.deepEqual(messages({ spec: { image: 'web', port: 80, url: 'https://x.example/a', raw: { any: [1] } } }), []);
    assert.deepEqual(messages({ spec: { image: 'web', mode: null } }), [
      'spec.mode: Invalid value: "null": spec.mode in body must be of type string: "null"',
    ]);
  });

  it('prunes unknown fields but keeps preserved ones and the root meta fields', () => {
    const obj = {
      apiVersion: 'x/v1',
      kind: 'K',
      metadata: { name: 'a' },
      extra: 1,
      spec: {
        image: 'a',
        bogus: true,
        raw: { kept: 1 },
        ports: [{ name: 'a', junk: 1 }],
        labels: { k: 'v' },
        template: { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', nope: 1 }, spec: { any: 1 } },
      },
    };
    assert.deepEqual(prune(obj, schema), ['extra', 'spec.bogus', 'spec.ports[0].junk', 'spec.template.metadata.nope']);
    assert.deepEqual(obj, {
      apiVersion: 'x/v1',
      kind: 'K',
      metadata: { name: 'a' },
      spec: {
        image: 'a',
        raw: { kept: 1 },
        ports: [{ name: 'a' }],
        labels: { k: 'v' },
        template: { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p' }, spec: { any: 1 } },
      },
    });
  });

  it('applies defaults top-down, replaces non-nullable nulls and drops the rest', () => {
    const obj = { spec: { image: 'a', mode: null, url: null, note: null } };
    applyDefaults(obj, schema);
    assert.deepEqual(obj, { spec: { image: 'a', mode: 'fast', note: null, replicas: 1, nested: { depth: 3 } } });
  });

  it('hands each rule node its value and the correlated old value', () => {
    const seen: unknown[] = [];
    try {
      const withRule: CrdSchema = {
        type: 'object',
        properties: {
          spec: {
            type: 'object',
            properties: {
              ports: {
                type: 'array',
                'x-kubernetes-list-type': 'map',
                'x-kubernetes-list-map-keys': ['name'],
                items: {
                  type: 'object',
                  required: ['name'],
                  properties: { name: { type: 'string' }, port: { type: 'integer' } },
                  'x-kubernetes-validations': [{ rule: 'self.port > 0' }],
                },
              },
            },
          },
        },
      };
      const v = compileValidator(withRule, {
        compile: () => (self, oldSelf, path) => {
          seen.push([path, self, oldSelf]);
          return [];
        },
      });
      v.validate(
        {
          spec: {
            ports: [
              { name: 'b', port: 2 },
              { name: 'a', port: 1 },
            ],
          },
        },
        { spec: { ports: [{ name: 'a', port: 9 }] } },
      );
      assert.deepEqual(seen, [
        ['spec.ports[0]', { name: 'b', port: 2 }, undefined],
        ['spec.ports[1]', { name: 'a', port: 1 }, { name: 'a', port: 9 }],
      ]);
    } finally {
      setSchemaRuleEngine(undefined);
    }
  });

  it('ratchets: an update leaving an invalid value as it was passes, a changed one is checked', () => {
    const old = { spec: { image: 'Bad!', mode: 'turbo' } };
    assert.deepEqual(messages({ spec: { image: 'Bad!', mode: 'turbo', replicas: 2 } }, old), []);
    assert.deepEqual(messages({ spec: { image: 'Worse!', mode: 'turbo' } }, old), [
      `spec.image: Invalid value: "Worse!": spec.image in body should match '^[a-z]+$'`,
    ]);
  });
});

describe('CRD schema checks', () => {
  const path = 'spec.versions[0].schema.openAPIV3Schema';
  const check = (s: CrdSchema) => checkCrdSchema(s, path).map((e) => `${e.field}: ${e.message}`);

  it('accepts a structural schema', () => {
    assert.deepEqual(check(schema), []);
  });

  it('refuses non-structural schemas with kube-apiserver texts', () => {
    const errs = check({
      type: 'object',
      properties: {
        metadata: { type: 'object', properties: { labels: { type: 'object' } } },
        spec: {
          properties: { a: { type: 'string' } },
          anyOf: [{ type: 'string', properties: { b: { description: 'x' } } }],
        },
        list: { type: 'array' },
        set: { type: 'array', uniqueItems: true, items: { type: 'string' } },
        bad: { type: 'object', 'x-kubernetes-preserve-unknown-fields': false },
        keys: {
          type: 'array',
          'x-kubernetes-list-type': 'map',
          items: { type: 'object', properties: { k: { type: 'string' } } },
        },
      },
    });
    const expected = [
      `${path}.properties[spec].type: Required value: must not be empty for specified object fields`,
      `${path}.properties[spec].anyOf[0].type: Forbidden: must be empty to be structural`,
      `${path}.properties[spec].anyOf[0].properties[b].description: Forbidden: must be empty to be structural`,
      `${path}.properties[spec].properties[b]: Required value: because it is defined in ${path}.properties[spec].anyOf[0].properties[b]`,
      `${path}.properties[list].items: Required value: must be specified`,
      `${path}.properties[metadata]: Forbidden: must not specify anything other than name and generateName, but metadata is implicitly specified`,
      `${path}.properties[set].uniqueItems: Forbidden: uniqueItems cannot be set to true since the runtime complexity becomes quadratic`,
      `${path}.properties[bad].x-kubernetes-preserve-unknown-fields: Invalid value: false: must be true or undefined`,
      `${path}.properties[keys].x-kubernetes-list-map-keys: Required value: must not be empty if x-kubernetes-list-type is map`,
    ];
    for (const e of expected) assert.ok(errs.includes(e), `missing ${e} in\n${errs.join('\n')}`);
  });

  it('checks defaults against their schema and for unknown fields', () => {
    const errs = check({
      type: 'object',
      properties: {
        spec: {
          type: 'object',
          properties: {
            replicas: { type: 'integer', default: 'one' },
            obj: { type: 'object', properties: { a: { type: 'string' } }, default: { b: 1 } },
          },
        },
      },
    });
    assert.deepEqual(errs, [
      `${path}.properties[spec].properties[replicas].default: Invalid value: "string": in body must be of type integer: "string"`,
      `${path}.properties[spec].properties[obj].default: Invalid value: {"b":1}: must not have unknown fields`,
    ]);
  });
});
