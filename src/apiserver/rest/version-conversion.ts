import type { KubeObject } from '../../api/object.js';
import { apiVersionOf } from '../../api/object.js';
import { ApiError } from '../../api/errors.js';
import type { ResourceType } from '../../api/resource-type.js';
import type { KindStrategy } from '../../api/kind-strategy.js';
import type { WatchCache } from '../watch-cache.js';
import { ConversionFailed, convertThroughWebhook } from '../admission/webhooks/conversion-review.js';

/** The apiVersion a resource type is served in. */
export function servedApiVersion(rt: ResourceType): string {
  return apiVersionOf(rt.group, rt.version);
}

/**
 * Converts a stored object to the version the request asked for (no-op when they are the same),
 * with the defaults applied on read (custom resources; a copy when they change anything).
 * Only for types whose versions convert without a webhook (see servedObjects).
 */
export function toServed(obj: KubeObject, rt: ResourceType, strategy: KindStrategy): KubeObject {
  const served = servedApiVersion(rt);
  const converted = obj.apiVersion === served || !strategy.convert ? obj : strategy.convert(obj, served);
  return strategy.defaultOnRead ? strategy.defaultOnRead(converted) : converted;
}

/** Converts an object in the served version to the storage version (no webhook: see storageObject). */
export function toStorage(obj: KubeObject, rt: ResourceType, strategy: KindStrategy): KubeObject {
  if (obj.apiVersion === rt.storageApiVersion || !strategy.convert) return obj;
  return strategy.convert(obj, rt.storageApiVersion);
}

/** True when moving one of `objects` to `apiVersion` calls the CRD's conversion webhook. */
export function needsWebhook(rt: ResourceType, objects: readonly KubeObject[], apiVersion: string): boolean {
  return rt.custom?.conversionWebhook !== undefined && objects.some((o) => o.apiVersion !== apiVersion);
}

/**
 * Objects moved to `apiVersion` through the CRD's conversion webhook, all in one ConversionReview
 * (as kube-apiserver converts a list). A failed conversion is kube's 500 without a reason, which
 * kubectl prints as `Error from server: conversion webhook for <gvk> failed: ...`.
 */
async function throughWebhook(
  cache: WatchCache,
  rt: ResourceType,
  objects: readonly KubeObject[],
  apiVersion: string,
): Promise<KubeObject[]> {
  const hook = rt.custom?.conversionWebhook;
  if (!hook) return [...objects];
  try {
    return await convertThroughWebhook(
      {
        clientConfig: hook.clientConfig as Parameters<typeof convertThroughWebhook>[0]['clientConfig'],
        conversionReviewVersions: hook.conversionReviewVersions,
        cache,
      },
      objects,
      apiVersion,
    );
  } catch (err) {
    if (err instanceof ConversionFailed) throw new ApiError(500, '', err.message);
    throw err;
  }
}

/**
 * Stored objects in the served version, as toServed, through the webhook when the CRD converts
 * with one (one review for all of them). Synchronous work only when no webhook is involved.
 */
export async function servedObjects(
  cache: WatchCache,
  objects: readonly KubeObject[],
  rt: ResourceType,
  strategy: KindStrategy,
): Promise<KubeObject[]> {
  const served = servedApiVersion(rt);
  if (!needsWebhook(rt, objects, served)) return objects.map((o) => toServed(o, rt, strategy));
  const converted = await throughWebhook(cache, rt, objects, served);
  const onRead = strategy.defaultOnRead;
  return onRead ? converted.map((o) => onRead(o)) : converted;
}

/** One stored object in the served version (see servedObjects). */
export async function servedObject(
  cache: WatchCache,
  obj: KubeObject,
  rt: ResourceType,
  strategy: KindStrategy,
): Promise<KubeObject> {
  if (!needsWebhook(rt, [obj], servedApiVersion(rt))) return toServed(obj, rt, strategy);
  return (await servedObjects(cache, [obj], rt, strategy))[0] as KubeObject;
}

/** An object in the served version moved to the storage version, through the webhook when the CRD has one. */
export async function storageObject(
  cache: WatchCache,
  obj: KubeObject,
  rt: ResourceType,
  strategy: KindStrategy,
): Promise<KubeObject> {
  if (!needsWebhook(rt, [obj], rt.storageApiVersion)) return toStorage(obj, rt, strategy);
  return (await throughWebhook(cache, rt, [obj], rt.storageApiVersion))[0] as KubeObject;
}
