// One tRPC call over plain HTTP (a query or mutation as POST, no batching), for benches that set up
// accounts and rooms before they measure.
export async function trpcCall<T>(url: string, procedure: string, input: unknown, token?: string): Promise<T> {
  const res = await fetch(`${url}/trpc/${procedure}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify(input),
  });
  const json = (await res.json()) as { result?: { data: T }; error?: { message: string } };
  if (!json.result) throw new Error(`${procedure}: ${json.error?.message}`);
  return json.result.data;
}
