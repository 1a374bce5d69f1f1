// The nn namespace: Module, Parameter, layers, containers, losses, functional, init and utils.
export { Module, type LoadResult } from './module.js';
export { Parameter } from './parameter.js';
export { Embedding, LayerNorm, BatchNorm1d, BatchNorm2d, GroupNorm, type BatchNormOptions } from './sequence_layers.js';
export { Conv1d, Conv2d, MaxPool2d, AvgPool2d, AdaptiveAvgPool2d, type ConvLayerOptions } from './conv_layers.js';
export { Unfold, Fold } from './fold_layers.js';
export { MultiheadAttention, type MultiheadAttentionForwardOptions } from './attention_layers.js';
export { Linear, Sequential, Identity, ReLU, LeakyReLU, Sigmoid, Tanh, GELU, Softmax, LogSoftmax, Flatten, Dropout } from './layers.js';
export { ModuleList, ModuleDict, type ModuleDictInput } from './containers.js';
export { MSELoss, L1Loss, HuberLoss, SmoothL1Loss, CrossEntropyLoss, NLLLoss, BCELoss, BCEWithLogitsLoss, type LossOptions } from './loss.js';
export * as functional from './functional.js';
export * as init from './init.js';
export * as utils from './utils.js';
