const { hash, verifySync } = require('@node-rs/argon2');
const fs = require('fs');
(async () => {
  const phc = await hash('pw', { algorithm: 2, memoryCost: 19456, timeCost: 2, parallelism: 1 });
  const st = () => { const s = fs.readFileSync('/proc/self/stat', 'utf8').slice(fs.readFileSync('/proc/self/stat','utf8').lastIndexOf(')') + 2).split(' '); return [Number(s[11]) * 10, Number(s[12]) * 10, Number(s[7]), Number(s[9])]; };
  for (let r = 0; r < 3; r++) {
    const a = st(); const t = performance.now();
    for (let i = 0; i < 100; i++) verifySync(phc, 'pw');
    const b = st();
    console.log(`per hash: wall ${((performance.now() - t) / 100).toFixed(2)} ms user ${((b[0] - a[0]) / 100).toFixed(2)} sys ${((b[1] - a[1]) / 100).toFixed(2)} minflt ${((b[2] - a[2]) / 100).toFixed(0)}`);
  }
})();
