// The baseline: a bare node:http server answering one fixed JSON body (argv[2]) on 127.0.0.1.
import http from 'node:http';

const body = Buffer.from(process.argv[2] ?? '{"ok":true}');
const server = http.createServer((req, res) => {
  res.writeHead(200, { 'content-type': 'application/json', 'content-length': body.length });
  res.end(body);
});
server.keepAliveTimeout = 5000;
server.listen(0, '127.0.0.1', () => process.stdout.write(`listening ${server.address().port}\n`));
process.on('SIGTERM', () => process.exit(0));
