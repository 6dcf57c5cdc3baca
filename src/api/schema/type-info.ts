/**
 * A navigable view of one type's schema, with the Kubernetes patch metadata that strategic merge
 * patch and server-side apply need. Produced by the schema module from the OpenAPI definitions;
 * consumed by src/api/patch. `undefined` from `field`/`elements` means "no schema known here":
 * treat the value as atomic JSON.
 */
export interface TypeInfo {
  kind: 'object' | 'array' | 'map' | 'scalar' | 'unknown';
  /** Type of an object's field, carrying that field's own patch annotations. */
  field(name: string): TypeInfo | undefined;
  /** Element type of an array, value type of a map. */
  elements(): TypeInfo | undefined;
  /** x-kubernetes-patch-strategy of the field this type was reached through: 'merge', 'replace', 'retainKeys', 'merge,retainKeys'. */
  patchStrategy?: string;
  /** x-kubernetes-patch-merge-key, e.g. 'name' for containers, 'containerPort' for ports. */
  patchMergeKey?: string;
  /** x-kubernetes-list-type: 'atomic' | 'set' | 'map'. */
  listType?: string;
  /** x-kubernetes-list-map-keys, e.g. ['containerPort', 'protocol']. */
  listMapKeys?: string[];
  /** x-kubernetes-map-type: 'atomic' | 'granular'. */
  mapType?: string;
}
