import type { KubeObject } from '../../api/object.js';
import type { WriteOptions } from '../../machinery/client/kube-client.js';
import type { ResourceRef } from '../../machinery/client/resource-path.js';
import { FakeClient } from '../../machinery/client/testing/fake-client.js';
import { ClientError, type Status } from '../../machinery/client/client-error.js';

/**
 * For controller tests: a FakeClient that, like the API server, names objects created with
 * metadata.generateName (`<prefix><n>` with a counter, so names are predictable). The recorded
 * action keeps the body as the controller sent it (name ''). `failCreates` makes the next creates
 * fail (recorded, then thrown), one Status per create.
 */
export class GenerateNameFakeClient extends FakeClient {
  private counter = 0;
  readonly failCreates: Status[] = [];

  override async create<T extends KubeObject>(
    rt: ResourceRef,
    namespace: string,
    obj: T,
    o: WriteOptions = {},
  ): Promise<T> {
    const failure = this.failCreates.shift();
    if (failure) {
      this.actions.push({
        verb: 'create',
        resource: rt.plural,
        namespace,
        name: obj.metadata.name ?? '',
        body: structuredClone(obj),
      });
      throw new ClientError(failure);
    }
    if (obj.metadata.name || !obj.metadata.generateName) return super.create(rt, namespace, obj, o);
    const named = { ...obj, metadata: { ...obj.metadata, name: `${obj.metadata.generateName}${++this.counter}` } };
    const at = this.actions.length;
    try {
      return await super.create(rt, namespace, named, o);
    } finally {
      const a = this.actions[at];
      if (a) this.actions[at] = { ...a, name: '', body: structuredClone(obj) };
    }
  }
}
