// The integrator examples run against a real server: the TypeScript client generated from
// /openapi.json (openapi-typescript + openapi-fetch; its committed types must match the live
// document) and the Python script (Debian's python3 + requests) both complete the whole flow —
// two-factor sign-in, a room over SSE cut and resumed with no gap and no duplicate (on a second
// instance over Postgres), a recording up and down. The TypeScript client's answers also go
// through the contract check.
import { execFile, execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import openapiTS, { astToString } from 'openapi-typescript';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { runFlow } from '../examples/rest-typescript/src/flow';
import { expectAnswersMatchDocument, RestRecorder } from './helpers/rest-contract';
import { dbKind, describeDb, describePostgres, startTestServer, uniqueEmail, withTwoInstances, type TestServer } from './helpers/server';
import { toneWav } from './helpers/sse';

const run = promisify(execFile);
const PYTHON = '/usr/bin/python3';
const SCRIPT = path.resolve(import.meta.dirname, '../examples/rest-python/parley_flow.py');
const GENERATED = path.resolve(import.meta.dirname, '../examples/rest-typescript/src/api.d.ts');

function pythonWithRequests(): boolean {
  try {
    execFileSync(PYTHON, ['-c', 'import requests'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}
const hasPython = pythonWithRequests();
if (!hasPython) console.warn(`SKIPPED: the Python REST example needs ${PYTHON} with requests (apt-get install python3-requests)`);

async function runPython(urls: string[]) {
  const { stdout } = await run(PYTHON, [SCRIPT, ...urls], { timeout: 120_000 });
  return JSON.parse(stdout.trim().split('\n').at(-1)!) as { messages: string[]; eventIds: number[]; wrongCodeKey: string; downloadedBytes: number; durationMs: number };
}

describeDb(`REST examples on ${dbKind}`, () => {
  let server: TestServer;
  const recorder = new RestRecorder();
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(() => server?.stop());

  it('ships generated types that match the live /openapi.json (regenerate with pnpm --filter @parley/example-rest-typescript generate)', async () => {
    const document = await (await fetch(`${server.url}/openapi.json`)).json();
    const fresh = astToString(await openapiTS(document as never));
    const committed = fs.readFileSync(GENERATED, 'utf8');
    const body = (text: string) => text.slice(text.indexOf('export interface paths'));
    expect(body(committed)).toBe(body(fresh));
  });

  it('the generated TypeScript client completes the whole flow', async () => {
    const result = await runFlow({ urls: [server.url], email: uniqueEmail('ts-example'), password: 'a long example passphrase 42', audio: toneWav(), fetch: recorder.fetch });
    expect(result.messages).toEqual(['first', 'second', 'third', 'fourth']);
    expect(result.downloadedBytes).toBeGreaterThan(100);
  });

  it.skipIf(!hasPython)('the Python script completes the whole flow', async () => {
    const result = await runPython([server.url]);
    expect(result.messages).toEqual(['first', 'second', 'third', 'fourth']);
    expect(result.wrongCodeKey).toBe('INVALID_CODE');
    expect(result.downloadedBytes).toBeGreaterThan(100);
  });

  it("answered every one of the TypeScript client's requests as /openapi.json describes", async () => {
    await expectAnswersMatchDocument(server.url, recorder);
  });
});

describePostgres('REST examples on two instances', () => {
  let one: TestServer;
  let two: TestServer;
  withTwoInstances((servers) => ([one, two] = servers));

  it('the generated TypeScript client resumes its event stream on the other instance with no gap and no duplicate', async () => {
    const result = await runFlow({ urls: [one.url, two.url], email: uniqueEmail('ts-example'), password: 'a long example passphrase 42', audio: toneWav() });
    expect(result.messages).toEqual(['first', 'second', 'third', 'fourth']);
  });

  it.skipIf(!hasPython)('the Python script resumes its event stream on the other instance with no gap and no duplicate', async () => {
    const result = await runPython([one.url, two.url]);
    expect(result.messages).toEqual(['first', 'second', 'third', 'fourth']);
    expect(new Set(result.eventIds).size).toBe(4);
  });
});
