import { createHash } from 'node:crypto';

/**
 * Rendezvous (highest random weight) hashing: every key goes to the instance with the highest
 * hash of (instance, key). The same key keeps its instance while membership is stable, and an
 * instance joining or leaving moves only the keys it wins or held, about 1/n of them.
 */
export function rendezvousPick<T>(
  key: string,
  candidates: readonly T[],
  idOf: (candidate: T) => string,
): T | undefined {
  let best: T | undefined;
  let bestScore = -1n;
  for (const candidate of candidates) {
    const score = weight(idOf(candidate), key);
    if (score > bestScore) {
      best = candidate;
      bestScore = score;
    }
  }
  return best;
}

function weight(instanceId: string, key: string): bigint {
  // md5 is not for security here: it is fast, stable across processes and well spread.
  const digest = createHash('md5').update(instanceId).update('\u0000').update(key).digest();
  return digest.readBigUInt64BE(0);
}
