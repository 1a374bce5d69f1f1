// Loaded with --require (through NODE_OPTIONS) by scripts/test-emulated.js. vitest's forked
// test processes, and any node a test spawns, start process.execPath: pointing it at the
// emulator wrapper keeps them inside the emulated CPU instead of escaping to the host's.
if (process.env.TG_EMULATOR_WRAPPER) process.execPath = process.env.TG_EMULATOR_WRAPPER;
