import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { LiveJournal, newerState, type DurableState } from './journal';
import { createLocalStorage } from '../storage';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'parley-journal-'));
const storage = createLocalStorage(dir);
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

const record = (nextSeq: number): DurableState => ({ nextSeq, durationMs: nextSeq * 100, bytes: nextSeq * 300, state: null });

describe('the live journal', () => {
  it('reads back the newest record, also after reopening', async () => {
    const { journal, latest } = await LiveJournal.open(storage, 'a.ogg');
    expect(latest).toBeNull();
    for (let seq = 1; seq <= 5; seq++) expect(await journal.save(record(seq))).toBe(true);
    await journal.close();
    const reopened = await LiveJournal.open(storage, 'a.ogg');
    expect(reopened.latest).toEqual(record(5));
    await reopened.journal.save(record(6));
    await reopened.journal.close();
    expect((await LiveJournal.open(storage, 'a.ogg')).latest).toEqual(record(6));
  });

  it('falls back to the previous record when the newest was cut short by a crash', async () => {
    const { journal } = await LiveJournal.open(storage, 'b.ogg');
    await journal.save(record(1));
    await journal.save(record(2));
    await journal.close();
    // Record 2 sits in slot 0 (even counter): damage its last byte as a torn write would.
    const file = path.join(dir, 'b.ogg.state');
    const bytes = fs.readFileSync(file);
    const length = bytes.readUInt32LE(8);
    const fd = fs.openSync(file, 'r+');
    fs.writeSync(fd, Buffer.from([bytes[16 + length - 1]! ^ 0xff]), 0, 1, 16 + length - 1);
    fs.closeSync(fd);
    expect((await LiveJournal.open(storage, 'b.ogg')).latest).toEqual(record(1));
  });

  it('refuses a record larger than a slot without touching the others', async () => {
    const { journal } = await LiveJournal.open(storage, 'c.ogg');
    await journal.save(record(1));
    const huge = { ...record(2), state: { pcmLeftover: 'x'.repeat(300_000) } as unknown as DurableState['state'] };
    expect(await journal.save(huge)).toBe(false);
    await journal.close();
    expect((await LiveJournal.open(storage, 'c.ogg')).latest).toEqual(record(1));
  });

  it('goes away with its recording file', async () => {
    const { journal } = await LiveJournal.open(storage, 'd.ogg');
    await journal.save(record(1));
    await journal.close();
    fs.writeFileSync(path.join(dir, 'd.ogg'), 'audio');
    await storage.delete('d.ogg');
    expect(fs.existsSync(path.join(dir, 'd.ogg.state'))).toBe(false);
  });

  it('prefers the state further along the stream (the row may lag behind the journal)', () => {
    expect(newerState(record(3), record(7))).toEqual(record(7));
    expect(newerState(record(7), record(3))).toEqual(record(7));
    expect(newerState(record(3), null)).toEqual(record(3));
  });
});
