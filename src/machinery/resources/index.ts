/** Typed resource descriptors: `Resource<T>` over the API's registry, and the well-known built-ins. */
export { servedResource, type ObjectOf, type Resource, type TypedRef } from './resource.js';
export * from './well-known.js';
