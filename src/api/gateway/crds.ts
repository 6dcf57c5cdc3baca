import type { CustomResourceDefinition, JSONSchemaProps } from 'kubernetes-types/apiextensions/v1.js';

/**
 * The Gateway API standard channel as CustomResourceDefinitions, installed at start through the
 * CRD machinery (so discovery, OpenAPI, `kubectl explain`, tables and CEL validation treat them as
 * any CRD). Field names, types, enums, patterns, limits, defaults, printer columns and the
 * x-kubernetes-validations below are those of the upstream standard-install CRDs of
 * kubernetes-sigs/gateway-api v1.2.1 (config/crd/standard); descriptions are shortened to one line
 * (the upstream text is about 600 KB). Versions served: GatewayClass, Gateway, HTTPRoute v1 (and
 * v1beta1, same schema), GRPCRoute v1, ReferenceGrant v1beta1. Pure data.
 */

export const GATEWAY_GROUP = 'gateway.networking.k8s.io';
export const GATEWAY_API_BUNDLE_VERSION = 'v1.2.1';

/** A schema node as served (kubernetes-types spells the x-kubernetes-* keys differently). */
type S = { [k: string]: unknown };
const str = (description: string, o: Partial<S> = {}): S => ({ type: 'string', description, ...o });
const int = (description: string, o: Partial<S> = {}): S => ({ type: 'integer', format: 'int32', description, ...o });
const obj = (description: string, properties: Record<string, S>, o: Partial<S> = {}): S => ({
  type: 'object',
  description,
  properties,
  ...o,
});
const arr = (description: string, items: S, o: Partial<S> = {}): S => ({ type: 'array', description, items, ...o });
const rule = (r: string, message: string) => ({ rule: r, message });

const DNS_LABELS = '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*';
const group = (d = 'Group is the group of the referent.') => str(d, { maxLength: 253, pattern: `^$|^${DNS_LABELS}$` });
const kind = (d = 'Kind is kind of the referent.') =>
  str(d, { maxLength: 63, minLength: 1, pattern: '^[a-zA-Z]([-a-zA-Z0-9]*[a-zA-Z0-9])?$' });
const name = (d = 'Name is the name of the referent.') => str(d, { maxLength: 253, minLength: 1 });
const namespace = (d = 'Namespace is the namespace of the referent.') =>
  str(d, { maxLength: 63, minLength: 1, pattern: '^[a-z0-9]([-a-z0-9]*[a-z0-9])?$' });
const sectionName = (d = 'SectionName is the name of a section within the target resource.') =>
  str(d, { maxLength: 253, minLength: 1, pattern: `^${DNS_LABELS}$` });
const hostname = (
  d = 'Hostname is the fully qualified domain name of a network host (a wildcard prefix `*.` allowed).',
) => str(d, { maxLength: 253, minLength: 1, pattern: `^(\\*\\.)?${DNS_LABELS}$` });
const preciseHostname = (d: string) => str(d, { maxLength: 253, minLength: 1, pattern: `^${DNS_LABELS}$` });
const port = (d = 'Port is the port number.') => int(d, { maximum: 65535, minimum: 1 });
const duration = (d: string) => str(d, { pattern: '^([0-9]{1,5}(h|m|s|ms)){1,4}$' });
const headerName = (d = 'Name is the name of the HTTP header (case-insensitive).') =>
  str(d, { maxLength: 256, minLength: 1, pattern: "^[A-Za-z0-9!#$%&'*+\\-.^_\\x60|~]+$" });

const condition: S = obj(
  'Condition contains details for one aspect of the current state of this API resource.',
  {
    lastTransitionTime: str('The last time the condition transitioned from one status to another.', {
      format: 'date-time',
    }),
    message: str('A human readable message indicating details about the transition.', { maxLength: 32768 }),
    observedGeneration: {
      type: 'integer',
      format: 'int64',
      minimum: 0,
      description: 'The .metadata.generation that the condition was set based upon.',
    },
    reason: str("A programmatic identifier of the condition's last transition.", {
      maxLength: 1024,
      minLength: 1,
      pattern: '^[A-Za-z]([A-Za-z0-9_,:]*[A-Za-z0-9_])?$',
    }),
    status: str('Status of the condition, one of True, False, Unknown.', { enum: ['True', 'False', 'Unknown'] }),
    type: str('Type of condition in CamelCase or in foo.example.com/CamelCase.', {
      maxLength: 316,
      pattern:
        '^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*/)?(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])$',
    }),
  },
  { required: ['lastTransitionTime', 'message', 'reason', 'status', 'type'] },
);
const conditions = (d: string, o: Partial<S> = {}): S =>
  arr(d, condition, { maxItems: 8, 'x-kubernetes-list-map-keys': ['type'], 'x-kubernetes-list-type': 'map', ...o });
const pending = (type: string) => ({
  lastTransitionTime: '1970-01-01T00:00:00Z',
  message: 'Waiting for controller',
  reason: 'Pending',
  status: 'Unknown',
  type,
});

// ---- GatewayClass -------------------------------------------------------------------------

