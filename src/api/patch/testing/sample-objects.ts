/**
 * Every realistic object the tests keep, for property tests over many kinds: kubectl 1.27's
 * recorded create bodies (src/api/protobuf/fixtures), the e2e manifests (test/fixtures/e2e) and
 * the schema fixtures. Fresh copies on every call.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse as parseYaml } from 'yaml';
import * as schemaFixtures from '../../schema/fixtures.test-helper.js';
import { typeInfoFor, type TypeInfo } from '../../schema/index.js';

const repo = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', '..');

export function samples(): Record<string, unknown>[] {
  const out: Record<string, unknown>[] = [schemaFixtures.deployment(), schemaFixtures.service(), schemaFixtures.pod()];
  const kubectl = join(repo, 'src', 'api', 'protobuf', 'fixtures', '1.27');
  for (const f of readdirSync(kubectl).filter((n) => n.endsWith('.json')))
    out.push(JSON.parse(readFileSync(join(kubectl, f), 'utf8')));
  const e2e = join(repo, 'test', 'fixtures', 'e2e');
  for (const f of readdirSync(e2e).filter((n) => n.endsWith('.yaml')))
    out.push(parseYaml(readFileSync(join(e2e, f), 'utf8')));
  return out;
}

/** The served schema of an object's apiVersion and kind (undefined when not served). */
export function typeOf(obj: Record<string, unknown>): TypeInfo | undefined {
  const apiVersion = String(obj.apiVersion);
  const [group, version] = apiVersion.includes('/') ? apiVersion.split('/') : ['', apiVersion];
  return typeInfoFor({ group, version, kind: String(obj.kind) });
}
