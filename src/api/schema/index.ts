/**
 * Schemas of the served kinds: navigable type info with patch metadata (for strategic merge patch
 * and server-side apply), structural validation (for fieldValidation), and the OpenAPI v3/v2
 * documents the API server serves. All built from generated/definitions.json
 * (scripts/gen-openapi.ts); nothing here touches the network or the store.
 */
export type { TypeInfo } from './type-info.js';
export { typeInfoFor } from './type-info.js';
export type { StructureResult } from './check-structure.js';
export { checkObjectMeta, checkStructure } from './check-structure.js';
export type { Schema, SchemaGvk, Definitions } from './json-schema.js';
export { DEFINITIONS, definitionNameFor } from './definitions.js';
export type { SerializedDocument } from './openapi-v3.js';
export { openApiV3Index, openApiV3IndexJson, openApiV3Document, openApiV3DocumentJson } from './openapi-v3.js';
export { openApiV2, openApiV2Json } from './openapi-v2.js';
export type { SerializedProtobufDocument } from './openapi-v2-protobuf.js';
export {
  negotiateOpenApiV2,
  OPENAPI_V2_PROTOBUF_ACCEPT,
  OPENAPI_V2_PROTOBUF_MEDIA_TYPE,
} from './openapi-v2-negotiation.js';
/** The gnostic protobuf form of /openapi/v2 is in ./openapi-v2-protobuf.js, imported on demand (it loads protobufjs). */
