import { ClientError } from '../../machinery/client/client-error.js';

/**
 * True for the API server's refusal to create in a terminating namespace (403, "... because it is
 * being terminated"): nothing to retry, the namespace controller is deleting the Service too. Pure.
 */
export function isNamespaceTerminating(err: unknown): boolean {
  return err instanceof ClientError && err.code === 403 && err.message.includes('being terminated');
}