const gatewayClassSchema: S = obj(
  'GatewayClass describes a class of Gateways available to the user.',
  {
    apiVersion: str('APIVersion defines the versioned schema of this representation of an object.'),
    kind: str('Kind is a string value representing the REST resource this object represents.'),
    metadata: { type: 'object' },
    spec: obj(
      'Spec defines the desired state of GatewayClass.',
      {
        controllerName: str('The name of the controller managing Gateways of this class (a domain prefixed path).', {
          maxLength: 253,
          minLength: 1,
          pattern: `^${DNS_LABELS}\\/[A-Za-z0-9\\/\\-._~%!$&'()*+,;=:]+$`,
          'x-kubernetes-validations': [rule('self == oldSelf', 'Value is immutable')],
        }),
        description: str('Description helps describe a GatewayClass with more details.', { maxLength: 64 }),
        parametersRef: obj(
          'A reference to a resource that contains the configuration parameters of the class.',
          { group: group(), kind: kind(), name: name(), namespace: namespace() },
          { required: ['group', 'kind', 'name'] },
        ),
      },
      { required: ['controllerName'] },
    ),
    status: obj(
      'Status defines the current state of GatewayClass.',
      {
        conditions: conditions('Conditions is the current status from the controller for this GatewayClass.', {
          default: [pending('Accepted')],
        }),
        supportedFeatures: arr(
          'SupportedFeatures is the set of features the GatewayClass supports.',
          str('FeatureName names a feature covered by conformance tests.'),
          { maxItems: 64, 'x-kubernetes-list-type': 'set' },
        ),
      },
      { default: { conditions: [pending('Accepted')] } },
    ),
  },
  { required: ['spec'] },
);

// ---- Gateway ------------------------------------------------------------------------------

const secretObjectRef = obj(
  'A reference to a Kubernetes object holding a certificate (a Secret by default).',
  {
    group: { ...group('Group is the group of the referent ("" for the core group).'), default: '' },
    kind: { ...kind('Kind is kind of the referent, "Secret" by default.'), default: 'Secret' },
    name: name(),
    namespace: namespace('Namespace of the referent; a ReferenceGrant is needed for another namespace.'),
  },
  { required: ['name'] },
);

const routeGroupKind = obj(
  'RouteGroupKind indicates the group and kind of a Route resource.',
  { group: { ...group(), default: GATEWAY_GROUP }, kind: kind('Kind is the kind of the Route.') },
  { required: ['kind'] },
);

const labelSelector = obj(
  'A label query over a set of resources.',
  {
    matchExpressions: arr(
      'A list of label selector requirements (ANDed).',
      obj(
        'A selector requirement.',
        {
          key: str('The label key that the selector applies to.'),
          operator: str("The key's relationship to the values: In, NotIn, Exists and DoesNotExist."),
          values: arr('An array of string values.', str('A value.'), { 'x-kubernetes-list-type': 'atomic' }),
        },
        { required: ['key', 'operator'] },
      ),
      { 'x-kubernetes-list-type': 'atomic' },
    ),
    matchLabels: {
      type: 'object',
      description: 'A map of {key,value} pairs.',
      additionalProperties: { type: 'string' },
    },
  },
  { 'x-kubernetes-map-type': 'atomic' },
);

const listener = obj(
  'Listener embodies the concept of a logical endpoint where a Gateway accepts network connections.',
  {
    name: sectionName('Name is the name of the Listener, unique within a Gateway.'),
    hostname: hostname('Hostname specifies the virtual hostname to match for protocol types that define this concept.'),
    port: port('Port is the network port.'),
    protocol: str('Protocol specifies the network protocol this listener expects to receive.', {
      maxLength: 255,
      minLength: 1,
      pattern: `^[a-zA-Z0-9]([-a-zA-Z0-9]*[a-zA-Z0-9])?$|${DNS_LABELS}\\/[A-Za-z0-9]+$`,
    }),
    tls: obj(
      'TLS is the TLS configuration for the Listener (required for HTTPS and TLS).',
      {
        certificateRefs: arr('CertificateRefs contains a series of references to TLS certificates.', secretObjectRef, {
          maxItems: 64,
        }),
        mode: str('Mode defines the TLS behavior for the TLS session initiated by the client.', {
          default: 'Terminate',
          enum: ['Terminate', 'Passthrough'],
        }),
        options: {
          type: 'object',
          description: 'Implementation-specific TLS options.',
          additionalProperties: str('An option value.', { maxLength: 4096, minLength: 0 }),
          maxProperties: 16,
        },
      },
      {
        'x-kubernetes-validations': [
          rule(
            "self.mode == 'Terminate' ? size(self.certificateRefs) > 0 || size(self.options) > 0 : true",
            'certificateRefs or options must be specified when mode is Terminate',
          ),
        ],
      },
    ),
    allowedRoutes: obj(
      'AllowedRoutes defines the types of routes that MAY be attached to a Listener.',
      {
        kinds: arr(
          'Kinds specifies the groups and kinds of Routes that are allowed to bind to this listener.',
          routeGroupKind,
          {
            maxItems: 8,
          },
        ),
        namespaces: obj(
          'Namespaces indicates namespaces from which Routes may be attached to this Listener.',
          {
            from: str('From indicates where Routes will be selected for this Gateway.', {
              default: 'Same',
              enum: ['All', 'Selector', 'Same'],
            }),
            selector: labelSelector,
          },
          { default: { from: 'Same' } },
        ),
      },
      { default: { namespaces: { from: 'Same' } } },
    ),
  },
  { required: ['name', 'port', 'protocol'] },
);

const gatewaySpecAddress = obj(
  'GatewayAddress describes an address that can be bound to a Gateway.',
  {
    type: str('Type of the address.', {
      default: 'IPAddress',
      maxLength: 253,
      minLength: 1,
      pattern: `^Hostname|IPAddress|NamedAddress|${DNS_LABELS}\\/[A-Za-z0-9\\/\\-._~%!$&'()*+,;=:]+$`,
    }),
    value: str('Value of the address.', { maxLength: 253, minLength: 1 }),
  },
  {
    required: ['value'],
    'x-kubernetes-validations': [
      rule(
        'self.type == \'Hostname\' ? self.value.matches(r"""^(\\*\\.)?[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$"""): true',
        'Hostname value must only contain valid characters (matching ^(\\*\\.)?[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$)',
      ),
    ],
  },
);

