import type { CertificateSigningRequest } from 'kubernetes-types/certificates/v1.js';
import type { Node } from 'kubernetes-types/core/v1.js';
import type { Logger } from 'pino';
import { APPROVED, trueCondition } from '../../api/certificates/index.js';
import { requestPem } from '../../api/kinds/certificate-signing-request.js';
import { isNotFound } from '../../machinery/client/client-error.js';
import type { Informer } from '../../machinery/client/informer.js';
import type { KubeClient } from '../../machinery/client/kube-client.js';
import type { ObjectKey } from '../../machinery/client/object-key.js';
import type { ResourceRef } from '../../machinery/client/resource-path.js';
import type { SharedInformers } from '../../machinery/client/shared-informers.js';
import { runController, type ReconcileResult, type RunningController } from '../../machinery/controller/controller.js';
import type { ObjectOf } from '../../machinery/resources/index.js';
import { CSRS, NODES } from '../../machinery/resources/well-known.js';
import {
  NODE_SERVING_APPROVAL_MESSAGE,
  RECOGNIZERS,
  servingNamesProblem,
  servingRequestNode,
  servingRequestProblem,
  wantsApproval,
  type Recognizer,
} from './approving-plan.js';

type CsrObject = ObjectOf<CertificateSigningRequest>;

/** Whether the requester of `csr` may create `certificatesigningrequests/<subresource>`. */
export type CsrAuthorizer = (
  csr: CertificateSigningRequest,
  subresource: Recognizer['subresource'],
) => Promise<boolean>;

const SUBJECT_ACCESS_REVIEWS: ResourceRef = {
  group: 'authorization.k8s.io',
  version: 'v1',
  plural: 'subjectaccessreviews',
  namespaced: false,
};

/** Asks the API server with a SubjectAccessReview for the requester's user, uid, groups and extra (as csrapproving does). */
export function subjectAccessReviewAuthorizer(client: KubeClient): CsrAuthorizer {
  return async (csr, subresource) => {
    const review = await client.create(SUBJECT_ACCESS_REVIEWS, '', {
      apiVersion: 'authorization.k8s.io/v1',
      kind: 'SubjectAccessReview',
      metadata: {},
      spec: {
        user: csr.spec.username,
        uid: csr.spec.uid,
        groups: csr.spec.groups,
        extra: csr.spec.extra,
        resourceAttributes: {
          group: 'certificates.k8s.io',
          version: '*',
          resource: 'certificatesigningrequests',
          subresource,
          verb: 'create',
        },
      },
    });
    return (review as { status?: { allowed?: boolean } }).status?.allowed === true;
  };
}

export interface CsrApprovingOptions {
  client: KubeClient;
  csrs: Informer<CsrObject>;
  authorize: CsrAuthorizer;
  /** Nodes, for a node's own kubelet-serving requests; without it those are left for an administrator. */
  nodes?: Informer<ObjectOf<Node>>;
  now?: () => Date;
}

/** How long a node's serving request that names what its cached Node does not (yet) carry is looked at again. */
const NODE_WAIT_MS = 60_000;

const rfc3339 = (d: Date) => d.toISOString().replace(/\.\d{3}Z$/, 'Z');

/**
 * Kubernetes' csrapproving controller, keyed by CSR name: a pending node client certificate
 * request is approved (condition Approved, reason AutoApproved, through the approval subresource)
 * when its requester may create `certificatesigningrequests/selfnodeclient` (a node renewing its
 * own certificate) or `.../nodeclient` (a bootstrap identity). Beyond Kubernetes, a node's
 * kubelet-serving request for its own name and Node addresses is approved too
 * (servingApprovalProblem). Anything else is left for a human (`kubectl certificate approve`).
 * Idempotent; an unparsable request is left alone.
 */
export function csrApprovingReconciler(
  opts: CsrApprovingOptions,
): (key: ObjectKey) => Promise<ReconcileResult | undefined> {
  const now = opts.now ?? (() => new Date());
  return async ({ name }) => {
    const cached = opts.csrs.get('', name);
    if (!cached || !wantsApproval(cached)) return undefined;
    const csr = structuredClone(cached);
    const pki = await import('../../machinery/pki/certificate-requests.js');
    let req: Awaited<ReturnType<typeof pki.parseCertificateRequest>>;
    try {
      req = await pki.parseCertificateRequest(requestPem(csr));
    } catch (e) {
      if (e instanceof pki.InvalidRequestError) return undefined;
      throw e;
    }
    const approve = async (message: string): Promise<undefined> => {
      const condition = trueCondition(APPROVED, 'AutoApproved', message, rfc3339(now()));
      const approved = {
        ...csr,
        status: { ...csr.status, conditions: [...(csr.status?.conditions ?? []), condition] },
      };
      try {
        await opts.client.update(CSRS, '', approved, { subresource: 'approval' });
      } catch (err) {
        if (isNotFound(err)) return undefined;
        throw err;
      }
      return undefined;
    };
    const servingNode = opts.nodes ? servingRequestNode(csr) : undefined;
    if (servingNode !== undefined) {
      if (servingRequestProblem(csr, req) !== undefined) return undefined;
      const addresses = opts.nodes?.get('', servingNode)?.status?.addresses;
      if (servingNamesProblem(req, servingNode, addresses) === undefined) return approve(NODE_SERVING_APPROVAL_MESSAGE);
      // A node registers (or posts its addresses) just before it asks: the cache may lag behind.
      const age = now().getTime() - Date.parse(csr.metadata?.creationTimestamp ?? '');
      return age < NODE_WAIT_MS ? { requeueAfterMs: 500 } : undefined;
    }
    for (const r of RECOGNIZERS) {
      if (!r.recognize(csr, req)) continue;
      if (!(await opts.authorize(csr, r.subresource))) continue;
      return approve(r.successMessage);
    }
    return undefined;
  };
}

/** Starts the approving controller over the shared CSR informer, authorizing by SubjectAccessReview. */
export function startCsrApproving(opts: {
  client: KubeClient;
  informers: SharedInformers;
  log: Logger;
}): Promise<RunningController> {
  const csrs = opts.informers.informerFor(CSRS, 'full');
  const nodes = opts.informers.informerFor(NODES, 'full');
  return runController({
    name: 'csrapproving',
    log: opts.log,
    workers: 1,
    sources: [{ informer: csrs }],
    reconcile: csrApprovingReconciler({
      client: opts.client,
      csrs,
      nodes,
      authorize: subjectAccessReviewAuthorizer(opts.client),
    }),
  });
}
