// The recordings list, each finished one with an audio player on a short-lived signed link.
import { useQuery } from '@tanstack/react-query';
import { ErrorLine } from './App';
import { useTRPC } from './parley';

export function Recordings() {
  const trpc = useTRPC();
  const list = useQuery(trpc.recordings.list.queryOptions({}));
  return (
    <section id="recordings-panel">
      <h2>Recordings</h2>
      <button id="refresh-recordings" onClick={() => void list.refetch()}>Refresh</button>
      <ul id="recordings">
        {list.data?.recordings.map((recording) => (
          <li key={recording.id} data-status={recording.status}>
            {recording.name} · {recording.status} · {(recording.durationMs / 1000).toFixed(1)} s{' '}
            {recording.status === 'finished' && <Player id={recording.id} />}
          </li>
        ))}
      </ul>
      <ErrorLine error={list.error} />
    </section>
  );
}

function Player({ id }: { id: string }) {
  const trpc = useTRPC();
  const link = useQuery(trpc.recordings.downloadUrl.queryOptions({ id }));
  return link.data ? <audio controls preload="none" src={link.data.url} /> : null;
}
