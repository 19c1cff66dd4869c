/** One neutral history message in a target's shape, with what the cut and the counters need. */
export interface Shaped<T> {
  value: T;
  /** Its tokens, counted as budget.ts says (before any calibration). */
  tokens: number;
  /** Content parts the target cannot carry, left out. */
  dropped: number;
  /** Content parts carried in another shape than stored. */
  converted: number;
  /** A failed tool result (the proto form's is_error). */
  isError: boolean;
  /** A result the repair made up: not a stored message. */
  synthetic: boolean;
}
