// recordings.*: thin procedures — validate, authorize, call a service. Full members only.
import { octetInputParser } from '@trpc/server/http';
import { memberProcedure, router } from '../trpc/init';
import { restRoutes } from '../trpc/rest-meta';
import { requireRecording } from './access';
import { createLiveRecording, deleteRecording, listRecordings, toRecordingView, withLiveProgress } from './catalog';
import { publishRecordingEvent, watchRecordingEvents, type RecordingEvent } from './progress';
import {
  deleteRecordingOutput, downloadUrlOutput, listRecordingsInput, startRecordingOutput, uploadRecordingOutput, recordingIdInput, recordingPage, recordingView, startRecordingInput,
} from './schema';
import { createDownloadUrl } from './signing';
import { readUploadMeta, uploadRecording } from './upload';
import { throttleRecordingStart, throttleUpload } from './throttles';
import { Readable } from 'node:stream';

const route = restRoutes('recordings');

export const recordingsRouter = router({
  start: memberProcedure.meta(route('POST', '/recordings', 'Create a live recording; stream its audio over /ws/record')).input(startRecordingInput).output(startRecordingOutput)
    .mutation(async ({ ctx, input }) => {
      await throttleRecordingStart(ctx.deps, ctx.user.id);
      const row = await createLiveRecording(ctx.deps.db, ctx.user.id, input);
      return { recordingId: row.id, filename: row.filename };
    }),

  /** The body is the whole file; name, meetingLink and orgId come in x-recording-* headers (or the query string). */
  upload: memberProcedure.input(octetInputParser).output(uploadRecordingOutput).mutation(async ({ ctx, input }) => {
    await throttleUpload(ctx.deps, ctx.user.id);
    const meta = readUploadMeta(ctx.requestHeaders ?? {}, null);
    const body = Readable.fromWeb(input as import('node:stream/web').ReadableStream<Uint8Array>);
    const recording = await uploadRecording(ctx.deps, ctx.user.id, meta, body);
    return { recording };
  }),

  list: memberProcedure.meta(route('GET', '/recordings', 'Recordings you can read, newest first', { protect: true })).input(listRecordingsInput).output(recordingPage)
    .query(({ ctx, input }) => listRecordings(ctx.deps.db, ctx.user.id, input)),

  get: memberProcedure.meta(route('GET', '/recordings/{id}', 'One recording', { protect: true })).input(recordingIdInput).output(recordingView)
    .query(async ({ ctx, input }) => toRecordingView(withLiveProgress(ctx.deps, await requireRecording(ctx.deps.db, input.id, ctx.user.id, 'read')))),

  delete: memberProcedure.meta(route('DELETE', '/recordings/{id}', 'Delete a recording and its audio')).input(recordingIdInput).output(deleteRecordingOutput)
    .mutation(async ({ ctx, input }) => {
      const row = await requireRecording(ctx.deps.db, input.id, ctx.user.id, 'delete');
      await deleteRecording(ctx.deps.db, ctx.deps.recordingStorage, row);
      await publishRecordingEvent(ctx.deps.bus, { type: 'deleted', id: row.id }).catch(() => {});
      return { deleted: true };
    }),

  downloadUrl: memberProcedure.meta(route('GET', '/recordings/{id}/download-url', 'A short-lived signed link to the Ogg/Opus file')).input(recordingIdInput).output(downloadUrlOutput)
    .query(async ({ ctx, input }) => {
      const row = await requireRecording(ctx.deps.db, input.id, ctx.user.id, 'read');
      return createDownloadUrl(ctx.deps, row.id, ctx.user.id);
    }),

  /** The current state first, then progress while live, ending with finished (or failed/deleted). */
  events: memberProcedure.input(recordingIdInput).subscription(async function* ({ ctx, input, signal }): AsyncGenerator<RecordingEvent> {
    const events = watchRecordingEvents(ctx.deps.bus, input.id, signal);
    try {
      const row = withLiveProgress(ctx.deps, await requireRecording(ctx.deps.db, input.id, ctx.user.id, 'read'));
      if (row.status === 'finished') return yield { type: 'finished', id: row.id, durationMs: row.durationMs, bytes: row.bytes };
      if (row.status === 'failed') return yield { type: 'failed', id: row.id, error: row.error ?? 'Recording failed' };
      yield { type: 'progress', id: row.id, durationMs: row.durationMs, bytes: row.bytes, nextSeq: row.nextSeq };
      for await (const event of events) yield event;
    } finally {
      await events.return(undefined);
    }
  }),
});
