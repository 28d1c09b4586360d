import { expect, test } from '@playwright/test';

// What a browser downloads again and again should cost nothing the second time: the
// stylesheet has a name that changes with its content, is kept for a year and comes
// precompressed; a public page answers a repeat visit with 304.

test('the stylesheet has a hashed name, is kept for a year and comes precompressed', async ({ page, request }) => {
  await page.goto('/');
  const href = await page.locator('link[rel="stylesheet"]').getAttribute('href');
  expect(href).toMatch(/^\/pkg\/ippo\.[A-Za-z0-9_-]+\.css$/);
  const css = await request.get(href!, { headers: { 'Accept-Encoding': 'br' } });
  expect(css.status()).toBe(200);
  expect(css.headers()['cache-control']).toContain('immutable');
  expect(css.headers()['content-encoding']).toBe('br');
});

test('a public page answers a repeat visit with 304', async ({ request }) => {
  const first = await request.get('/', { headers: { 'Accept-Encoding': 'gzip, deflate, br, zstd' } });
  expect(first.status()).toBe(200);
  expect(first.headers()['content-encoding']).toBe('br');
  const etag = first.headers()['etag'];
  expect(etag).toBeTruthy();
  const again = await request.get('/', { headers: { 'Accept-Encoding': 'gzip, deflate, br, zstd', 'If-None-Match': etag } });
  expect(again.status()).toBe(304);
});
