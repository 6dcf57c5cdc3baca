import type { Stoppable } from './runnables.js';

/**
 * A part that is started again and again, such as a component that runs only while this process
 * holds a leader Lease: on() starts a fresh instance (a no-op while one runs), off() stops it,
 * waiting first for a start in progress. A failed start goes to onError and leaves nothing to stop.
 */
export class Restartable implements Stoppable {
  private current: Promise<Stoppable | undefined> | undefined;

  constructor(
    private readonly start: () => Promise<Stoppable | undefined>,
    private readonly onError: (err: unknown) => void = () => {},
  ) {}

  /** Starts an instance in the background unless one runs. */
  on(): void {
    this.current ??= this.start().catch((err: unknown) => {
      this.onError(err);
      return undefined;
    });
  }

  /** Stops the running instance, if any. Idempotent. */
  async off(): Promise<void> {
    const running = this.current;
    this.current = undefined;
    await (await running)?.stop();
  }

  /** Same as off(). */
  stop(): Promise<void> {
    return this.off();
  }
}