const gatewaySchema: S = obj(
  'Gateway represents an instance of a service-traffic handling infrastructure.',
  {
    apiVersion: str('APIVersion defines the versioned schema of this representation of an object.'),
    kind: str('Kind is a string value representing the REST resource this object represents.'),
    metadata: { type: 'object' },
    spec: obj(
      'Spec defines the desired state of Gateway.',
      {
        addresses: arr('Addresses requested for this Gateway.', gatewaySpecAddress, {
          maxItems: 16,
          'x-kubernetes-validations': [
            rule(
              "self.all(a1, a1.type == 'IPAddress' ? self.exists_one(a2, a2.type == a1.type && a2.value == a1.value) : true )",
              'IPAddress values must be unique',
            ),
            rule(
              "self.all(a1, a1.type == 'Hostname' ? self.exists_one(a2, a2.type == a1.type && a2.value == a1.value) : true )",
              'Hostname values must be unique',
            ),
          ],
        }),
        gatewayClassName: name('GatewayClassName used for this Gateway.'),
        infrastructure: obj('Infrastructure defines infrastructure level attributes about this Gateway instance.', {
          annotations: {
            type: 'object',
            description: 'Annotations for resources created in response to this Gateway.',
            additionalProperties: str('An annotation value.', { maxLength: 4096 }),
            maxProperties: 8,
          },
          labels: {
            type: 'object',
            description: 'Labels for resources created in response to this Gateway.',
            additionalProperties: str('A label value.', { maxLength: 63 }),
            maxProperties: 8,
          },
          parametersRef: obj(
            'A reference to a resource that contains the configuration parameters of this Gateway.',
            { group: group(), kind: kind(), name: name() },
            { required: ['group', 'kind', 'name'] },
          ),
        }),
        listeners: arr('Listeners associated with this Gateway (at least one).', listener, {
          maxItems: 64,
          minItems: 1,
          'x-kubernetes-list-map-keys': ['name'],
          'x-kubernetes-list-type': 'map',
          'x-kubernetes-validations': [
            rule(
              "self.all(l, l.protocol in ['HTTP', 'TCP', 'UDP'] ? !has(l.tls) : true)",
              "tls must not be specified for protocols ['HTTP', 'TCP', 'UDP']",
            ),
            rule(
              "self.all(l, l.protocol in ['HTTPS', 'TLS'] ? has(l.tls) : true)",
              "tls mode must be set for protocols ['HTTPS', 'TLS']",
            ),
            rule(
              "self.all(l, l.protocol in ['TCP', 'UDP']  ? (!has(l.hostname) || l.hostname == '') : true)",
              "hostname must not be specified for protocols ['TCP', 'UDP']",
            ),
            rule(
              'self.all(l1, self.exists_one(l2, l1.name == l2.name))',
              'Listener name must be unique within the Gateway',
            ),
            rule(
              'self.all(l1, self.exists_one(l2, l1.port == l2.port && l1.protocol == l2.protocol && (has(l1.hostname) && has(l2.hostname) ? l1.hostname == l2.hostname : !has(l1.hostname) && !has(l2.hostname))))',
              'Combination of port, protocol and hostname must be unique for each listener',
            ),
          ],
        }),
      },
      { required: ['gatewayClassName', 'listeners'] },
    ),
    status: obj(
      'Status defines the current state of Gateway.',
      {
        addresses: arr(
          'Addresses lists the network addresses that have been bound to the Gateway.',
          obj(
            'GatewayStatusAddress describes a network address that is bound to a Gateway.',
            {
              type: str('Type of the address.', { default: 'IPAddress', maxLength: 253, minLength: 1 }),
              value: str('Value of the address.', { maxLength: 253, minLength: 1 }),
            },
            { required: ['value'] },
          ),
          { maxItems: 16 },
        ),
        conditions: conditions('Conditions describe the current conditions of the Gateway.', {
          default: [pending('Accepted'), pending('Programmed')],
        }),
        listeners: arr(
          'Listeners provide status for each unique listener port defined in the Spec.',
          obj(
            'ListenerStatus is the status associated with a Listener.',
            {
              attachedRoutes: int('The total number of Routes that have been successfully attached to this Listener.'),
              conditions: conditions('Conditions describe the current condition of this listener.'),
              name: sectionName('Name is the name of the Listener that this status corresponds to.'),
              supportedKinds: arr(
                'SupportedKinds is the list indicating the Kinds supported by this listener.',
                routeGroupKind,
                {
                  maxItems: 8,
                },
              ),
            },
            { required: ['attachedRoutes', 'conditions', 'name', 'supportedKinds'] },
          ),
          { maxItems: 64, 'x-kubernetes-list-map-keys': ['name'], 'x-kubernetes-list-type': 'map' },
        ),
      },
      { default: { conditions: [pending('Accepted'), pending('Programmed')] } },
    ),
  },
  { required: ['spec'] },
);

// ---- Routes (shared parts) ------------------------------------------------------------------

