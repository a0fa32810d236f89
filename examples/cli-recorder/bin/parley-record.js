#!/usr/bin/env node
// Runs the TypeScript CLI through tsx, from wherever it is called.
import { register } from 'tsx/esm/api';

register();
await import('../src/main.ts');
