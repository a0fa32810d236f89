// The http bench's load generator: one long-lived process running autocannon rounds on request over
// IPC ({ url, connections, seconds, headers, method, body } → { rps, non2xx, errors, latencyP99 }).
// One process for every round instead of one each: a node start per round cost the bench seconds of
// wall time on a busy machine, and the load still comes from a process of its own.
import autocannon from 'autocannon';

process.on('message', async ({ id, url, connections, seconds, headers, method, body }) => {
  try {
    const options = { url, connections, duration: seconds, headers };
    if (method) options.method = method;
    if (body) options.body = body;
    const result = await autocannon(options);
    process.send({ id, rps: result.requests.total / result.duration, non2xx: result.non2xx, errors: result.errors, latencyP99: result.latency.p99 });
  } catch (error) {
    process.send({ id, error: error.message });
  }
});
process.on('disconnect', () => process.exit(0));
