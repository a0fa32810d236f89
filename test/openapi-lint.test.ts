// /openapi.json through third-party tools, as integrators try it: @readme/openapi-parser
// (swagger-parser's maintained fork) validates it, and Redocly's recommended rules find 0 errors.
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { compileErrors, validate } from '@readme/openapi-parser';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeOnce, startTestServer, tempDir, type TestServer } from './helpers/server';

const run = promisify(execFile);
const REDOCLY = path.resolve(import.meta.dirname, '../node_modules/.bin/redocly');

describeOnce('the OpenAPI document under third-party validators', () => {
  let server: TestServer;
  let file: string;
  let document: Record<string, any>;
  beforeAll(async () => {
    server = await startTestServer();
    document = (await (await fetch(`${server.url}/openapi.json`)).json()) as Record<string, any>;
    file = path.join(tempDir('parley-openapi-'), 'openapi.json');
    fs.writeFileSync(file, JSON.stringify(document));
  });
  afterAll(() => server?.stop());

  it('validates with @readme/openapi-parser', async () => {
    const result = await validate(structuredClone(document) as never);
    expect(result.valid, result.valid ? '' : compileErrors(result)).toBe(true);
  });

  it('passes redocly lint with the recommended rules: 0 errors', async () => {
    const { stdout } = await run(REDOCLY, ['lint', '--extends=recommended', '--format=json', file], {
      env: { ...process.env, REDOCLY_TELEMETRY: 'off', REDOCLY_SUPPRESS_UPDATE_NOTICE: 'true', NO_COLOR: '1' },
      maxBuffer: 16 * 1024 * 1024,
    }).catch((error: { stdout: string; stderr: string }) => ({ stdout: error.stdout, stderr: error.stderr }));
    const report = JSON.parse(stdout.slice(stdout.indexOf('{'))) as { totals: { errors: number }; problems: { severity: string; message: string; ruleId: string }[] };
    expect(report.problems.filter((p) => p.severity === 'error')).toEqual([]);
    expect(report.totals.errors).toBe(0);
  });

  it('declares the error body, Retry-After on 429, security: [] on public operations, the license and the event streams', () => {
    expect(document.info.license).toMatchObject({ name: 'MIT' });
    expect(document.components.schemas.Error.properties.key.enum).toContain('INVALID_CREDENTIALS');
    expect(document.components.responses['429'].headers['Retry-After']).toBeDefined();
    expect(document.paths['/auth/login'].post.security).toEqual([]);
    expect(document.paths['/auth/login'].post.responses['401']).toEqual({ $ref: '#/components/responses/401' });
    expect(document.paths['/auth/register'].post.responses['409']).toBeDefined();
    expect(document.paths['/rooms/{roomId}/messages'].get.responses['404']).toBeDefined();
    expect(document.paths['/recordings/upload'].post.requestBody.content['audio/*'].schema).toEqual({ type: 'string', format: 'binary' });
    expect(document.paths['/recordings/upload'].post.responses['201'].content['application/json'].schema.properties.recording).toEqual({ $ref: '#/components/schemas/Recording' });
    expect(Object.keys(document.paths['/rooms/{roomId}/events'].get.responses['200'].content)).toEqual(['text/event-stream']);
    for (const [route, item] of Object.entries(document.paths as Record<string, Record<string, any>>)) {
      for (const [method, operation] of Object.entries(item)) {
        expect(operation.security, `${method} ${route}`).toBeDefined();
        for (const status of ['400', '429', '503']) expect(operation.responses[status], `${method} ${route} ${status}`).toBeDefined();
      }
    }
  });
});
