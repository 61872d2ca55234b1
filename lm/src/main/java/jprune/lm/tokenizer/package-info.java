/**
 * Byte-level BPE tokenizers with the ids of Hugging Face's {@code tokenizers}: loading
 * ({@link jprune.lm.tokenizer.Tokenizers#load}: tokenizer.json or the GPT-2 vocab.json + merges.txt
 * pair), encoding and decoding ({@link jprune.lm.tokenizer.Tokenizer}), training
 * ({@link jprune.lm.tokenizer.BpeTrainer}) and writing the Hugging Face files
 * ({@link jprune.lm.tokenizer.TokenizerWriter}). docs/tokenizers.md lists what is supported and how
 * the ids are checked against the reference.
 */
package jprune.lm.tokenizer;
