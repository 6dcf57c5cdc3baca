/**
 * Field options used in the .proto texts of this folder, beyond what go-to-protobuf writes.
 * They carry the Go facts the protobuf schema loses and that the JSON form depends on:
 *  - `(ptr)=true`    the Go field is a pointer scalar: present on the wire means set, even when
 *                    zero (e.g. `replicas: 0`), so it is kept in JSON.
 *  - `(keep)=true`   the Go JSON tag has no `omitempty`: zero values are kept (`port: 0`, `value: 0`).
 *  - `(inline)=true` the Go field is embedded with `json:",inline"`: its fields belong to the parent
 *                    JSON object (Volume.volumeSource, Probe.handler, ConfigMapKeySelector.localObjectReference, ...).
 * Scalars without either option are Go non-pointer `omitempty` fields: zero values are dropped.
 */
export const OPTION_PTR = '(ptr)';
export const OPTION_KEEP = '(keep)';
export const OPTION_INLINE = '(inline)';
