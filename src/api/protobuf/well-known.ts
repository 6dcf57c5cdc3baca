import { OPTION_INLINE, OPTION_KEEP, OPTION_PTR } from './schema/options.js';
import type protobuf from 'protobufjs';

/** Message names whose JSON form is not an object (see to-json.ts / from-json.ts). */
export const TIME = 'k8s.io.apimachinery.pkg.apis.meta.v1.Time';
export const MICRO_TIME = 'k8s.io.apimachinery.pkg.apis.meta.v1.MicroTime';
export const FIELDS_V1 = 'k8s.io.apimachinery.pkg.apis.meta.v1.FieldsV1';
export const INT_OR_STRING = 'k8s.io.apimachinery.pkg.util.intstr.IntOrString';
export const QUANTITY = 'k8s.io.apimachinery.pkg.api.resource.Quantity';

/** Fully qualified name of a message type, without protobufjs' leading dot. */
export function fullNameOf(type: protobuf.Type): string {
  return type.fullName.startsWith('.') ? type.fullName.slice(1) : type.fullName;
}

function option(field: protobuf.Field, name: string): boolean {
  return field.options?.[name] === true;
}

/** Go pointer scalar: presence on the wire is kept in JSON even for zero values. */
export const isPointer = (field: protobuf.Field): boolean => option(field, OPTION_PTR);
/** Go JSON tag without omitempty: zero values are kept. */
export const isKept = (field: protobuf.Field): boolean => option(field, OPTION_KEEP);
/** Go embedded struct with `json:",inline"`. */
export const isInline = (field: protobuf.Field): boolean => option(field, OPTION_INLINE);
