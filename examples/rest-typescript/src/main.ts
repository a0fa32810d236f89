// npx tsx src/main.ts [URL ...]: runs the whole REST flow against a Parley server (or several
// instances of one; the event stream resumes on the last) with a new account, and prints the result.
import { readFileSync } from 'node:fs';
import { runFlow } from './flow';

const urls = process.argv.slice(2).length ? process.argv.slice(2) : [process.env.PARLEY_URL ?? 'http://localhost:3000'];
const audioFile = process.env.AUDIO_FILE;
if (!audioFile) {
  console.error('Set AUDIO_FILE to a WAV, Ogg or WebM file to upload');
  process.exit(2);
}
const result = await runFlow({
  urls,
  email: `rest-example-${Date.now()}@example.com`,
  password: 'a long example passphrase 42',
  audio: readFileSync(audioFile),
});
console.log(JSON.stringify(result, null, 2));
