// Tracking is a side show on the merchant's page: no failure of ours, nor of a callback handed to
// us, may surface there as an exception. Every way into the snippet passes through this wrapper.
// Every wrapped function takes one argument at most, so no rest parameter is spent on more.
export const safe =
  <T>(fn: (arg: T) => unknown) =>
  (arg: T): void => {
    try {
      fn(arg);
    } catch {
      // Swallowed on purpose: a lost attribution is better than a broken page.
    }
  };
