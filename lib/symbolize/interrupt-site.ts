/**
 * Where V8 served an interrupt sample (the hybrid sampler, native/sampler.h).
 * V8 runs interrupt callbacks from StackGuard::HandleInterrupts, which is
 * called at the stack-guard checks of JavaScript (function entry, loop
 * back-edge: the runtime functions below) and also from inside some C++ that
 * checks for interrupts itself while it works (JSON.stringify's serializer,
 * regular expressions). In the first case the JavaScript on top of the walk
 * is what ran; in the second the time was the C++ function's, which a signal
 * would have caught as the pc. The sample's native chain (the callback's
 * callers, innermost first) tells them apart by name. Compiled regular
 * expressions call V8's C++ to check: past that relay, the regular
 * expression's own code is the pc.
 */

/** V8's functions that pass an interrupt on to the callback: skipped. */
const RELAY = /(?:^|::)(?:Isolate::InvokeApiInterruptCallbacks|StackGuard::HandleInterrupts|\w*RegExpMacroAssembler\w*::CheckStackGuardState)$/;
/** The runtime functions JavaScript, and builtins, call at a stack-guard check. */
const CHECK = /(?:^|::)(?:Runtime_StackGuard\w*|Runtime_BytecodeBudgetInterrupt\w*|BytecodeBudgetInterrupt\w*|Runtime_HandleNoHeapWritesInterrupts)$/;

/** servedAt's answer for an interrupt served at a stack-guard check. */
export const AT_STACK_CHECK = 0;

export class InterruptSites {
  /** Per return address: -1 a relay, 0 a check, 1 other native code. */
  private readonly kinds = new Map<number, number>();

  /**
   * nameOf: the native function holding an address, undefined when no symbol
   * names it; inCode: whether an address lies in code V8 compiled (a regular
   * expression's), which has no symbol.
   */
  constructor(
    private readonly nameOf: (address: number) => string | undefined,
    private readonly inCode: (address: number) => boolean = () => false,
  ) {}

  /**
   * AT_STACK_CHECK when the interrupt was served at a stack-guard check of the
   * code on top of the walked stack, or when the chain cannot tell (no
   * symbols); else the return address in the native function, or the
   * compiled code, that served it.
   */
  servedAt(chain: ArrayLike<number> | undefined): number {
    if (chain === undefined) return AT_STACK_CHECK;
    for (let i = 0; i < chain.length; i++) {
      const address = chain[i]!;
      const kind = this.kindOf(address);
      if (kind === -1) continue;
      return kind === 0 ? AT_STACK_CHECK : address;
    }
    return AT_STACK_CHECK;
  }

  private kindOf(address: number): number {
    let kind = this.kinds.get(address);
    if (kind === undefined) {
      const name = this.nameOf(address);
      if (name !== undefined) kind = RELAY.test(name) ? -1 : CHECK.test(name) ? 0 : 1;
      else kind = this.inCode(address) ? 1 : 0;
      if (this.kinds.size > 4096) this.kinds.clear();
      this.kinds.set(address, kind);
    }
    return kind;
  }
}
