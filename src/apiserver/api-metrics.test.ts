import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Registry } from 'prom-client';
import { ApiMetrics } from './api-metrics.js';

test('ApiMetrics counts and times requests per verb, resource and code', async () => {
  const registry = new Registry();
  const metrics = new ApiMetrics(registry);
  const started = process.hrtime.bigint();
  metrics.observe('create', 'pods', 201, started);
  metrics.observe('create', 'pods', 201, started);
  metrics.observe('create', 'pods', 422, started);
  metrics.observe('list', 'nodes', 200, started);
  const text = await registry.metrics();
  assert.match(text, /apiserver_request_total\{verb="create",resource="pods",code="201"\} 2\n/);
  assert.match(text, /apiserver_request_total\{verb="create",resource="pods",code="422"\} 1\n/);
  assert.match(text, /apiserver_request_total\{verb="list",resource="nodes",code="200"\} 1\n/);
  assert.match(text, /apiserver_request_duration_seconds_count\{verb="create",resource="pods"\} 3\n/);
});