const parentRef = obj(
  'ParentReference identifies an API object (usually a Gateway) that this Route wants to attach to.',
  {
    group: { ...group(), default: GATEWAY_GROUP },
    kind: { ...kind(), default: 'Gateway' },
    name: name(),
    namespace: namespace("Namespace is the namespace of the referent (the Route's namespace when unset)."),
    port: port('Port is the network port this Route targets.'),
    sectionName: sectionName(),
  },
  { required: ['name'] },
);
const parentRefs = arr(
  'ParentRefs references the resources (usually Gateways) that a Route wants to be attached to.',
  parentRef,
  {
    maxItems: 32,
    'x-kubernetes-validations': [
      rule(
        "self.all(p1, self.all(p2, p1.group == p2.group && p1.kind == p2.kind && p1.name == p2.name && (((!has(p1.__namespace__) || p1.__namespace__ == '') && (!has(p2.__namespace__) || p2.__namespace__ == '')) || (has(p1.__namespace__) && has(p2.__namespace__) && p1.__namespace__ == p2.__namespace__ )) ? ((!has(p1.sectionName) || p1.sectionName == '') == (!has(p2.sectionName) || p2.sectionName == '')) : true))",
        'sectionName must be specified when parentRefs includes 2 or more references to the same parent',
      ),
      rule(
        "self.all(p1, self.exists_one(p2, p1.group == p2.group && p1.kind == p2.kind && p1.name == p2.name && (((!has(p1.__namespace__) || p1.__namespace__ == '') && (!has(p2.__namespace__) || p2.__namespace__ == '')) || (has(p1.__namespace__) && has(p2.__namespace__) && p1.__namespace__ == p2.__namespace__ )) && (((!has(p1.sectionName) || p1.sectionName == '') && (!has(p2.sectionName) || p2.sectionName == '')) || (has(p1.sectionName) && has(p2.sectionName) && p1.sectionName == p2.sectionName))))",
        'sectionName must be unique when parentRefs includes 2 or more references to the same parent',
      ),
    ],
  },
);
const hostnames = arr('Hostnames defines a set of hostnames to match against the HTTP Host header.', hostname(), {
  maxItems: 16,
});

const headerModifier = (d: string) => {
  const header = obj(
    'HTTPHeader represents an HTTP header name and value.',
    {
      name: headerName(),
      value: str('Value is the value of the HTTP header.', { maxLength: 4096, minLength: 1 }),
    },
    { required: ['name', 'value'] },
  );
  const list = (ld: string) =>
    arr(ld, header, { maxItems: 16, 'x-kubernetes-list-map-keys': ['name'], 'x-kubernetes-list-type': 'map' });
  return obj(d, {
    add: list('Add adds the given header(s) (name, value) to the request before the action.'),
    remove: arr('Remove the given header(s) from the HTTP request before the action.', str('A header name.'), {
      maxItems: 16,
      'x-kubernetes-list-type': 'set',
    }),
    set: list('Set overwrites the request with the given header (name, value) before the action.'),
  });
};

const backendObjectRef = (d: string, withWeight: boolean, filters?: S): S => {
  const props: Record<string, S> = {
    group: { ...group('Group is the group of the referent ("" for the core group).'), default: '' },
    kind: {
      ...kind('Kind is the Kubernetes resource kind of the referent, "Service" by default.'),
      default: 'Service',
    },
    name: name(),
    namespace: namespace('Namespace of the backend; a ReferenceGrant is needed for another namespace.'),
    port: port('Port specifies the destination port number to use for this resource.'),
  };
  if (withWeight)
    props.weight = int('Weight specifies the proportion of requests forwarded to the referenced backend.', {
      default: 1,
      maximum: 1000000,
      minimum: 0,
    });
  if (filters) props.filters = filters;
  return obj(d, props, {
    required: ['name'],
    'x-kubernetes-validations': [
      rule(
        "(size(self.group) == 0 && self.kind == 'Service') ? has(self.port) : true",
        'Must have port for Service reference',
      ),
    ],
  });
};

const mirror = obj(
  'RequestMirror defines a schema for a filter that mirrors requests.',
  { backendRef: backendObjectRef('BackendRef references a resource where mirrored requests are sent.', false) },
  { required: ['backendRef'] },
);
const extensionRef = obj(
  'ExtensionRef is an optional, implementation-specific extension to the filter behavior.',
  { group: group(), kind: kind(), name: name() },
  { required: ['group', 'kind', 'name'] },
);

const pathModifier = obj(
  'HTTPPathModifier defines configuration for path modifiers.',
  {
    replaceFullPath: str('ReplaceFullPath specifies the value with which to replace the full path of a request.', {
      maxLength: 1024,
    }),
    replacePrefixMatch: str('ReplacePrefixMatch specifies the value with which to replace the prefix match.', {
      maxLength: 1024,
    }),
    type: str('Type defines the type of path modifier.', { enum: ['ReplaceFullPath', 'ReplacePrefixMatch'] }),
  },
  {
    required: ['type'],
    'x-kubernetes-validations': [
      rule(
        "self.type == 'ReplaceFullPath' ? has(self.replaceFullPath) : true",
        "replaceFullPath must be specified when type is set to 'ReplaceFullPath'",
      ),
      rule(
        "has(self.replaceFullPath) ? self.type == 'ReplaceFullPath' : true",
        "type must be 'ReplaceFullPath' when replaceFullPath is set",
      ),
      rule(
        "self.type == 'ReplacePrefixMatch' ? has(self.replacePrefixMatch) : true",
        "replacePrefixMatch must be specified when type is set to 'ReplacePrefixMatch'",
      ),
      rule(
        "has(self.replacePrefixMatch) ? self.type == 'ReplacePrefixMatch' : true",
        "type must be 'ReplacePrefixMatch' when replacePrefixMatch is set",
      ),
    ],
  },
);

const filterTypeRules = (types: [string, string][]) =>
  types.flatMap(([field, type]) => [
    rule(
      `!(has(self.${field}) && self.type != '${type}')`,
      `filter.${field} must be nil if the filter.type is not ${type}`,
    ),
    rule(
      `!(!has(self.${field}) && self.type == '${type}')`,
      `filter.${field} must be specified for ${type} filter.type`,
    ),
  ]);

