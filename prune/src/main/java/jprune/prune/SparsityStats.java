package jprune.prune;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import jprune.nn.Module;
import jprune.nn.Parameter;

/** Zero counts of a model's prunable weights, per layer and overall. */
public record SparsityStats(List<Layer> layers, long total, long nonzero) {
    /** One prunable parameter: its name, shape and number of non-zero entries. */
    public record Layer(String name, int[] shape, int size, int nonzero) {
        public double sparsity() {
            return size == 0 ? 0 : 1.0 - (double) nonzero / size;
        }
    }

    public static SparsityStats of(Module model) {
        List<Layer> layers = new ArrayList<>();
        long total = 0, nonzero = 0;
        for (var e : Prunable.weights(model).entrySet()) {
            Parameter p = e.getValue();
            int nz = 0;
            for (float v : p.value().data()) if (v != 0f) nz++;
            layers.add(new Layer(e.getKey(), p.shape(), p.numel(), nz));
            total += p.numel();
            nonzero += nz;
        }
        return new SparsityStats(layers, total, nonzero);
    }

    public double sparsity() {
        return total == 0 ? 0 : 1.0 - (double) nonzero / total;
    }

    /** The per-layer list as plain maps, for metrics.json. */
    public List<Map<String, Object>> layerMaps() {
        List<Map<String, Object>> out = new ArrayList<>();
        for (Layer l : layers) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("name", l.name());
            m.put("shape", l.shape());
            m.put("params", l.size());
            m.put("nonzero", l.nonzero());
            m.put("sparsity", l.sparsity());
            out.add(m);
        }
        return out;
    }
}
