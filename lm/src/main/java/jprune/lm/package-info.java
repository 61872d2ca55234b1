/**
 * Decoder-only language models on jprune's engine: the GPT-2 and Llama families, checkpoints in
 * the Hugging Face layout (config, sharded safetensors, F32/F16/BF16, memory-mapped), byte-level
 * BPE tokenizers, text corpora, perplexity, generation and decoding speed.
 */
package jprune.lm;
