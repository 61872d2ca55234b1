/**
 * Text for the language models: the Brown corpus (tags stripped, punctuation spacing undone, split
 * by file into train, validation and test), any UTF-8 text file, and the token windows that
 * training, evaluation and calibration cut from a token stream.
 */
package jprune.lm.data;
