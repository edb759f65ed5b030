/**
 * A bounded worker pool: runs `work` over items with at most `limit` at once. When one item
 * fails, no new item starts; the items already running finish, then the first error is thrown
 * (so a failed upload never lets later phases begin).
 */

/**
 * Maps `items` through `work`, `limit` at a time, keeping the order of `items`.
 *
 * @example
 * const sizes = await mapConcurrent(files, 16, (f) => stat(f).then((s) => s.size));
 */
export async function mapConcurrent<T, R>(
  items: readonly T[],
  limit: number,
  work: (item: T, index: number) => Promise<R>,
): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  let failure: { error: unknown } | undefined;
  const worker = async () => {
    while (failure === undefined && next < items.length) {
      const index = next++;
      try {
        results[index] = await work(items[index] as T, index);
      } catch (error) {
        failure ??= { error };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
  if (failure) throw failure.error;
  return results;
}