const httpFilter = (): S =>
  obj(
    'HTTPRouteFilter defines processing steps that must be completed during the request or response lifecycle.',
    {
      extensionRef,
      requestHeaderModifier: headerModifier(
        'RequestHeaderModifier defines a schema for a filter that modifies request headers.',
      ),
      requestMirror: mirror,
      requestRedirect: obj(
        'RequestRedirect defines a schema for a filter that responds to the request with an HTTP redirection.',
        {
          hostname: preciseHostname('Hostname is the hostname to be used in the value of the `Location` header.'),
          path: pathModifier,
          port: port('Port is the port to be used in the value of the `Location` header.'),
          scheme: str('Scheme is the scheme to be used in the value of the `Location` header.', {
            enum: ['http', 'https'],
          }),
          statusCode: {
            type: 'integer',
            description: 'StatusCode is the HTTP status code to be used in response.',
            default: 302,
            enum: [301, 302],
          },
        },
      ),
      responseHeaderModifier: headerModifier(
        'ResponseHeaderModifier defines a schema for a filter that modifies response headers.',
      ),
      type: str('Type identifies the type of filter to apply.', {
        enum: [
          'RequestHeaderModifier',
          'ResponseHeaderModifier',
          'RequestMirror',
          'RequestRedirect',
          'URLRewrite',
          'ExtensionRef',
        ],
      }),
      urlRewrite: obj('URLRewrite defines a schema for a filter that modifies a request during forwarding.', {
        hostname: preciseHostname(
          'Hostname is the value to be used to replace the Host header value during forwarding.',
        ),
        path: pathModifier,
      }),
    },
    {
      required: ['type'],
      'x-kubernetes-validations': filterTypeRules([
        ['requestHeaderModifier', 'RequestHeaderModifier'],
        ['responseHeaderModifier', 'ResponseHeaderModifier'],
        ['requestMirror', 'RequestMirror'],
        ['requestRedirect', 'RequestRedirect'],
        ['urlRewrite', 'URLRewrite'],
        ['extensionRef', 'ExtensionRef'],
      ]),
    },
  );

const httpFilters = (d: string): S =>
  arr(d, httpFilter(), {
    maxItems: 16,
    'x-kubernetes-validations': [
      rule(
        "!(self.exists(f, f.type == 'RequestRedirect') && self.exists(f, f.type == 'URLRewrite'))",
        'May specify either httpRouteFilterRequestRedirect or httpRouteFilterRequestRewrite, but not both',
      ),
      rule(
        "self.filter(f, f.type == 'RequestHeaderModifier').size() <= 1",
        'RequestHeaderModifier filter cannot be repeated',
      ),
      rule(
        "self.filter(f, f.type == 'ResponseHeaderModifier').size() <= 1",
        'ResponseHeaderModifier filter cannot be repeated',
      ),
      rule("self.filter(f, f.type == 'RequestRedirect').size() <= 1", 'RequestRedirect filter cannot be repeated'),
      rule("self.filter(f, f.type == 'URLRewrite').size() <= 1", 'URLRewrite filter cannot be repeated'),
    ],
  });

const headerMatch = (d: string, types: string[]) =>
  obj(
    d,
    {
      name: headerName(),
      type: str('Type specifies how to match against the value of the header.', { default: 'Exact', enum: types }),
      value: str('Value is the value of HTTP Header to be matched.', { maxLength: 4096, minLength: 1 }),
    },
    { required: ['name', 'value'] },
  );

