// A character-level GPT (nanoGPT's architecture, small) on Genesis 1–11 (King James Version):
// token and position embeddings, pre-LayerNorm blocks of causal self-attention and a GELU MLP,
// a final LayerNorm, the output layer tied to the token embedding, AdamW with a cosine schedule,
// then samples drawn with tg.multinomial.
//
//   npx tsx examples/08-char-gpt.ts
//
// Inside the repo this imports ../src/index.js; in your own project write
// `import * as tg from 'tensorgrad'`.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import * as tg from '../src/index.js';
import { isMain, QUICK, type RunHooks } from './datasets.js';

const { nn, optim, F } = tg;
/** Context length, embedding width, attention heads, transformer blocks. */
export const BLOCK = 32, EMBED = 48, HEADS = 3, LAYERS = 2;

/** Causal multi-head self-attention: one Linear for q, k, v, scaledDotProductAttention, an output Linear. */
export class CausalSelfAttention extends nn.Module {
  qkv = new nn.Linear(EMBED, 3 * EMBED);
  proj = new nn.Linear(EMBED, EMBED);

  override forward(x: tg.Tensor): tg.Tensor {
    const [B, T] = x.shape as [number, number, number];
    // [B, T, 3E] -> three [B, heads, T, E / heads].
    const [q, k, v] = this.qkv.forward(x).split(EMBED, 2).map((t) => t.reshape(B, T, HEADS, EMBED / HEADS).transpose(1, 2));
    const y = F.scaledDotProductAttention(q!, k!, v!, { isCausal: true });
    return this.proj.forward(y.transpose(1, 2).reshape(B, T, EMBED));
  }
}

/** A pre-LayerNorm transformer block: x + attn(ln1(x)), then x + mlp(ln2(x)). */
export class Block extends nn.Module {
  ln1 = new nn.LayerNorm(EMBED);
  attn = new CausalSelfAttention();
  ln2 = new nn.LayerNorm(EMBED);
  mlp = new nn.Sequential(new nn.Linear(EMBED, 4 * EMBED), new nn.GELU(), new nn.Linear(4 * EMBED, EMBED));

  override forward(x: tg.Tensor): tg.Tensor {
    x = x.add(this.attn.forward(this.ln1.forward(x)));
    return x.add(this.mlp.forward(this.ln2.forward(x)));
  }
}

/** Token + position embeddings, LAYERS blocks, a final LayerNorm, the output layer tied to wte. */
export class GPT extends nn.Module {
  wte: tg.nn.Embedding;
  wpe = new nn.Embedding(BLOCK, EMBED);
  blocks = new nn.ModuleList(Array.from({ length: LAYERS }, () => new Block()));
  lnF = new nn.LayerNorm(EMBED);
  lmHead: tg.nn.Linear;

  constructor(vocab: number) {
    super();
    this.wte = new nn.Embedding(vocab, EMBED);
    this.lmHead = new nn.Linear(EMBED, vocab, { bias: false });
    this.lmHead.weight = this.wte.weight; // weight tying: one tensor, both state-dict keys
    // nanoGPT's initialisation: N(0, 0.02) weights, zero biases (the PyTorch defaults would start
    // the tied output layer's logits near ±7, a first loss of ~35 instead of ln(vocab)).
    this.apply((m) => {
      if (m instanceof nn.Linear || m instanceof nn.Embedding) nn.init.normal_(m.weight, 0, 0.02);
      if (m instanceof nn.Linear && m.bias) nn.init.constant_(m.bias, 0);
    });
  }

  /** Logits [B, T, vocab] for int32 tokens [B, T]. */
  override forward(idx: tg.Tensor): tg.Tensor {
    const T = idx.shape[1]!;
    let x = this.wte.forward(idx).add(this.wpe.forward(tg.arange(T, { dtype: 'int32' })));
    for (const block of this.blocks) x = block.forward(x);
    return this.lmHead.forward(this.lnF.forward(x));
  }
}

/** The text, its characters sorted (the vocabulary), char -> index, and the text as indices. */
export function loadGenesis(): { chars: string[]; code: Map<string, number>; data: Int32Array } {
  const text = readFileSync(fileURLToPath(new URL('./data/genesis-1-11.txt', import.meta.url)), 'utf8');
  const chars = [...new Set(text)].sort();
  const code = new Map(chars.map((c, i) => [c, i]));
  return { chars, code, data: Int32Array.from(text, (c) => code.get(c)!) };
}

