/**
 * Content negotiation for /openapi/v2, kept apart from the protobuf encoder so that answering
 * (and the API server's start-up) does not load protobufjs until a client asks for protobuf.
 */

/** The media type client-go asks /openapi/v2 for (Accept). */
export const OPENAPI_V2_PROTOBUF_ACCEPT = 'application/com.github.proto-openapi.spec.v2@v1.0+protobuf';
/**
 * The Content-Type of the protobuf answer, as kube-openapi sends it: the same type with `.` for `@`
 * (client-go runs the response Content-Type through Go's mime.ParseMediaType, which rejects `@`
 * and turns the answer into "Internal error occurred: mime: unexpected content after media subtype").
 * Also accepted in Accept.
 */
export const OPENAPI_V2_PROTOBUF_MEDIA_TYPE = 'application/com.github.proto-openapi.spec.v2.v1.0+protobuf';

/**
 * Which representation of /openapi/v2 an Accept header asks for: the first listed media type that
 * is served wins (protobuf, or JSON for json / * / * / application/*); none listed means JSON;
 * undefined when nothing listed is served (406).
 */
export function negotiateOpenApiV2(accept: string | undefined): 'protobuf' | 'json' | undefined {
  if (!accept || accept.trim() === '') return 'json';
  const ranges = accept
    .split(',')
    .map((part, i) => {
      const [type = '', ...params] = part.split(';').map((x) => x.trim());
      const qParam = params.find((x) => x.startsWith('q='));
      return { type: type.toLowerCase(), q: qParam ? Number(qParam.slice(2)) : 1, i };
    })
    .filter((r) => r.type !== '' && !(r.q <= 0))
    .sort((a, b) => b.q - a.q || a.i - b.i);
  for (const r of ranges) {
    if (r.type === OPENAPI_V2_PROTOBUF_ACCEPT || r.type === OPENAPI_V2_PROTOBUF_MEDIA_TYPE) return 'protobuf';
    if (r.type === 'application/json' || r.type === '*/*' || r.type === 'application/*') return 'json';
  }
  return undefined;
}
