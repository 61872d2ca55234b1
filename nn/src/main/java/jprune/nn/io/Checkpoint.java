package jprune.nn.io;

import java.util.LinkedHashMap;
import java.util.Map;
import jprune.tensor.Tensor;

/** The contents of a safetensors file: tensors in file order, and the string metadata. */
public record Checkpoint(LinkedHashMap<String, Tensor> tensors, Map<String, String> metadata) {}
