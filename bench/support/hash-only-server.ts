// The login bench's ceiling: a bare node:http server whose only work per request is the hash —
// it reads the JSON body and verifies its password on the same hash threads Parley uses, against a
// hash made at start with the production profile; no tRPC, validation, database, session or log.
// Logins through Parley can come no closer to raw Argon2id than this server does on the same machine.
import http from 'node:http';
import { availableParallelism } from 'node:os';
import { HashThreads } from '../../server/src/auth/hash-threads';
import { ARGON2ID, HASH_PARAMETERS } from '../../server/src/auth/password';

const password = process.argv[2] ?? 'a benchmark passphrase 42';
const threads = new HashThreads(availableParallelism());
const phc = await threads.hash(password, { algorithm: ARGON2ID, ...HASH_PARAMETERS.production });

const server = http.createServer((req, res) => {
  let body = '';
  req.setEncoding('utf8');
  req.on('data', (chunk: string) => (body += chunk));
  req.on('end', () => {
    threads.verify(phc, (JSON.parse(body) as { password: string }).password).then((valid) => {
      const answer = JSON.stringify({ result: { data: { valid } } });
      res.writeHead(valid ? 200 : 401, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(answer) });
      res.end(answer);
    });
  });
});
server.keepAliveTimeout = 5000;
server.listen(0, '127.0.0.1', () => process.stdout.write(`listening ${(server.address() as { port: number }).port}\n`));
process.on('SIGTERM', () => process.exit(0));
