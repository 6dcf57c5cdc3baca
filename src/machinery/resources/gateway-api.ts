import type { KubeObject } from '../../api/object.js';
import { GATEWAY_GROUP } from '../../api/gateway/crds.js';
import type { Gateway, GatewayClass, GRPCRoute, HTTPRoute, ReferenceGrant } from '../../api/gateway/types.js';
import type { ResourceRef } from '../client/resource-path.js';
import type { TypedRef } from './resource.js';

// The Gateway API resources (CRDs installed at start, so not in the registry when modules load):
// plain references the client and informers accept, typed by src/api/gateway/types.ts.

type Ref<T> = TypedRef<KubeObject & T>;
const ref = <T>(plural: string, namespaced: boolean, version = 'v1'): Ref<T> =>
  ({ group: GATEWAY_GROUP, version, plural, namespaced }) satisfies ResourceRef;

export const GATEWAY_CLASSES = ref<GatewayClass>('gatewayclasses', false);
export const GATEWAYS = ref<Gateway>('gateways', true);
export const HTTP_ROUTES = ref<HTTPRoute>('httproutes', true);
export const GRPC_ROUTES = ref<GRPCRoute>('grpcroutes', true);
export const REFERENCE_GRANTS = ref<ReferenceGrant>('referencegrants', true, 'v1beta1');
