/**
 * A platform object that is already gone (HTTP 404) is not an error for reads that may
 * find nothing and for deletes: the answer is "nothing there".
 */

/**
 * The call's value, or undefined when the platform answered 404 (the error's `status`);
 * any other failure is thrown on.
 * @example const job = await unlessNotFound(batch.readNamespacedJobStatus({ name, namespace }))
 */
export async function unlessNotFound<T>(call: Promise<T>): Promise<T | undefined> {
  try {
    return await call;
  } catch (err) {
    if ((err as { status?: number }).status === 404) return undefined;
    throw err;
  }
}