/** The windows of BLOCK tokens starting at `starts`: inputs [B, BLOCK] and the next tokens [B·BLOCK]. */
export function batchAt(data: Int32Array, starts: ArrayLike<number>): [tg.Tensor, tg.Tensor] {
  const batch = starts.length;
  const x = new Int32Array(batch * BLOCK), y = new Int32Array(batch * BLOCK);
  for (let b = 0; b < batch; b++) {
    x.set(data.subarray(starts[b]!, starts[b]! + BLOCK), b * BLOCK);
    y.set(data.subarray(starts[b]! + 1, starts[b]! + 1 + BLOCK), b * BLOCK);
  }
  return [tg.tensor(x, { shape: [batch, BLOCK] }), tg.tensor(y, { shape: [batch * BLOCK] })];
}

/** The example's optimizer and schedule: AdamW (lr 3e-3, weight decay 0.01 on every parameter),
 *  the lr annealed along a cosine to 3e-4 over `steps` steps. */
export function optimizerFor(model: GPT, steps: number) {
  const opt = new optim.AdamW(model.parameters(), { lr: 3e-3, weightDecay: 0.01 });
  return { opt, schedule: new optim.lrScheduler.CosineAnnealingLR(opt, steps, { etaMin: 3e-4 }) };
}

/** One step: the mean cross-entropy of the next token, backward, gradients clipped to norm 1,
 *  AdamW, then the schedule; returns the loss. */
export function trainStep(model: GPT, opt: tg.optim.Optimizer<{ lr: number }>, schedule: tg.optim.lrScheduler.LRScheduler, xb: tg.Tensor, yb: tg.Tensor): number {
  const logits = model.forward(xb);
  const loss = F.crossEntropy(logits.reshape(-1, logits.shape[2]!), yb);
  opt.zeroGrad();
  loss.backward();
  nn.utils.clipGradNorm_(model.parameters(), 1.0);
  opt.step();
  schedule.step();
  return loss.item();
}

/** Trains the model; returns the first and last training losses, the loss of every step and a sample. */
export function run({ log = console.log, tick }: RunHooks = {}) {
  const t0 = performance.now();
  tg.manualSeed(0);
  const { chars, code, data } = loadGenesis();
  const model = new GPT(chars.length);
  const steps = QUICK ? 80 : 600;
  const { opt, schedule } = optimizerFor(model, steps);
  log(`${chars.length} characters, ${data.length} tokens, ${model.parameters().reduce((n, p) => n + p.numel(), 0)} parameters (tied)`);

  const losses: number[] = [];
  for (let step = 1; step <= steps; step++) {
    const starts = tg.randint(0, data.length - BLOCK - 1, [16]).toTypedArray();
    const [xb, yb] = batchAt(data, starts);
    losses.push(trainStep(model, opt, schedule, xb, yb));
    tick?.(step, steps);
    if (step % 100 === 0 || step === steps) log(`step ${step}: loss ${losses.at(-1)!.toFixed(3)}`);
  }
  const first = losses[0]!, last = losses.at(-1)!;

  // Sampling: feed the last BLOCK characters, draw the next from softmax(logits / 0.8).
  model.eval();
  const out = [...'And God said'].map((c) => code.get(c)!);
  tg.noGrad(() => {
    for (let i = 0; i < 120; i++) {
      const context = out.slice(-BLOCK);
      const logits = model.forward(tg.tensor(Int32Array.from(context), { shape: [1, context.length] }));
      const probs = logits.select(1, context.length - 1).div(0.8).softmax(-1);
      out.push(tg.multinomial(probs, 1).item());
    }
  });
  const sample = out.map((i) => chars[i]).join('');
  log(`sample: ${sample}`);
  log(`loss ${first.toFixed(3)} -> ${last.toFixed(3)} in ${steps} steps (${((performance.now() - t0) / 1000).toFixed(1)} s)`);
  return { first, last, losses, sample, vocab: chars.length };
}

if (isMain(import.meta.url) && run().last > 2.3) process.exitCode = 1;
