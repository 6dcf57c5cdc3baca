/** Thrown by store calls after close(), and passed to onError of watches the close ended. */
export class StoreClosedError extends Error {
  readonly code = 'StoreClosed';
  constructor() {
    super('store is closed');
  }
}
