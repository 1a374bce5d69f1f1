// The optim namespace: optimizers (native per-parameter updates) and lr schedulers.
export { Optimizer, type OptimizerStateDict, type ParamGroup, type ParamState, type Params } from './optimizer.js';
export {
  SGD, Adam, AdamW, RMSprop, Adagrad, Adadelta,
  type SGDOptions, type AdamOptions, type RMSpropOptions, type AdagradOptions, type AdadeltaOptions,
} from './optimizers.js';
export * as lrScheduler from './lr_scheduler.js';
