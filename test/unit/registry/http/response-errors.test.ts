import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ManifestoError } from '../../../../src/errors/errors.ts';
import { errorFromResponse, type ResponseContext } from '../../../../src/registry/http/response-errors.ts';

function reply(status: number, errors?: { code: string; message?: string }[], statusText = ''): Response {
  const body = errors === undefined ? null : JSON.stringify({ errors });
  return new Response(body, { status, statusText, headers: { 'content-type': 'application/json' } });
}

const ctx = (extra: Partial<ResponseContext> = {}): ResponseContext => ({
  operation: 'fetch manifest',
  repository: 'team/app',
  registry: 'r.example.com',
  ...extra,
});

async function check(
  res: Response,
  what: ResponseContext,
  expected: { code: string; category: ManifestoError['category']; message?: RegExp; hint?: RegExp },
): Promise<ManifestoError> {
  const error = await errorFromResponse(res, what);
  assert.equal(error.code, expected.code);
  assert.equal(error.category, expected.category);
  assert.equal(error.status, res.status);
  if (expected.message) assert.match(error.message, expected.message);
  if (expected.hint) assert.match(error.hint ?? '', expected.hint);
  assert.doesNotMatch(error.message, /\n/);
  return error;
}

describe('errorFromResponse', () => {
  it('401: UNAUTHORIZED with a login hint', async () => {
    await check(reply(401, [{ code: 'UNAUTHORIZED', message: 'authentication required' }]), ctx(), {
      code: 'UNAUTHORIZED',
      category: 'auth',
      hint: /manifesto login r\.example\.com.*--username\/--password-stdin/,
    });
  });

  it('403: DENIED naming the repository and actions', async () => {
    const error = await check(
      reply(403, [{ code: 'DENIED', message: 'requested access to the resource is denied' }]),
      ctx({ operation: 'push manifest', actions: ['push', 'pull'] }),
      { code: 'DENIED', category: 'auth', hint: /lack permission for team\/app: pull,push/ },
    );
    assert.deepEqual(error.registryErrors, [
      { code: 'DENIED', message: 'requested access to the resource is denied' },
    ]);
  });

  it('404 with the registry code: repository, tag, digest, blob', async () => {
    await check(reply(404, [{ code: 'NAME_UNKNOWN' }]), ctx(), {
      code: 'NAME_UNKNOWN',
      category: 'not-found',
      message: /repository team\/app not found/,
    });
    await check(reply(404, [{ code: 'MANIFEST_UNKNOWN' }]), ctx({ reference: 'v1' }), {
      code: 'MANIFEST_UNKNOWN',
      category: 'not-found',
      message: /tag v1 not found in team\/app/,
    });
    await check(reply(404, [{ code: 'MANIFEST_UNKNOWN' }]), ctx({ reference: `sha256:${'a'.repeat(64)}` }), {
      code: 'MANIFEST_UNKNOWN',
      category: 'not-found',
      message: /manifest sha256:a+ not found in team\/app/,
    });
    await check(
      reply(404, [{ code: 'BLOB_UNKNOWN' }]),
      ctx({ operation: 'fetch blob', digest: 'sha256:00' }),
      {
        code: 'BLOB_UNKNOWN',
        category: 'not-found',
        message: /blob sha256:00 not found/,
      },
    );
  });

  it('a bare 404 (HEAD, no body) is worded by what was asked', async () => {
    await check(reply(404), ctx({ reference: 'latest' }), {
      code: 'MANIFEST_UNKNOWN',
      category: 'not-found',
    });
    await check(reply(404), ctx({ digest: 'sha256:00' }), { code: 'BLOB_UNKNOWN', category: 'not-found' });
    await check(reply(404), ctx({ kind: 'upload' }), { code: 'BLOB_UPLOAD_UNKNOWN', category: 'not-found' });
    await check(reply(404), ctx(), { code: 'NOT_FOUND', category: 'not-found' });
  });

  it('429 and 5xx are unavailable', async () => {
    await check(reply(429, [{ code: 'TOOMANYREQUESTS' }]), ctx(), {
      code: 'TOO_MANY_REQUESTS',
      category: 'unavailable',
    });
    await check(reply(503, undefined, 'Service Unavailable'), ctx(), {
      code: 'REGISTRY_UNAVAILABLE',
      category: 'unavailable',
      message: /503 Service Unavailable/,
    });
    await check(reply(500), ctx(), { code: 'REGISTRY_UNAVAILABLE', category: 'unavailable' });
  });

  it('400: usage or integrity by the registry code', async () => {
    await check(
      reply(400, [{ code: 'MANIFEST_INVALID', message: 'manifest invalid' }]),
      ctx({ operation: 'push manifest' }),
      {
        code: 'MANIFEST_INVALID',
        category: 'usage',
      },
    );
    await check(reply(400, [{ code: 'TAG_INVALID' }]), ctx(), { code: 'TAG_INVALID', category: 'usage' });
    await check(reply(400, [{ code: 'DIGEST_INVALID' }]), ctx({ operation: 'push blob' }), {
      code: 'DIGEST_INVALID',
      category: 'integrity',
    });
    await check(reply(400, [{ code: 'SIZE_INVALID' }]), ctx(), {
      code: 'SIZE_INVALID',
      category: 'integrity',
    });
    await check(reply(400, [{ code: 'MANIFEST_BLOB_UNKNOWN' }]), ctx(), {
      code: 'MANIFEST_BLOB_UNKNOWN',
      category: 'not-found',
    });
    await check(reply(400, [{ code: 'BLOB_UPLOAD_INVALID' }]), ctx(), {
      code: 'BLOB_UPLOAD_INVALID',
      category: 'conflict',
    });
    await check(reply(400), ctx(), { code: 'BAD_REQUEST', category: 'usage' });
  });

  it('405: unsupported, with a delete hint for deletes', async () => {
    await check(
      reply(405, [{ code: 'UNSUPPORTED', message: 'The operation is unsupported.' }]),
      ctx({ operation: 'delete manifest' }),
      {
        code: 'UNSUPPORTED',
        category: 'unsupported',
        hint: /Deletes are disabled/,
      },
    );
    await check(reply(405), ctx({ operation: 'list referrers' }), {
      code: 'OPERATION_UNSUPPORTED',
      category: 'unsupported',
    });
  });

  it('conflicts, sizes and media types', async () => {
    await check(reply(409), ctx(), { code: 'CONFLICT', category: 'conflict' });
    await check(reply(412), ctx(), { code: 'PRECONDITION_FAILED', category: 'conflict' });
    await check(reply(416), ctx(), { code: 'RANGE_INVALID', category: 'conflict' });
    await check(reply(413), ctx(), { code: 'PAYLOAD_TOO_LARGE', category: 'unsupported' });
    await check(reply(415), ctx(), { code: 'MEDIA_TYPE_UNSUPPORTED', category: 'unsupported' });
  });

  it('reads a capped amount of a huge or non-JSON error body', async () => {
    const huge = new Response('x'.repeat(5 * 1024 * 1024), { status: 500 });
    const error = await errorFromResponse(huge, ctx());
    assert.deepEqual(error.registryErrors, []);
    const html = new Response('<html>bad gateway</html>', { status: 502 });
    assert.equal((await errorFromResponse(html, ctx())).code, 'REGISTRY_UNAVAILABLE');
  });

  it('keeps the registry message on one line', async () => {
    const error = await errorFromResponse(
      reply(400, [{ code: 'MANIFEST_INVALID', message: 'line one\nline two' }]),
      ctx({ operation: 'push manifest' }),
    );
    assert.match(error.message, /line one line two/);
  });
});
