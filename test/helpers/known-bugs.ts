// Fixture cases where tensorgrad currently disagrees with PyTorch 1.13: bugs in src/, reported
// to its owner with a minimal repro. Temporary: the tests run these as `it.fails`, so each one
// starts failing (loudly) once src/ is fixed, and its entry must then be removed from here.
export const KNOWN_BUGS: Record<string, string> = {};
