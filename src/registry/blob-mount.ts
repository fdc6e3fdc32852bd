/**
 * Cross-repository blob mount (distribution spec: `POST /v2/<name>/blobs/uploads/?mount=<digest>&from=<other>`):
 * a registry that holds the blob in another repository links it into this one without the bytes
 * being sent again: one request instead of a GET from the source and a POST + PUT of the content.
 * Used by `copy` between repositories of one registry (promotion from ci/app to prod/app).
 *
 * A registry that will not mount (the source repository lacks the blob, the caller may not read it,
 * mounting is off) answers 202 with an ordinary upload session: it is cancelled (DELETE) and the
 * caller uploads the content as usual. Any other answer also means "not mounted"; the upload that
 * follows reports real errors with its own context.
 */
import type { Descriptor } from '../oci/descriptor.ts';
import { parseDigest } from '../oci/digest.ts';
import { type RegistryTarget, resolveLocation, uploadsPath, withQuery } from './registry-target.ts';
import { discardBody } from './response-body.ts';

export async function mountBlob(
  target: RegistryTarget,
  descriptor: Descriptor,
  from: string,
): Promise<boolean> {
  parseDigest(descriptor.digest);
  const res = await target.transport.request({
    method: 'POST',
    path: withQuery(withQuery(uploadsPath(target), 'mount', descriptor.digest), 'from', from),
    repository: target.repository,
    actions: ['pull', 'push'],
    extraScopes: [`repository:${from}:pull`],
    headers: { 'Content-Length': '0' },
    idempotent: true,
    requestClass: 'upload',
  });
  await discardBody(res);
  if (res.status === 201) return true;
  const location = res.headers.get('location');
  if (res.status === 202 && location !== null) {
    const cancel = await target.transport.request({
      method: 'DELETE',
      path: resolveLocation(`${target.transport.baseUrl.replace(/\/$/, '')}/`, location.trim()),
      repository: target.repository,
      actions: ['pull', 'push'],
      idempotent: true,
      requestClass: 'upload',
    });
    await discardBody(cancel);
  }
  return false;
}
