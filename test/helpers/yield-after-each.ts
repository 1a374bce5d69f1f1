// Setup file of vitest.emulated.config.ts: lets the event loop turn between tests, so that the
// test process reads vitest's answers before their 60 s timeout (see that config).
import { afterEach } from 'vitest';

afterEach(() => new Promise<void>((resolve) => setImmediate(resolve)));
