package jprune.prune;

import static org.junit.jupiter.api.Assertions.*;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import jprune.nn.Parameter;
import jprune.nn.io.Json;
import jprune.tensor.Tensor;
import org.junit.jupiter.api.Test;

/** Masks from magnitude pruning equal torch.nn.utils.prune's on the same weights (golden file). */
class PruneGoldenTest {
    @SuppressWarnings("unchecked")
    static Map<String, Object> golden() throws IOException {
        // Written by src/test/resources/golden/make_torch_masks.py with PyTorch.
        return Json.parseObject(Files.readString(Path.of("src/test/resources/golden/torch_masks.json")));
    }

    @SuppressWarnings("unchecked")
    static float[] flat(Object nested) {
        List<Object> rows = (List<Object>) nested;
        int cols = ((List<Object>) rows.get(0)).size();
        float[] out = new float[rows.size() * cols];
        for (int r = 0; r < rows.size(); r++) {
            List<Object> row = (List<Object>) rows.get(r);
            for (int c = 0; c < cols; c++) out[r * cols + c] = ((Number) row.get(c)).floatValue();
        }
        return out;
    }

    @SuppressWarnings("unchecked")
    static Parameter weight(Object nested) {
        List<Object> rows = (List<Object>) nested;
        int cols = ((List<Object>) rows.get(0)).size();
        return new Parameter(Tensor.of(flat(nested), rows.size(), cols), Parameter.Kind.WEIGHT);
    }

    @Test
    @SuppressWarnings("unchecked")
    void l1UnstructuredMatchesTorch() throws IOException {
        Map<String, Object> g = golden();
        Map<String, Object> t = (Map<String, Object>) g.get("l1_unstructured");
        List<Object> weights = (List<Object>) g.get("weights");
        Parameter p = weight(weights.get(((Number) t.get("layer")).intValue()));
        Pruner.UNSTRUCTURED.prune(Map.of("w", p), new MagnitudeCriterion(false), PruneSpec.of(((Number) t.get("amount")).doubleValue(), Scope.LAYER));
        assertArrayEquals(flat(t.get("mask")), p.mask().data());
    }

    @Test
    @SuppressWarnings("unchecked")
    void globalUnstructuredMatchesTorch() throws IOException {
        Map<String, Object> g = golden();
        Map<String, Object> t = (Map<String, Object>) g.get("global_unstructured");
        List<Object> weights = (List<Object>) g.get("weights"), masks = (List<Object>) t.get("masks");
        LinkedHashMap<String, Parameter> params = new LinkedHashMap<>();
        for (int i = 0; i < weights.size(); i++) params.put("l" + i, weight(weights.get(i)));
        Pruner.UNSTRUCTURED.prune(params, new MagnitudeCriterion(false), PruneSpec.of(((Number) t.get("amount")).doubleValue(), Scope.GLOBAL));
        for (int i = 0; i < weights.size(); i++) assertArrayEquals(flat(masks.get(i)), params.get("l" + i).mask().data(), "layer " + i);
    }

    @Test
    @SuppressWarnings("unchecked")
    void lnStructuredRowsMatchTorch() throws IOException {
        Map<String, Object> g = golden();
        Map<String, Object> t = (Map<String, Object>) g.get("ln_structured");
        List<Object> weights = (List<Object>) g.get("weights");
        // torch's ln_structured(n=2, dim=0) drops the output rows of smallest L2 norm: channel pruning
        // with the squared-L2 magnitude criterion ranks rows the same way.
        var first = new jprune.nn.layers.Linear(30, 10, true, new jprune.tensor.Rng(1));
        var net = new jprune.nn.layers.Sequential(first, new jprune.nn.layers.Linear(10, 5, true, new jprune.tensor.Rng(2)));
        first.weight().value().copyFromInPlace(weight(weights.get(((Number) t.get("layer")).intValue())).value());
        new ChannelPruner(net).prune(new MagnitudeCriterion(true), PruneSpec.of(((Number) t.get("amount")).doubleValue(), Scope.LAYER));
        assertArrayEquals(flat(t.get("mask")), first.weight().mask().data());
    }
}
