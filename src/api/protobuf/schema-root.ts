import protobuf from 'protobufjs';
import { META_PROTO, INTSTR_PROTO, RESOURCE_PROTO, META_V1_PROTO } from './schema/meta.js';
import { CORE_V1_PROTO } from './schema/core-v1.js';
import { APPS_V1_PROTO, BATCH_V1_PROTO } from './schema/workloads.js';
import {
  RBAC_V1_PROTO,
  AUTHENTICATION_V1_PROTO,
  AUTHORIZATION_V1_PROTO,
  SELF_SUBJECT_REVIEW_PROTOS,
} from './schema/access.js';
import { SCHEDULING_V1_PROTO, POLICY_V1_PROTO, NETWORKING_V1_PROTO } from './schema/cluster.js';
import { AUTOSCALING_V1_PROTO, AUTOSCALING_V2_PROTO } from './schema/autoscaling.js';
import { CERTIFICATES_V1_PROTO } from './schema/certificates.js';

const PROTO_TEXTS = [
  META_PROTO,
  INTSTR_PROTO,
  RESOURCE_PROTO,
  META_V1_PROTO,
  CORE_V1_PROTO,
  APPS_V1_PROTO,
  BATCH_V1_PROTO,
  RBAC_V1_PROTO,
  AUTHENTICATION_V1_PROTO,
  AUTHORIZATION_V1_PROTO,
  ...SELF_SUBJECT_REVIEW_PROTOS,
  SCHEDULING_V1_PROTO,
  POLICY_V1_PROTO,
  NETWORKING_V1_PROTO,
  AUTOSCALING_V1_PROTO,
  AUTOSCALING_V2_PROTO,
  CERTIFICATES_V1_PROTO,
];

let cached: protobuf.Root | undefined;

/** The protobufjs Root holding every schema of this folder, parsed (field names kept as written)
 *  and resolved once, on first use. Throws only if a schema text is itself broken. */
export function schemaRoot(): protobuf.Root {
  if (!cached) {
    const root = new protobuf.Root();
    for (const text of PROTO_TEXTS) protobuf.parse(text, root, { keepCase: true });
    root.resolveAll();
    cached = root;
  }
  return cached;
}

/** The message type with this fully qualified name (no leading dot), e.g. `k8s.io.api.core.v1.Pod`. */
export function messageType(fullName: string): protobuf.Type {
  return schemaRoot().lookupType(fullName);
}
