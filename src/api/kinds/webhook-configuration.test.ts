import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeObject } from '../object.js';
import {
  mutatingWebhookConfigurationStrategy as mutating,
  validatingWebhookConfigurationStrategy as validating,
  type Webhook,
} from './webhook-configuration.js';

const hook = (extra: Partial<Webhook> = {}): Webhook => ({
  name: 'check.example.com',
  clientConfig: { service: { namespace: 'ns', name: 'svc' } },
  rules: [{ operations: ['CREATE'], apiGroups: [''], apiVersions: ['v1'], resources: ['pods'] }],
  sideEffects: 'None',
  admissionReviewVersions: ['v1'],
  ...extra,
});

const config = (kind: string, webhooks: Webhook[]): KubeObject =>
  ({ apiVersion: 'admissionregistration.k8s.io/v1', kind, metadata: { name: 'c' }, webhooks }) as unknown as KubeObject;

function messages(obj: KubeObject, old?: KubeObject, strategy = validating): string[] {
  strategy.applyDefaults?.(obj);
  return (strategy.validate?.(obj, old) ?? []).map((e) => `${e.field}: ${e.message}`);
}

test('defaults: failurePolicy, matchPolicy, selectors, timeout, scope, service port, reinvocationPolicy', () => {
  const obj = config('MutatingWebhookConfiguration', [hook()]);
  assert.deepEqual(messages(obj, undefined, mutating), []);
  const w = (obj as unknown as { webhooks: Webhook[] }).webhooks[0] as Webhook;
  assert.equal(w.failurePolicy, 'Fail');
  assert.equal(w.matchPolicy, 'Equivalent');
  assert.deepEqual(w.namespaceSelector, {});
  assert.deepEqual(w.objectSelector, {});
  assert.equal(w.timeoutSeconds, 10);
  assert.equal(w.reinvocationPolicy, 'Never');
  assert.equal(w.rules?.[0]?.scope, '*');
  assert.equal(w.clientConfig.service?.port, 443);
});

test('validation: the messages kube-apiserver gives', () => {
  const errs = messages(
    config('ValidatingWebhookConfiguration', [
      hook({
        name: 'a.b',
        clientConfig: { url: 'https://h/x#frag', service: { namespace: 'ns', name: 'svc' } },
        sideEffects: undefined,
        timeoutSeconds: 0,
        failurePolicy: 'Sometimes',
        admissionReviewVersions: [],
        rules: [
          {
            operations: ['GET'],
            apiGroups: ['*', 'apps'],
            apiVersions: [],
            resources: ['*/*', 'pods'],
            scope: 'Everywhere',
          },
        ],
      }),
      hook({ clientConfig: { service: { namespace: '', name: 'svc', path: 'no-slash', port: 70000 } } }),
      hook(),
    ]),
  );
  const expected = [
    'webhooks[0].name: Invalid value: "a.b": should be a domain with at least three segments separated by dots',
    'webhooks[0].rules[0].operations[0]: Unsupported value: "GET": supported values: "*", "CONNECT", "CREATE", "DELETE", "UPDATE"',
    'webhooks[0].rules[0].apiGroups: Invalid value: ["*","apps"]: if \'*\' is present, must not specify other API groups',
    'webhooks[0].rules[0].apiVersions: Required value',
    'webhooks[0].rules[0].resources: Invalid value: ["*/*","pods"]: if \'*/*\' is present, must not specify other resources',
    'webhooks[0].rules[0].scope: Unsupported value: "Everywhere": supported values: "*", "Cluster", "Namespaced"',
    'webhooks[0].failurePolicy: Unsupported value: "Sometimes": supported values: "Fail", "Ignore"',
    'webhooks[0].sideEffects: Required value: must specify one of None, NoneOnDryRun',
    'webhooks[0].timeoutSeconds: Invalid value: 0: the timeout value must be between 1 and 30 seconds',
    'webhooks[0].clientConfig: Required value: exactly one of url or service is required',
    'webhooks[0].admissionReviewVersions: Required value: must specify one of v1, v1beta1',
    'webhooks[1].clientConfig.service.namespace: Required value: service namespace is required',
    'webhooks[1].clientConfig.service.port: Invalid value: 70000: port is not valid: must be between 1 and 65535, inclusive',
    'webhooks[1].clientConfig.service.path: Invalid value: "no-slash": must start with a \'/\'',
    'webhooks[2].name: Duplicate value: "check.example.com"',
  ];
  for (const e of expected) assert.ok(errs.includes(e), `missing ${e}\n${errs.join('\n')}`);
});

test('matchConditions: names qualified and unique, expressions that compile', () => {
  const errs = messages(
    config('ValidatingWebhookConfiguration', [
      hook({
        matchConditions: [
          { name: 'ok', expression: "object.metadata.name != 'x'" },
          { name: 'ok', expression: 'request.operation ==' },
          { name: 'bad name!', expression: 'true' },
        ],
      }),
    ]),
  );
  assert.ok(errs.includes('webhooks[0].matchConditions[1].name: Duplicate value: "ok"'), errs.join('\n'));
  assert.match(
    errs.join('\n'),
    /webhooks\[0\]\.matchConditions\[1\]\.expression: Invalid value: "request\.operation ==": compilation failed/,
  );
  assert.match(errs.join('\n'), /webhooks\[0\]\.matchConditions\[2\]\.name: Invalid value: "bad name!"/);
  assert.equal(errs.length, 3, errs.join('\n'));
});

test('update: what the stored configuration had (sideEffects Some) stays allowed', () => {
  const old = config('ValidatingWebhookConfiguration', [hook({ sideEffects: 'Some' })]);
  const next = config('ValidatingWebhookConfiguration', [hook({ sideEffects: 'Some', timeoutSeconds: 5 })]);
  assert.deepEqual(messages(next, old), []);
  const fresh = config('ValidatingWebhookConfiguration', [hook({ sideEffects: 'Some' })]);
  assert.equal(messages(fresh).length, 1);
});

test('table: NAME, WEBHOOKS, AGE', () => {
  const obj = config('ValidatingWebhookConfiguration', [hook(), hook({ name: 'other.example.com' })]);
  assert.deepEqual(
    validating.table?.columns.map((c) => c.name),
    ['Name', 'Webhooks', 'Age'],
  );
  assert.equal(validating.table?.row(obj, new Date())[1], 2);
});
