/**
 * What a benchmark started, stopped again however it ends: at the end of its run, on an error,
 * and on Ctrl-C or SIGTERM, so no PostgreSQL, nginx or Herald process outlives it. Undone in the
 * reverse order of starting; each step is tried even when an earlier one failed. `runBenchmark`
 * wraps a benchmark's whole run in it, and sets the exit code.
 */
type Step = { label: string; undo: () => Promise<void> | void };

const steps: Step[] = [];
let signalsHandled = false;

/** Registers `undo` to run at teardown; returns a function that runs it now, once, instead. */
export function atTeardown(label: string, undo: () => Promise<void> | void): () => Promise<void> {
  const step: Step = { label, undo };
  steps.push(step);
  if (!signalsHandled) {
    signalsHandled = true;
    for (const signal of ['SIGINT', 'SIGTERM'] as const) {
      process.once(signal, () => {
        console.error(`\n${signal}: stopping what the benchmark started…`);
        void runTeardown().finally(() => process.exit(130));
      });
    }
  }
  return async () => {
    const index = steps.indexOf(step);
    if (index < 0) return;
    steps.splice(index, 1);
    await step.undo();
  };
}

/** Runs every registered step, newest first. */
async function runTeardown(): Promise<void> {
  while (steps.length > 0) {
    const step = steps.pop()!;
    try {
      await step.undo();
    } catch (error) {
      console.error(`teardown: ${step.label}: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
}

/**
 * Runs a benchmark: `main` resolves to whether every target was met. Then everything registered
 * is undone, and the process exits 0, or 1 when a target was missed or `main` failed.
 */
export async function runBenchmark(main: () => Promise<boolean>): Promise<never> {
  let met = false;
  try {
    met = await main();
  } catch (error) {
    console.error(error instanceof Error ? (error.stack ?? error.message) : error);
  } finally {
    await runTeardown();
  }
  process.exit(met ? 0 : 1);
}
