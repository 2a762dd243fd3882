// One piece of work at a time, shared: callers that arrive while it runs get
// the same promise instead of starting their own (`mutexctl serve`: one
// kernel snapshot however many scrapers ask at once).
export class SingleFlight<T> {
  private current: Promise<T> | undefined;

  constructor(private readonly work: () => Promise<T>) {}

  /** The work in flight, or a new run of it when none is. */
  run(): Promise<T> {
    this.current ??= this.work().finally(() => {
      this.current = undefined;
    });
    return this.current;
  }
}
