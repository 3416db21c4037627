// Tracking is a side show on the merchant's page: no failure of ours, nor of a callback handed to
// us, may surface there as an exception. Every way into the snippet passes through this wrapper.
export function safe<A extends unknown[]>(fn: (...args: A) => unknown): (...args: A) => void {
  return (...args) => {
    try {
      fn(...args);
    } catch {
      // Swallowed on purpose: a lost attribution is better than a broken page.
    }
  }
}

export const noop = () => {};
