import { NativeConnection } from '@temporalio/worker';

/**
 * The worker's connection to Temporal. The SDK's core gzips every request it sends (polls, task
 * completions, the eligibility check's validity start) and asks for gzipped answers (the polled
 * tasks with their history); the worker and the server are on the same machine or network and our
 * messages are a few kilobytes, so both ends compressed for nothing, at a CPU cost per message
 * (README « Worker: email drain and memory »). `none` is the SDK's documented opt-out.
 */
export function connectWorker(address: string): Promise<NativeConnection> {
  return NativeConnection.connect({ address, grpcCompression: { codec: 'none' } });
}
