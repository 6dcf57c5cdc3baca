/** TLS material of the API server: a CA, the serving certificate and the admin client certificate. */
export { ensureTls, type EnsureTlsOptions, type EnsureTlsResult } from './ensure-tls.js';
export { servingNames, type ServingNames } from '../../machinery/pki/serving-names.js';
export { TLS_FILES, tlsDir, type TlsMaterial } from './tls-material.js';
export { readOptionalFile, writePrivateFile } from './private-file.js';