const httpMatch = obj('HTTPRouteMatch defines the predicate used to match requests to a given action.', {
  headers: arr(
    'Headers specifies HTTP request header matchers (ANDed).',
    headerMatch('HTTPHeaderMatch describes how to select a HTTP route by matching HTTP request headers.', [
      'Exact',
      'RegularExpression',
    ]),
    {
      maxItems: 16,
      'x-kubernetes-list-map-keys': ['name'],
      'x-kubernetes-list-type': 'map',
    },
  ),
  method: str('Method specifies HTTP method matcher.', {
    enum: ['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'CONNECT', 'OPTIONS', 'TRACE', 'PATCH'],
  }),
  path: obj(
    'Path specifies a HTTP request path matcher.',
    {
      type: str('Type specifies how to match against the path Value.', {
        default: 'PathPrefix',
        enum: ['Exact', 'PathPrefix', 'RegularExpression'],
      }),
      value: str('Value of the HTTP path to match against.', { default: '/', maxLength: 1024 }),
    },
    {
      default: { type: 'PathPrefix', value: '/' },
      'x-kubernetes-validations': [
        rule(
          "(self.type in ['Exact','PathPrefix']) ? self.value.startsWith('/') : true",
          "value must be an absolute path and start with '/' when type one of ['Exact', 'PathPrefix']",
        ),
        rule(
          "(self.type in ['Exact','PathPrefix']) ? !self.value.contains('//') : true",
          "must not contain '//' when type one of ['Exact', 'PathPrefix']",
        ),
        rule(
          "(self.type in ['Exact','PathPrefix']) ? !self.value.contains('/./') : true",
          "must not contain '/./' when type one of ['Exact', 'PathPrefix']",
        ),
        rule(
          "(self.type in ['Exact','PathPrefix']) ? !self.value.contains('/../') : true",
          "must not contain '/../' when type one of ['Exact', 'PathPrefix']",
        ),
        rule(
          "(self.type in ['Exact','PathPrefix']) ? !self.value.contains('%2f') && !self.value.contains('%2F') : true",
          "must not contain '%2f' or '%2F' when type one of ['Exact', 'PathPrefix']",
        ),
        rule(
          "(self.type in ['Exact','PathPrefix']) ? !self.value.contains('#') : true",
          "must not contain '#' when type one of ['Exact', 'PathPrefix']",
        ),
        rule(
          "(self.type in ['Exact','PathPrefix']) ? !self.value.endsWith('/..') : true",
          "must not end with '/..' when type one of ['Exact', 'PathPrefix']",
        ),
        rule(
          "(self.type in ['Exact','PathPrefix']) ? !self.value.endsWith('/.') : true",
          "must not end with '/.' when type one of ['Exact', 'PathPrefix']",
        ),
        rule(
          "self.type in ['Exact','PathPrefix'] || self.type == 'RegularExpression'",
          "type must be one of ['Exact', 'PathPrefix', 'RegularExpression']",
        ),
        rule(
          '(self.type in [\'Exact\',\'PathPrefix\']) ? self.value.matches(r"""^(?:[-A-Za-z0-9/._~!$&\'()*+,;=:@]|[%][0-9a-fA-F]{2})+$""") : true',
          "must only contain valid characters (matching ^(?:[-A-Za-z0-9/._~!$&'()*+,;=:@]|[%][0-9a-fA-F]{2})+$) for types ['Exact', 'PathPrefix']",
        ),
      ],
    },
  ),
  queryParams: arr(
    'QueryParams specifies HTTP query parameter matchers (ANDed).',
    headerMatch('HTTPQueryParamMatch describes how to select a HTTP route by matching HTTP query parameters.', [
      'Exact',
      'RegularExpression',
    ]),
    {
      maxItems: 16,
      'x-kubernetes-list-map-keys': ['name'],
      'x-kubernetes-list-type': 'map',
    },
  ),
});

const httpRule = obj(
  'HTTPRouteRule defines semantics for matching an HTTP request based on conditions (matches), processing it (filters), and forwarding the request to an API object (backendRefs).',
  {
    backendRefs: arr(
      'BackendRefs defines the backend(s) where matching requests should be sent.',
      backendObjectRef(
        'HTTPBackendRef defines how a HTTPRoute forwards a HTTP request.',
        true,
        httpFilters(
          'Filters defined at this level are executed if and only if the request is being forwarded to the backend defined here.',
        ),
      ),
      { maxItems: 16 },
    ),
    filters: httpFilters('Filters define the filters that are applied to requests that match this rule.'),
    matches: arr(
      'Matches define conditions used for matching the rule against incoming HTTP requests (ORed).',
      httpMatch,
      {
        default: [{ path: { type: 'PathPrefix', value: '/' } }],
        maxItems: 64,
      },
    ),
    timeouts: obj(
      'Timeouts defines the timeouts that can be configured for an HTTP request.',
      {
        backendRequest: duration(
          'BackendRequest specifies a timeout for an individual request from the gateway to a backend.',
        ),
        request: duration('Request specifies the maximum duration for a gateway to respond to an HTTP request.'),
      },
      {
        'x-kubernetes-validations': [
          rule(
            "!(has(self.request) && has(self.backendRequest) && duration(self.request) != duration('0s') && duration(self.backendRequest) > duration(self.request))",
            'backendRequest timeout cannot be longer than request timeout',
          ),
        ],
      },
    ),
  },
  {
    'x-kubernetes-validations': [
      rule(
        '(has(self.backendRefs) && size(self.backendRefs) > 0) ? (!has(self.filters) || self.filters.all(f, !has(f.requestRedirect))): true',
        'RequestRedirect filter must not be used together with backendRefs',
      ),
      rule(
        "(has(self.filters) && self.filters.exists_one(f, has(f.requestRedirect) && has(f.requestRedirect.path) && f.requestRedirect.path.type == 'ReplacePrefixMatch' && has(f.requestRedirect.path.replacePrefixMatch))) ? ((size(self.matches) != 1 || self.matches.all(m, !has(m.path) || m.path.type != 'PathPrefix')) ? false : true) : true",
        'When using RequestRedirect filter with path.replacePrefixMatch, exactly one PathPrefix match must be specified',
      ),
      rule(
        "(has(self.filters) && self.filters.exists_one(f, has(f.urlRewrite) && has(f.urlRewrite.path) && f.urlRewrite.path.type == 'ReplacePrefixMatch' && has(f.urlRewrite.path.replacePrefixMatch))) ? ((size(self.matches) != 1 || self.matches.all(m, !has(m.path) || m.path.type != 'PathPrefix')) ? false : true) : true",
        'When using URLRewrite filter with path.replacePrefixMatch, exactly one PathPrefix match must be specified',
      ),
    ],
  },
);

const routeStatus = (d: string): S =>
  obj(
    d,
    {
      parents: arr(
        'Parents is a list of parent resources (usually Gateways) that are associated with the route, and the status of the route with respect to each parent.',
        obj(
          'RouteParentStatus describes the status of a route with respect to an associated Parent.',
          {
            conditions: conditions('Conditions describes the status of the route with respect to the Gateway.', {
              minItems: 1,
            }),
            controllerName: str(
              'ControllerName is a domain/path string that indicates the name of the controller that wrote this status.',
              {
                maxLength: 253,
                minLength: 1,
                pattern: `^${DNS_LABELS}\\/[A-Za-z0-9\\/\\-._~%!$&'()*+,;=:]+$`,
              },
            ),
            parentRef,
          },
          { required: ['controllerName', 'parentRef'] },
        ),
        { maxItems: 32 },
      ),
    },
    { required: ['parents'] },
  );

const meta = {
  apiVersion: str('APIVersion defines the versioned schema of this representation of an object.'),
  kind: str('Kind is a string value representing the REST resource this object represents.'),
  metadata: { type: 'object' },
};

const httpRouteSchema: S = obj(
  'HTTPRoute provides a way to route HTTP requests.',
  {
    ...meta,
    spec: obj('Spec defines the desired state of HTTPRoute.', {
      hostnames,
      parentRefs,
      rules: arr('Rules are a list of HTTP matchers, filters and actions.', httpRule, {
        default: [{ matches: [{ path: { type: 'PathPrefix', value: '/' } }] }],
        maxItems: 16,
        'x-kubernetes-validations': [
          rule(
            '(self.size() > 0 ? self[0].matches.size() : 0) + (self.size() > 1 ? self[1].matches.size() : 0) + (self.size() > 2 ? self[2].matches.size() : 0) + (self.size() > 3 ? self[3].matches.size() : 0) + (self.size() > 4 ? self[4].matches.size() : 0) + (self.size() > 5 ? self[5].matches.size() : 0) + (self.size() > 6 ? self[6].matches.size() : 0) + (self.size() > 7 ? self[7].matches.size() : 0) + (self.size() > 8 ? self[8].matches.size() : 0) + (self.size() > 9 ? self[9].matches.size() : 0) + (self.size() > 10 ? self[10].matches.size() : 0) + (self.size() > 11 ? self[11].matches.size() : 0) + (self.size() > 12 ? self[12].matches.size() : 0) + (self.size() > 13 ? self[13].matches.size() : 0) + (self.size() > 14 ? self[14].matches.size() : 0) + (self.size() > 15 ? self[15].matches.size() : 0) <= 128',
            'While 16 rules and 64 matches per rule are allowed, the total number of matches across all rules in a route must be less than 128',
          ),
        ],
      }),
    }),
    status: routeStatus('Status defines the current state of HTTPRoute.'),
  },
  { required: ['spec'] },
);

// ---- GRPCRoute ----------------------------------------------------------------------------

const grpcFilter = obj(
  'GRPCRouteFilter defines processing steps that must be completed during the request or response lifecycle.',
  {
    extensionRef,
    requestHeaderModifier: headerModifier(
      'RequestHeaderModifier defines a schema for a filter that modifies request headers.',
    ),
    requestMirror: mirror,
    responseHeaderModifier: headerModifier(
      'ResponseHeaderModifier defines a schema for a filter that modifies response headers.',
    ),
    type: str('Type identifies the type of filter to apply.', {
      enum: ['ResponseHeaderModifier', 'RequestHeaderModifier', 'RequestMirror', 'ExtensionRef'],
    }),
  },
  {
    required: ['type'],
    'x-kubernetes-validations': filterTypeRules([
      ['requestHeaderModifier', 'RequestHeaderModifier'],
      ['responseHeaderModifier', 'ResponseHeaderModifier'],
      ['requestMirror', 'RequestMirror'],
      ['extensionRef', 'ExtensionRef'],
    ]),
  },
);
const grpcFilters = (d: string): S =>
  arr(d, grpcFilter, {
    maxItems: 16,
    'x-kubernetes-validations': [
      rule(
        "self.filter(f, f.type == 'RequestHeaderModifier').size() <= 1",
        'RequestHeaderModifier filter cannot be repeated',
      ),
      rule(
        "self.filter(f, f.type == 'ResponseHeaderModifier').size() <= 1",
        'ResponseHeaderModifier filter cannot be repeated',
      ),
    ],
  });

const grpcRouteSchema: S = obj(
  'GRPCRoute provides a way to route gRPC requests.',
  {
    ...meta,
    spec: obj('Spec defines the desired state of GRPCRoute.', {
      hostnames,
      parentRefs,
      rules: arr(
        'Rules are a list of GRPC matchers, filters and actions.',
        obj(
          'GRPCRouteRule defines the semantics for matching a gRPC request based on conditions (matches), processing it (filters), and forwarding the request to an API object (backendRefs).',
          {
            backendRefs: arr(
              'BackendRefs defines the backend(s) where matching requests should be sent.',
              backendObjectRef(
                'GRPCBackendRef defines how a GRPCRoute forwards a gRPC request.',
                true,
                grpcFilters(
                  'Filters defined at this level MUST be executed if and only if the request is being forwarded to the backend defined here.',
                ),
              ),
              { maxItems: 16 },
            ),
            filters: grpcFilters('Filters define the filters that are applied to requests that match this rule.'),
            matches: arr(
              'Matches define conditions used for matching the rule against incoming gRPC requests (ORed).',
              obj('GRPCRouteMatch defines the predicate used to match requests to a given action.', {
                headers: arr(
                  'Headers specifies gRPC request header matchers (ANDed).',
                  headerMatch(
                    'GRPCHeaderMatch describes how to select a gRPC route by matching gRPC request headers.',
                    ['Exact', 'RegularExpression'],
                  ),
                  {
                    maxItems: 16,
                    'x-kubernetes-list-map-keys': ['name'],
                    'x-kubernetes-list-type': 'map',
                  },
                ),
                method: obj(
                  'Method specifies a gRPC request service/method matcher.',
                  {
                    method: str('Value of the method to match against.', { maxLength: 1024 }),
                    service: str('Value of the service to match against.', { maxLength: 1024 }),
                    type: str('Type specifies how to match against the service and/or method.', {
                      default: 'Exact',
                      enum: ['Exact', 'RegularExpression'],
                    }),
                  },
                  {
                    'x-kubernetes-validations': [
                      rule(
                        "has(self.type) && self.type == 'RegularExpression' ? true : has(self.service) || has(self.method)",
                        "One or both of 'service' or 'method' must be specified",
                      ),
                      rule(
                        '(!has(self.type) || self.type == \'Exact\') && has(self.service) ? self.service.matches(r"""^(?i)\\.?[a-z_][a-z_0-9]*(\\.[a-z_][a-z_0-9]*)*$"""): true',
                        'service must only contain valid characters (matching ^(?i)\\.?[a-z_][a-z_0-9]*(\\.[a-z_][a-z_0-9]*)*$)',
                      ),
                      rule(
                        '(!has(self.type) || self.type == \'Exact\') && has(self.method) ? self.method.matches(r"""^[A-Za-z_][A-Za-z_0-9]*$"""): true',
                        'method must only contain valid characters (matching ^[A-Za-z_][A-Za-z_0-9]*$)',
                      ),
                    ],
                  },
                ),
              }),
              { maxItems: 64 },
            ),
          },
        ),
        { maxItems: 16 },
      ),
    }),
    status: routeStatus('Status defines the current state of GRPCRoute.'),
  },
  { required: ['spec'] },
);

// ---- ReferenceGrant -------------------------------------------------------------------------

const referenceGrantSchema: S = obj(
  'ReferenceGrant identifies kinds of resources in other namespaces that are trusted to reference the specified kinds of resources in the same namespace as the policy.',
  {
    ...meta,
    spec: obj(
      'Spec defines the desired state of ReferenceGrant.',
      {
        from: arr(
          'From describes the trusted namespaces and kinds that can reference the resources described in "To".',
          obj(
            'ReferenceGrantFrom describes trusted namespaces and kinds.',
            { group: group(), kind: kind(), namespace: namespace() },
            { required: ['group', 'kind', 'namespace'] },
          ),
          { maxItems: 16, minItems: 1 },
        ),
        to: arr(
          'To describes the resources that may be referenced by the resources described in "From".',
          obj(
            'ReferenceGrantTo describes what Kinds are allowed as targets of the references.',
            { group: group(), kind: kind(), name: name() },
            { required: ['group', 'kind'] },
          ),
          { maxItems: 16, minItems: 1 },
        ),
      },
      { required: ['from', 'to'] },
    ),
  },
);

// Upstream writes the two replacePrefixMatch rules above with `!has(self.matches[0].path)`;
// cel-js refuses has() on a select whose operand is not a plain variable chain (an index here),
// so they say the same with all() over the one match the left side has already required.

// ---- the CRDs -----------------------------------------------------------------------------

interface Version {
  name: string;
  storage: boolean;
}
const age = { jsonPath: '.metadata.creationTimestamp', name: 'Age', type: 'date' };

function crd(
  kindName: string,
  plural: string,
  scope: 'Cluster' | 'Namespaced',
  schema: S,
  versions: Version[],
  columns: { jsonPath: string; name: string; type: string; priority?: number }[],
  shortNames: string[] = [],
  status = true,
): CustomResourceDefinition {
  return {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: {
      name: `${plural}.${GATEWAY_GROUP}`,
      annotations: {
        'api-approved.kubernetes.io': 'https://github.com/kubernetes-sigs/gateway-api/pull/3328',
        'gateway.networking.k8s.io/bundle-version': GATEWAY_API_BUNDLE_VERSION,
        'gateway.networking.k8s.io/channel': 'standard',
      },
    },
    spec: {
      group: GATEWAY_GROUP,
      names: {
        categories: ['gateway-api'],
        kind: kindName,
        listKind: `${kindName}List`,
        plural,
        singular: kindName.toLowerCase(),
        ...(shortNames.length ? { shortNames } : {}),
      },
      scope,
      versions: versions.map((v) => ({
        name: v.name,
        served: true,
        storage: v.storage,
        additionalPrinterColumns: columns,
        schema: { openAPIV3Schema: structuredClone(schema) as JSONSchemaProps },
        ...(status ? { subresources: { status: {} } } : {}),
      })),
    },
  };
}

const V1_AND_BETA = [
  { name: 'v1', storage: true },
  { name: 'v1beta1', storage: false },
];

/** The five standard-channel CRDs, a fresh copy on each call. */
export function gatewayApiCrds(): CustomResourceDefinition[] {
  return [
    crd(
      'GatewayClass',
      'gatewayclasses',
      'Cluster',
      gatewayClassSchema,
      V1_AND_BETA,
      [
        { jsonPath: '.spec.controllerName', name: 'Controller', type: 'string' },
        { jsonPath: '.status.conditions[?(@.type=="Accepted")].status', name: 'Accepted', type: 'string' },
        age,
        { jsonPath: '.spec.description', name: 'Description', priority: 1, type: 'string' },
      ],
      ['gc'],
    ),
    crd(
      'Gateway',
      'gateways',
      'Namespaced',
      gatewaySchema,
      V1_AND_BETA,
      [
        { jsonPath: '.spec.gatewayClassName', name: 'Class', type: 'string' },
        { jsonPath: '.status.addresses[*].value', name: 'Address', type: 'string' },
        { jsonPath: '.status.conditions[?(@.type=="Programmed")].status', name: 'Programmed', type: 'string' },
        age,
      ],
      ['gtw'],
    ),
    crd('HTTPRoute', 'httproutes', 'Namespaced', httpRouteSchema, V1_AND_BETA, [
      { jsonPath: '.spec.hostnames', name: 'Hostnames', type: 'string' },
      age,
    ]),
    crd(
      'GRPCRoute',
      'grpcroutes',
      'Namespaced',
      grpcRouteSchema,
      [{ name: 'v1', storage: true }],
      [{ jsonPath: '.spec.hostnames', name: 'Hostnames', type: 'string' }, age],
    ),
    crd(
      'ReferenceGrant',
      'referencegrants',
      'Namespaced',
      referenceGrantSchema,
      [{ name: 'v1beta1', storage: true }],
      [age],
      ['refgrant'],
      false,
    ),
  ];
}
