/** Runs `run(0)` … `run(count - 1)`, at most `width` at a time, each worker taking the next index. */
export async function inBatches(
  count: number,
  width: number,
  run: (i: number) => Promise<void>,
): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(width, count) }, async () => {
      while (next < count) await run(next++);
    }),
  );
}
