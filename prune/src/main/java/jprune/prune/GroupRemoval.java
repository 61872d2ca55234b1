package jprune.prune;

import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * What deleting a set of removed groups does to named tensors: the indices each tensor loses along
 * each axis, and the tensors that go entirely (those under a removed block's prefix). Works on any
 * name → tensor map, so vision models ({@link Compactor}) and language-model checkpoints share it.
 */
public final class GroupRemoval {
    private final Map<String, List<TreeSet<Integer>>> removed = new LinkedHashMap<>();
    private final List<String> droppedPrefixes = new ArrayList<>();

    public GroupRemoval(Collection<PruneGroup> groups) {
        for (PruneGroup g : groups) {
            if (g.dropsPrefix() != null) {
                droppedPrefixes.add(g.dropsPrefix());
                continue;
            }
            for (GroupSlice s : g.slices()) {
                List<TreeSet<Integer>> axes = removed.computeIfAbsent(s.tensor(), t -> new ArrayList<>());
                while (axes.size() <= s.axis()) axes.add(new TreeSet<>());
                for (int i = s.from(); i < s.to(); i++) axes.get(s.axis()).add(i);
            }
        }
    }

    /** Whether the tensor goes with a removed block. */
    public boolean drops(String tensor) {
        return droppedPrefixes.stream().anyMatch(tensor::startsWith);
    }

    /** The prefixes of removed blocks ("blocks.2.", "model.layers.5."). */
    public List<String> droppedPrefixes() {
        return List.copyOf(droppedPrefixes);
    }

    /** The tensor's shape once its removed indices are gone. */
    public int[] newShape(String tensor, int[] shape) {
        int[] out = shape.clone();
        List<TreeSet<Integer>> axes = removed.get(tensor);
        if (axes != null) for (int a = 0; a < axes.size(); a++) out[a] -= axes.get(a).size();
        return out;
    }

    /** The tensor's data without its removed indices (a copy; the same data copied when nothing is removed). */
    public float[] apply(String tensor, int[] shape, float[] data) {
        List<TreeSet<Integer>> axes = removed.get(tensor);
        if (axes == null) return data.clone();
        int[][] keep = new int[shape.length][];
        for (int a = 0; a < axes.size(); a++) {
            TreeSet<Integer> r = axes.get(a);
            if (a >= shape.length || (!r.isEmpty() && r.last() >= shape[a]))
                throw new IllegalArgumentException("removed indices of '" + tensor + "' do not fit its shape " + java.util.Arrays.toString(shape));
            if (r.isEmpty()) continue;
            keep[a] = java.util.stream.IntStream.range(0, shape[a]).filter(i -> !r.contains(i)).toArray();
        }
        return GroupSlices.narrow(data, shape, keep, new int[shape.length]);
    }
}
