import type { Logger } from 'pino';
import type { KubeClient } from '../../machinery/client/kube-client.js';
import type { NodeObject } from '../node/index.js';
import { NODES } from '../../machinery/resources/well-known.js';

/**
 * The Node's spec.podCIDR once the server's node IPAM has set it (polled every `intervalMs`, default
 * 100 ms), or undefined after `timeoutMs` (default 15 s; logged): a node of a multi-node cluster must not
 * start its bridge on a guessed range another node also uses. Called by the agent right after it
 * registered, only when it was given no pod CIDR of its own.
 */
export async function waitForPodCIDR(
  client: KubeClient,
  nodeName: string,
  log: Logger,
  timeoutMs = 15_000,
  intervalMs = 100,
): Promise<string | undefined> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const node = await client.get<NodeObject>(NODES, '', nodeName).catch(() => undefined);
    if (node?.spec?.podCIDR) return node.spec.podCIDR;
    if (Date.now() >= end) {
      log.warn(
        { node: nodeName, timeoutMs },
        'the Node got no spec.podCIDR (is node IPAM running?): using the default pod CIDR',
      );
      return undefined;
    }
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}
