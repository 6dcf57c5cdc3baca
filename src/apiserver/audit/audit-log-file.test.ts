import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { AuditLogFile } from './audit-log-file.js';

describe('AuditLogFile', () => {
  it('rotates past its size and keeps maxBackups rotated files', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'audit-'));
    try {
      const file = new AuditLogFile({ path: join(dir, 'audit.log'), maxSizeMb: 1 / 1024, maxBackups: 2 });
      const line = `${JSON.stringify({ n: 'x'.repeat(200) })}\n`;
      for (let i = 0; i < 30; i++) {
        file.write(line);
        // Distinct rotation names need distinct milliseconds.
        await new Promise((r) => setTimeout(r, 2));
      }
      await file.close();
      const names = (await readdir(dir)).sort();
      assert.ok(names.includes('audit.log'));
      const backups = names.filter((n) => /^audit-\d{4}-\d\d-\d\dT\d\d-\d\d-\d\d\.\d{3}\.log$/.test(n));
      assert.equal(backups.length, 2, names.join(' '));
      for (const n of names) {
        const text = await readFile(join(dir, n), 'utf8');
        for (const l of text.split('\n').filter(Boolean)) assert.equal(JSON.parse(l).n.length, 200);
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
