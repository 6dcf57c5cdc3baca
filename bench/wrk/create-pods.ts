/**
 * Pod creates/s measured by wrk with bench/wrk/create-pods.lua: a 2 s warm-up that is not counted
 * (a just-started server has cold JIT code and starts its write workers on the first create), then
 * the measured run. Callers check wrkInstalled() first.
 */
import { spawnSync } from 'node:child_process';

export interface WrkCreates {
  tool: string;
  seconds: number;
  created: number;
  perSecond: number;
  failed: number;
  p50Ms?: number;
  p99Ms?: number;
}

export interface WrkCreateOptions {
  url: string;
  token: string;
  namespace: string;
  seconds: number;
  connections: number;
}

export function wrkInstalled(): boolean {
  return spawnSync('wrk', ['--version']).error === undefined;
}

export function wrkCreatePods(o: WrkCreateOptions): WrkCreates {
  const run = (seconds: number, namePrefix: string) =>
    spawnSync(
      'wrk',
      [
        '-t1',
        `-c${o.connections}`,
        `-d${seconds}s`,
        '-s',
        'bench/wrk/create-pods.lua',
        o.url,
        '--',
        o.token,
        o.namespace,
        namePrefix,
      ],
      { encoding: 'utf8' },
    );
  run(2, 'warm');
  const out = run(o.seconds, 'wrk');
  const f = JSON.parse(/WRKJSON (\{.*\})/.exec(out.stdout)?.[1] ?? '{"created":0,"failed":0}') as {
    created: number;
    failed: number;
    p50Ms?: number;
    p99Ms?: number;
  };
  return {
    tool: `wrk -t1 -c${o.connections}`,
    seconds: o.seconds,
    created: f.created,
    perSecond: Math.round(f.created / o.seconds),
    failed: f.failed,
    p50Ms: f.p50Ms,
    p99Ms: f.p99Ms,
  };
}
