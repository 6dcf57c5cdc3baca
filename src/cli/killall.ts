/** Options of `flotilla killall`. */
export interface KillAllFlags {
  dataDir: string;
}

/**
 * `flotilla killall [--data-dir DIR]`: stops every container of the data dir's agent and removes the
 * mounts, namespaces, veths, bridge and blackhole routes it made, and its ingress proxy (k3s-killall.sh's job). Run it with
 * the agent stopped; pod objects stay in the API (a restarted agent starts their pods again).
 */
export async function runKillAll(flags: KillAllFlags): Promise<void> {
  const [{ default: pino }, { killAll }] = await Promise.all([
    import('pino'),
    import('../agent/runtime/oci/kill-all.js'),
  ]);
  const log = pino({ level: 'warn' }, pino.destination(2));
  // `up --nodes N`: the extra nodes' agents, containers and namespaces first, then this node's routes to them.
  const [{ removeClusterNodes }, { removeRecordedNodeRoutes }] = await Promise.all([
    import('../cluster-nodes/index.js'),
    import('../agent/network/node-routes.js'),
  ]);
  const { removeClusterServers } = await import('../cluster-nodes/index.js');
  const extraServers = await removeClusterServers(flags.dataDir, log);
  const extraNodes = await removeClusterNodes(flags.dataDir, log);
  const nodeRoutes = await removeRecordedNodeRoutes(flags.dataDir);
  const { join } = await import('node:path');
  const { stopIngressLeftover } = await import('../ingress/index.js');
  const ingress = await stopIngressLeftover(join(flags.dataDir, 'ingress'), log);
  const r = await killAll(flags.dataDir, log);
  const parts = [
    `${r.containers} container(s) removed`,
    `${r.conmons} conmon process(es) killed`,
    r.bridge ? `bridge ${r.bridge} removed` : 'no bridge',
    `${r.veths.length} veth(s) removed`,
    r.routes.length ? `blackhole routes ${r.routes.join(', ')} removed` : 'no blackhole routes',
    ...(extraServers.length ? [`servers ${extraServers.join(', ')} removed`] : []),
    ...(extraNodes.length ? [`nodes ${extraNodes.join(', ')} removed`] : []),
    ...(ingress ? ['ingress proxy stopped'] : []),
    ...(nodeRoutes.length ? [`${nodeRoutes.length} route(s) to other nodes removed`] : []),
  ];
  process.stdout.write(`flotilla killall: ${parts.join('; ')}\n`);
  if (r.busyMounts.length) {
    process.stderr.write(`flotilla killall: still mounted (in use by another process): ${r.busyMounts.join(', ')}\n`);
    process.exitCode = 1;
  }
}
